/**
 * The digest file format: canonical JSON, its name in the anchor store, its hash (what the
 * next digest names), the key fingerprint and signature checks. Verification needs only the
 * public key and `node:crypto`, so a proof is checked with no AWS access.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import * as v from 'valibot';
import { canonicalJson } from '../audit/hash-chain';
import { DIGEST_VERSION, type Digest, type DigestFile } from './types';

/** Digests live under this prefix of the anchor store. */
export const DIGEST_PREFIX = 'digests/';

/** Name of digest `seq` in the store: zero-padded so that name order is seq order. */
export function digestName(seq: number): string {
  return `${DIGEST_PREFIX}${String(seq).padStart(12, '0')}.json`;
}

/** The seq a digest name stands for, or undefined for a name this code did not write. */
export function seqOfName(name: string): number | undefined {
  const m = /^digests\/(\d{12})\.json$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** SHA-256 hex of bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bytes a digest's signature is over: the canonical JSON of the digest. */
export function signedBytes(digest: Digest): Buffer {
  return Buffer.from(canonicalJson(digest), 'utf8');
}

/** The file bytes of a signed digest (canonical JSON, so the same digest always gives the same bytes). */
export function encodeDigestFile(digest: Digest, signature: Uint8Array): Buffer {
  const file: DigestFile = { digest, signatureAlgorithm: 'ECDSA_SHA_256', signature: Buffer.from(signature).toString('base64') };
  return Buffer.from(canonicalJson(file), 'utf8');
}

/** A PEM public key as a key object, and its fingerprint: SHA-256 hex of its DER SubjectPublicKeyInfo. */
export function publicKeyOf(pem: string): { key: KeyObject; fingerprint: string } {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec') throw new TypeError('[gitops-sentinel/anchor] the anchor key must be an EC (P-256) key');
  return { key, fingerprint: sha256Hex(key.export({ type: 'spki', format: 'der' })) };
}

const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const int = v.pipe(v.number(), v.integer(), v.minValue(0));
const iso = v.pipe(
  v.string(),
  v.check((s) => Number.isFinite(Date.parse(s))),
);
const digestSchema = v.strictObject({
  version: v.literal(DIGEST_VERSION),
  seq: int,
  time: iso,
  kind: v.picklist(['incremental', 'checkpoint']),
  since: v.optional(iso),
  previousDigestHash: v.union([v.literal(''), hex64]),
  keyFingerprint: hex64,
  heads: v.array(v.strictObject({ chain: v.pipe(v.string(), v.minLength(1)), seq: int, hash: hex64 })),
  recordsCovered: int,
  newRecords: int,
});
const fileSchema = v.strictObject({
  digest: v.unknown(),
  signatureAlgorithm: v.literal('ECDSA_SHA_256'),
  signature: v.pipe(v.string(), v.minLength(1)),
});

/** Outcome of reading a digest file. */
export type ParsedDigest = { ok: true; file: DigestFile } | { ok: false; problem: string };

/**
 * Parses and shape-checks a digest file. A file that is not JSON, has an unknown version or
 * an unexpected shape is a `problem` (callers report it; nothing is skipped silently).
 */
export function parseDigestFile(bytes: Uint8Array): ParsedDigest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, problem: 'not valid JSON' };
  }
  const outer = v.safeParse(fileSchema, raw);
  if (!outer.success)
    return { ok: false, problem: `not a digest file (${v.flatten(outer.issues).nested ? Object.keys(v.flatten(outer.issues).nested!).join(', ') : 'shape'})` };
  const version = (outer.output.digest as { version?: unknown } | null)?.version;
  if (version !== DIGEST_VERSION)
    return { ok: false, problem: `unknown digest version ${JSON.stringify(version)?.slice(0, 20)} (this verifier reads version ${DIGEST_VERSION})` };
  const inner = v.safeParse(digestSchema, outer.output.digest);
  if (!inner.success) {
    const fields = Object.keys(v.flatten(inner.issues).nested ?? {}).join(', ') || 'shape';
    return { ok: false, problem: `malformed digest (${fields})` };
  }
  return { ok: true, file: { digest: inner.output, signatureAlgorithm: 'ECDSA_SHA_256', signature: outer.output.signature } };
}

/** Whether a digest file's signature verifies with `key` (ECDSA P-256 over SHA-256 of the canonical digest). */
export function signatureValid(file: DigestFile, key: KeyObject): boolean {
  try {
    return verifySignature('sha256', signedBytes(file.digest), key, Buffer.from(file.signature, 'base64'));
  } catch {
    return false;
  }
}
