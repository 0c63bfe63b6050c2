/**
 * The deployed `DigestSigner`: a KMS asymmetric key (`ECC_NIST_P256`, `SIGN_VERIFY`). Only the
 * anchor function may call `kms:Sign` with it (IAM and the key policy); everyone who verifies
 * needs only the public key, which `GetPublicKey` hands out and proofs carry as PEM.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand, type KMSClientConfig } from '@aws-sdk/client-kms';
import { AnchorError } from './errors';
import type { DigestSigner } from './digest-signer';

/** Options of {@link KmsSigner}: a ready `client` or a `clientConfig`, never both. */
export type KmsSignerOptions = { keyId: string } & ({ client: KMSClient; clientConfig?: never } | { clientConfig?: KMSClientConfig; client?: never });

/** Signs with KMS `ECDSA_SHA_256` over the SHA-256 digest of the message (`MessageType: DIGEST`, so any size). */
export class KmsSigner implements DigestSigner {
  private readonly client: KMSClient;
  private readonly keyId: string;
  private pem?: Promise<string>;

  constructor(options: KmsSignerOptions) {
    if (!options?.keyId) throw new TypeError('[gitops-sentinel/anchor] keyId is required');
    this.keyId = options.keyId;
    this.client = options.client ?? new KMSClient(options.clientConfig ?? {});
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    // KMS signs at most 4096 bytes of raw message; a checkpoint of many chains is larger, so
    // sign its SHA-256 digest, which is what ECDSA_SHA_256 signs in the end either way.
    const digest = createHash('sha256').update(message).digest();
    const res = await this.client.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    if (!res.Signature?.length) throw new AnchorError('KMS answered Sign without a signature');
    return res.Signature;
  }

  /** The key's public half as PEM, fetched once; refuses a key that is not a P-256 signing key. */
  publicKeyPem(): Promise<string> {
    this.pem ??= this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then(
      (res) => {
        if (res.KeySpec !== 'ECC_NIST_P256' || res.KeyUsage !== 'SIGN_VERIFY' || !res.PublicKey) {
          throw new AnchorError(`KMS key ${this.keyId} is ${res.KeySpec ?? '?'} ${res.KeyUsage ?? '?'}; the anchor needs an ECC_NIST_P256 SIGN_VERIFY key`);
        }
        return createPublicKey({ key: Buffer.from(res.PublicKey), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string;
      },
      (error: unknown) => {
        this.pem = undefined;
        throw error;
      },
    );
    return this.pem;
  }
}
