/**
 * The local-mode `DigestSigner`: a P-256 private key in a PEM file (mode 0600), generated on
 * first use. It protects the digests from the audit table's writers, not from whoever can
 * read this file (docs/audit-table.md says so).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DigestSigner } from './digest-signer';

/** Signs with a key file; `LocalKeySigner.open(path)` creates the key when the file does not exist. */
export class LocalKeySigner implements DigestSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly pem: string,
  ) {}

  /**
   * Loads the key at `path`, or generates a P-256 key there (exclusive create, mode 0600, so two
   * processes starting together end with one key: the loser reads the winner's).
   */
  static open(path: string): LocalKeySigner {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      try {
        writeFileSync(path, pem, { flag: 'wx', mode: 0o600 });
        // The umask may have narrowed the mode further, never widened it; state it anyway.
        chmodSync(path, 0o600);
      } catch (writeError) {
        if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      }
      text = readFileSync(path, 'utf8');
    }
    const privateKey = createPrivateKey(text);
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new TypeError(`[gitops-sentinel/anchor] ${path} is not a P-256 private key`);
    }
    return new LocalKeySigner(privateKey, createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', message, this.privateKey);
  }

  async publicKeyPem(): Promise<string> {
    return this.pem;
  }
}
