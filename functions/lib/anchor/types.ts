/**
 * Types of the anchor module: signed digests of the audit chain heads, the ports that sign
 * and store them, and the reports of an anchor run and of a verification against them.
 */
import type { VerifyReport } from '../audit/types';

/** The only digest format this code writes and reads; any other version is reported, never skipped. */
export const DIGEST_VERSION = 1;

/** One chain head named by a digest: "chain `chain` had `seq + 1` records, the newest hashing to `hash`". */
export interface DigestHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * What a digest says, signed as a whole. Modelled on CloudTrail's digest files (each names
 * the previous one's hash, so a removed or edited digest breaks the digest chain) and on
 * Certificate Transparency's signed tree heads (a signed statement of what existed at a time).
 */
export interface Digest {
  version: typeof DIGEST_VERSION;
  /** Position in the digest chain, from 0, no gaps. */
  seq: number;
  /** When the heads were read (ISO-8601, UTC). */
  time: string;
  /**
   * `checkpoint`: every chain's head. `incremental`: only the chains whose head changed since
   * the previous digest (found through records written since `since`).
   */
  kind: 'incremental' | 'checkpoint';
  /** Incremental digests: records at or after this time were looked at. */
  since?: string;
  /** SHA-256 (hex) of the previous digest file's bytes; "" for seq 0. */
  previousDigestHash: string;
  /** SHA-256 (hex) of the signing key's public key (DER SubjectPublicKeyInfo). */
  keyFingerprint: string;
  /** Heads, sorted by chain. */
  heads: DigestHead[];
  /** Records in the chains named here, up to their heads (sum of `seq + 1`). */
  recordsCovered: number;
  /** Records anchored for the first time by this digest. */
  newRecords: number;
}

/** A digest file as stored: canonical JSON of this object, so its bytes (and hash) are deterministic. */
export interface DigestFile {
  digest: Digest;
  /** `ECDSA_SHA_256` over the canonical JSON of `digest` (P-256, DER signature). */
  signatureAlgorithm: 'ECDSA_SHA_256';
  /** Base64 DER ECDSA signature. */
  signature: string;
}

/** What an anchor run did. */
export interface AnchorResult {
  /** False when another run wrote this seq first (conditional create lost); nothing was written. */
  written: boolean;
  /** Name of the digest in the anchor store. */
  name: string;
  seq: number;
  kind: Digest['kind'];
  time: string;
  /** Chains named by the digest. */
  chains: number;
  recordsCovered: number;
  newRecords: number;
  /** Size of the digest file. */
  bytes: number;
  /**
   * Chains that no longer extend what an earlier digest anchored (records edited or deleted
   * after anchoring): their anchor was not advanced (checkpoints carry it forward unchanged),
   * and `verify` reports them.
   */
  held: Array<{ chain: string; problem: string }>;
}

/** Records not yet covered by any digest: not provable yet. */
export interface UnanchoredSummary {
  records: number;
  chains: number;
  /** `ts` of the oldest unanchored record. */
  oldest?: string;
}

/** The newest valid digest seen by a verification. */
export interface DigestSummary {
  /** Digests read. */
  count: number;
  newest?: { seq: number; time: string; kind: Digest['kind'] };
  /** Fingerprint of the key the digests were checked with (compare it with one obtained independently). */
  keyFingerprint: string;
}

/** A verification against signed digests: the hash chains, the anchors, the digest chain. */
export interface AnchoredVerifyReport extends VerifyReport {
  digests: DigestSummary;
  unanchored: UnanchoredSummary;
  /** Breaks beyond the report's cap (the first ones are listed). */
  breaksOmitted?: number;
}
