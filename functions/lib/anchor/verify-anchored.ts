/**
 * Verification against signed digests, as `aws cloudtrail validate-logs` checks log files
 * against digest files: first the digest chain (each digest's signature with the anchor's
 * public key, its seq, and the hash of its predecessor it names), then every chain against
 * the newest digest that anchors it, together with the hash-chain rules. Chains are streamed
 * page by page, so memory grows with the number of chains, never with the number of records.
 */
import type { KeyObject } from 'node:crypto';
import type { ChainReader, StoredRecord } from '../audit/audit-store';
import { ChainVerifier } from '../audit/hash-chain';
import type { ChainBreak } from '../audit/types';
import type { AnchorStore } from './anchor-store';
import { DIGEST_PREFIX, parseDigestFile, publicKeyOf, seqOfName, sha256Hex, signatureValid } from './digest';
import type { AnchoredVerifyReport, Digest, DigestSummary, UnanchoredSummary } from './types';

/** Breaks listed in a report at most; the rest are counted in `breaksOmitted`. */
export const MAX_REPORTED_BREAKS = 1000;
/** Chain name used in breaks of the digest chain. */
export const DIGEST_CHAIN = 'digests';
/** Chains walked at once. */
const CONCURRENCY = 4;

/** The newest anchored head of a chain and the digest that anchored it. */
export interface AnchoredHead {
  seq: number;
  hash: string;
  digest: number;
}

/** Collects breaks up to a cap and counts the rest. */
export class BreakList {
  readonly items: ChainBreak[] = [];
  omitted = 0;
  add(b: ChainBreak): void {
    if (this.items.length < MAX_REPORTED_BREAKS) this.items.push(b);
    else this.omitted++;
  }
  sorted(): ChainBreak[] {
    return [...this.items].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq));
  }
}

/**
 * Checks the digest chain one file at a time (in name order) and keeps, per chain, the newest
 * head a validly signed digest anchored.
 */
export class DigestChainChecker {
  readonly anchored = new Map<string, AnchoredHead>();
  count = 0;
  newest?: DigestSummary['newest'];
  private expected = 0;
  private prevHash: string | undefined = '';
  private readonly key: KeyObject;
  readonly fingerprint: string;

  constructor(
    publicKeyPem: string,
    private readonly breaks: BreakList,
  ) {
    const k = publicKeyOf(publicKeyPem);
    this.key = k.key;
    this.fingerprint = k.fingerprint;
  }

  private report(seq: number, reason: ChainBreak['reason'], message: string): void {
    this.breaks.add({ chain: DIGEST_CHAIN, seq, reason, message });
  }

  /** Checks the next digest file; `bytes` undefined means the name is listed but the file is gone. */
  add(name: string, bytes: Uint8Array | undefined): void {
    this.count++;
    const seq = seqOfName(name);
    if (seq === undefined) {
      this.report(-1, 'digest-invalid', `${name}: not a digest name this verifier knows`);
      return;
    }
    if (seq > this.expected) {
      this.report(this.expected, 'digest-missing', `digest(s) ${this.expected}..${seq - 1} are missing from the digest chain`);
      this.prevHash = undefined;
    }
    this.expected = seq + 1;
    if (!bytes) {
      this.report(seq, 'digest-missing', `${name} is listed but cannot be read`);
      this.prevHash = undefined;
      return;
    }
    const hash = sha256Hex(bytes);
    const parsed = parseDigestFile(bytes);
    const prevHash = this.prevHash;
    this.prevHash = hash;
    if (!parsed.ok) {
      this.report(seq, 'digest-invalid', `${name}: ${parsed.problem}`);
      return;
    }
    const digest: Digest = parsed.file.digest;
    if (digest.seq !== seq) {
      this.report(seq, 'digest-invalid', `${name} holds digest seq ${digest.seq}: moved or renamed`);
      return;
    }
    if (!signatureValid(parsed.file, this.key)) {
      const other =
        digest.keyFingerprint !== this.fingerprint ? ` (it names key ${digest.keyFingerprint.slice(0, 16)}…, not ${this.fingerprint.slice(0, 16)}…)` : '';
      this.report(seq, 'digest-signature', `digest ${seq}: signature does not verify with the anchor key${other}: edited, or signed with another key`);
      return;
    }
    if (prevHash !== undefined && digest.previousDigestHash !== prevHash) {
      if (seq === 0) this.report(0, 'digest-edited', 'digest 0 names a predecessor: digests before it were removed');
      else
        this.report(
          seq - 1,
          'digest-edited',
          `digest ${seq - 1} was edited or replaced: digest ${seq} names hash ${digest.previousDigestHash.slice(0, 16)}…, the file hashes to ${prevHash.slice(0, 16)}…`,
        );
    }
    for (const h of digest.heads) {
      const known = this.anchored.get(h.chain);
      if (!known || h.seq >= known.seq) this.anchored.set(h.chain, { seq: h.seq, hash: h.hash, digest: seq });
    }
    this.newest = { seq, time: digest.time, kind: digest.kind };
  }

