/**
 * Types of the anchor module: signed digests of the audit chain heads, the ports that sign
 * and store them, and the reports of an anchor run and of a verification against them.
 */
import type { VerifyReport } from '../audit/types';

/**
 * The digest format this code writes. It reads this one and version 1 (no `parts`, no
 * `sweep`); any other version is reported, never skipped.
 */
export const DIGEST_VERSION = 2;

/** Digest versions this verifier reads. */
export const READABLE_DIGEST_VERSIONS = [1, 2] as const;

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
  version: (typeof READABLE_DIGEST_VERSIONS)[number];
  /** Position in the digest chain, from 0, no gaps. */
  seq: number;
  /** When the heads were read (ISO-8601, UTC). */
  time: string;
  /**
   * `checkpoint`: every anchored chain's newest anchored head (the previous checkpoint, the
   * digests since and this run's heads merged). `incremental`: only the chains whose head this
   * run saw move (records written since `since`, and the sweep's slice).
   */
  kind: 'incremental' | 'checkpoint';
  /** Incremental digests: records at or after this time were looked at. */
  since?: string;
  /** SHA-256 (hex) of the previous digest file's bytes; "" for seq 0. */
  previousDigestHash: string;
  /** SHA-256 (hex) of the signing key's public key (DER SubjectPublicKeyInfo). */
  keyFingerprint: string;
  /** Heads, sorted by chain; empty when they are in `parts`. */
  heads: DigestHead[];
  /**
   * Version 2: the heads of a big digest, in parts of bounded size (sorted by chain, in order),
   * each named and authenticated by its SHA-256 in this signed digest, as CloudTrail digests
   * name the log files they cover. Absent when the heads are inline.
   */
  parts?: DigestPartRef[];
  /**
   * Version 2: the slice of the sweep this run did (chains after `from`, "" for the start, in
   * by-chain order); `next` is where the next run goes on, absent when the sweep reached the end.
   */
  sweep?: { from: string; next?: string; chains: number };
  /** Records in the chains named here, up to their heads (sum of `seq + 1`). */
  recordsCovered: number;
  /** Records anchored for the first time by this digest. */
  newRecords: number;
}

/** A part of a digest's heads, as the digest names it. */
export interface DigestPartRef {
  /** SHA-256 (hex) of the part file's bytes; the part is stored as `parts/<digest seq>/<hash>.json`. */
  hash: string;
  /** Heads in the part. */
  chains: number;
  /** First and last chain of the part (by-chain order), so a reader fetches only the parts it needs. */
  first: string;
  last: string;
}

/** A part file: canonical JSON of this object. */
export interface DigestPart {
  /** Seq of the digest naming this part. */
  digest: number;
  /** Position among the digest's parts, from 0. */
  index: number;
  heads: DigestHead[];
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
  /** Size of the digest file and its parts. */
  bytes: number;
  /** Part files the heads were split into (0: inline). */
  parts: number;
  /** Chains the sweep looked at, where it started and where the next run goes on. */
  sweep: { from: string; next?: string; chains: number };
  /** Chains whose records written since the previous digest were looked at. */
  touched: number;
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
  /**
   * `checkpoint`: the digest chain was checked from the newest valid checkpoint on (seq
   * `from`); `all`: from digest 0. Checked digests' parts are read only as far as the chains
   * verified need them.
   */
  mode: 'checkpoint' | 'all';
  /** Seq of the first digest checked. */
  from?: number;
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
  /** A paged verification: the chain the next page starts after; absent on the last page. */
  next?: string;
}
