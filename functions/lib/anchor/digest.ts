/**
 * The digest file format: canonical JSON, its name in the anchor store, its hash (what the
 * next digest names), the key fingerprint and signature checks. Verification needs only the
 * public key and `node:crypto`, so a proof is checked with no AWS access.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import * as v from 'valibot';
import { canonicalJson } from '../audit/hash-chain';
import { READABLE_DIGEST_VERSIONS, type Digest, type DigestFile, type DigestHead, type DigestPart, type DigestPartRef } from './types';

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

/** Parts of big digests live under this prefix of the anchor store. */
export const PART_PREFIX = 'parts/';

/**
 * Name of a part in the store: under its digest's seq, named by its own SHA-256, so two runs
 * racing for one seq never overwrite each other's parts (the loser's stay unreferenced).
 */
export function partName(digestSeq: number, hash: string): string {
  return `${PART_PREFIX}${String(digestSeq).padStart(12, '0')}/${hash}.json`;
}

/** The digest seq and hash a part name stands for, or undefined for a name this code did not write. */
export function parsePartName(name: string): { seq: number; hash: string } | undefined {
  const m = /^parts\/(\d{12})\/([0-9a-f]{64})\.json$/.exec(name);
  return m ? { seq: Number(m[1]), hash: m[2] } : undefined;
}

/**
 * Most bytes of heads a digest holds inline, and of each part. A checkpoint of 100,000 chains
 * is ~12 MB of heads; in parts of 1 MB every file stays far below the 6 MB a Lambda may answer
 * (base64 adds a third), so the operator API can hand out any of them.
 */
export const MAX_PART_BYTES = 1_000_000;

/**
 * Splits heads (sorted by chain) into runs of at most `maxBytes` of canonical JSON each
 * (a single head bigger than that gets a run of its own).
 */
export function splitHeads(heads: DigestHead[], maxBytes = MAX_PART_BYTES): DigestHead[][] {
  const runs: DigestHead[][] = [];
  let current: DigestHead[] = [];
  let size = 0;
  for (const h of heads) {
    const bytes = Buffer.byteLength(h.chain, 'utf8') + 110; // {"chain":…,"hash":<64>,"seq":<n>}, plus a comma
    if (current.length > 0 && size + bytes > maxBytes) {
      runs.push(current);
      current = [];
      size = 0;
    }
    current.push(h);
    size += bytes;
  }
  if (current.length) runs.push(current);
  return runs;
}

/** The bytes of a part file (canonical JSON) and the reference the digest keeps to it. */
export function encodePart(part: DigestPart): { bytes: Buffer; ref: DigestPartRef } {
  const bytes = Buffer.from(canonicalJson(part), 'utf8');
  return { bytes, ref: { hash: sha256Hex(bytes), chains: part.heads.length, first: part.heads[0].chain, last: part.heads[part.heads.length - 1].chain } };
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
const headSchema = v.strictObject({ chain: v.pipe(v.string(), v.minLength(1)), seq: int, hash: hex64 });
const digestFields = {
  seq: int,
  time: iso,
  kind: v.picklist(['incremental', 'checkpoint']),
  since: v.optional(iso),
  previousDigestHash: v.union([v.literal(''), hex64]),
  keyFingerprint: hex64,
  heads: v.array(headSchema),
  recordsCovered: int,
  newRecords: int,
};
const digestSchemas = {
  1: v.strictObject({ version: v.literal(1), ...digestFields }),
  2: v.strictObject({
    version: v.literal(2),
    ...digestFields,
    parts: v.optional(
      v.array(v.strictObject({ hash: hex64, chains: int, first: v.pipe(v.string(), v.minLength(1)), last: v.pipe(v.string(), v.minLength(1)) })),
    ),
    sweep: v.optional(v.strictObject({ from: v.string(), next: v.optional(v.pipe(v.string(), v.minLength(1))), chains: int })),
  }),
} as const;
const partSchema = v.strictObject({ digest: int, index: int, heads: v.array(headSchema) });
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
  if (!(READABLE_DIGEST_VERSIONS as readonly unknown[]).includes(version))
    return {
      ok: false,
      problem: `unknown digest version ${JSON.stringify(version)?.slice(0, 20)} (this verifier reads versions ${READABLE_DIGEST_VERSIONS.join(', ')})`,
    };
  const inner = v.safeParse(digestSchemas[version as keyof typeof digestSchemas], outer.output.digest);
  if (!inner.success) {
    const fields = Object.keys(v.flatten(inner.issues).nested ?? {}).join(', ') || 'shape';
    return { ok: false, problem: `malformed digest (${fields})` };
  }
  return { ok: true, file: { digest: inner.output, signatureAlgorithm: 'ECDSA_SHA_256', signature: outer.output.signature } };
}

/**
 * Parses a part file and checks it is the part `index` of digest `digestSeq`; the caller has
 * already checked its SHA-256 against the signed digest.
 * @returns the heads, or what is wrong
 */
export function parsePart(bytes: Uint8Array, digestSeq: number, index: number): DigestHead[] | string {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return 'not valid JSON';
  }
  const parsed = v.safeParse(partSchema, raw);
  if (!parsed.success) return 'not a digest part';
  if (parsed.output.digest !== digestSeq || parsed.output.index !== index) return `holds part ${parsed.output.index} of digest ${parsed.output.digest}`;
  return parsed.output.heads;
}

/** Whether a digest file's signature verifies with `key` (ECDSA P-256 over SHA-256 of the canonical digest). */
export function signatureValid(file: DigestFile, key: KeyObject): boolean {
  try {
    return verifySignature('sha256', signedBytes(file.digest), key, Buffer.from(file.signature, 'base64'));
  } catch {
    return false;
  }
}