  summary(): DigestSummary {
    return { count: this.count, ...(this.newest ? { newest: this.newest } : {}), keyFingerprint: this.fingerprint };
  }
}

/**
 * Checks one chain (or an exported segment of it) against the hash-chain rules and its anchor.
 */
export class AnchoredChainCheck {
  private readonly verifier: ChainVerifier;
  private sawAnchored = false;
  private lastSeq = -1;
  unanchored = 0;
  oldestUnanchored?: string;

  constructor(
    readonly chain: string,
    private readonly anchored: AnchoredHead | undefined,
    options: { from?: number } = {},
  ) {
    this.verifier = new ChainVerifier(chain, options);
  }

  get records(): number {
    return this.verifier.records;
  }

  add({ record, indexMismatch }: StoredRecord): void {
    this.verifier.add(record);
    if (indexMismatch) this.verifier.report(record.seq, 'index-mismatch', indexMismatch);
    this.lastSeq = record.seq;
    const a = this.anchored;
    if (a && record.seq === a.seq) {
      this.sawAnchored = true;
      if (record.hash !== a.hash) {
        this.verifier.report(
          record.seq,
          'anchor-mismatch',
          `seq ${record.seq} is not the record digest ${a.digest} anchored: the chain was rewritten at or before seq ${record.seq} (its hashes may have been recomputed)`,
        );
      }
    }
    if (!a || record.seq > a.seq) {
      this.unanchored++;
      if (this.oldestUnanchored === undefined || record.ts < this.oldestUnanchored) this.oldestUnanchored = record.ts;
    }
  }

  /** @param named the chain is expected to exist (listed, named, or anchored) */
  finish(named = true): ChainBreak[] {
    const a = this.anchored;
    if (a && !this.sawAnchored) {
      if (this.lastSeq < a.seq) {
        this.verifier.report(
          a.seq,
          'anchor-truncated',
          `chain ends at seq ${this.lastSeq} but digest ${a.digest} anchored it up to seq ${a.seq}: records deleted`,
        );
      } else {
        this.verifier.report(a.seq, 'anchor-truncated', `seq ${a.seq}, anchored by digest ${a.digest}, is missing: records deleted`);
      }
    }
    if (!named && this.verifier.records === 0) return this.verifier.breaks;
    return this.verifier.finish();
  }
}

/** What {@link verifyAnchored} needs. */
export interface VerifyAnchoredDeps {
  reader: ChainReader;
  store: AnchorStore;
  /** The anchor key's public half: the trust root of the verification. */
  publicKeyPem: string;
}

/** Reads and checks every digest in the store, in order. */
export async function checkDigests(store: AnchorStore, publicKeyPem: string, breaks: BreakList): Promise<DigestChainChecker> {
  const checker = new DigestChainChecker(publicKeyPem, breaks);
  for (const name of await store.list(DIGEST_PREFIX)) checker.add(name, await store.get(name));
  return checker;
}

/**
 * Verifies the trail against the signed digests: the digest chain, then every chain (listed
 * ones and every anchored one, so a chain whose seq 0 or whole history was deleted is still
 * checked), or only the given chains.
 */
export async function verifyAnchored(deps: VerifyAnchoredDeps, options: { chains?: string[] } = {}): Promise<AnchoredVerifyReport> {
  const breaks = new BreakList();
  const digests = await checkDigests(deps.store, deps.publicKeyPem, breaks);
  let chains: string[];
  if (options.chains) {
    chains = [...new Set(options.chains)];
  } else {
    const set = new Set<string>();
    for await (const chain of deps.reader.listChains()) set.add(chain);
    for (const chain of digests.anchored.keys()) set.add(chain);
    chains = [...set];
  }
  let records = 0;
  const unanchored: UnanchoredSummary = { records: 0, chains: 0 };
  let next = 0;
  const worker = async () => {
    while (next < chains.length) {
      const chain = chains[next++];
      const check = new AnchoredChainCheck(chain, digests.anchored.get(chain));
      for await (const stored of deps.reader.readChain(chain)) check.add(stored);
      for (const b of check.finish()) breaks.add(b);
      records += check.records;
      addUnanchored(unanchored, check);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chains.length) }, worker));
  return report(chains.length, records, breaks, digests, unanchored);
}

/** Adds one chain's unanchored records to a summary. */
export function addUnanchored(summary: UnanchoredSummary, check: AnchoredChainCheck): void {
  if (check.unanchored === 0) return;
  summary.records += check.unanchored;
  summary.chains += 1;
  if (check.oldestUnanchored && (!summary.oldest || check.oldestUnanchored < summary.oldest)) summary.oldest = check.oldestUnanchored;
}

/** Assembles a report. */
export function report(chains: number, records: number, breaks: BreakList, digests: DigestChainChecker, unanchored: UnanchoredSummary): AnchoredVerifyReport {
  const list = breaks.sorted();
  return {
    chains,
    records,
    ok: list.length === 0 && breaks.omitted === 0,
    breaks: list,
    ...(breaks.omitted ? { breaksOmitted: breaks.omitted } : {}),
    digests: digests.summary(),
    unanchored,
  };
}
