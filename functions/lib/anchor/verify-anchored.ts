/**
 * Verification against signed digests, as `aws cloudtrail validate-logs` checks log files
 * against digest files: first the digest chain (each digest's signature with the anchor's
 * public key, its seq, and the hash of its predecessor it names), then every chain against
 * the newest digest that anchors it, together with the hash-chain rules. Chains are streamed
 * page by page, so memory grows with the number of chains, never with the number of records.
 */
import type { KeyObject } from 'node:crypto';
import { forEachLimit } from '../runtime/concurrency';
import type { ChainReader, StoredRecord } from '../audit/audit-store';
import { ChainVerifier } from '../audit/hash-chain';
import { UnindexedTally } from '../audit/index-backfill';
import type { ChainBreak } from '../audit/types';
import type { AnchorStore } from './anchor-store';
import { DIGEST_PREFIX, parseDigestFile, parsePart, partName, publicKeyOf, seqOfName, sha256Hex, signatureValid } from './digest';
import type { AnchoredVerifyReport, Digest, DigestHead, DigestSummary, UnanchoredSummary } from './types';

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

/** Which chains a digest reader needs the anchors of: all, or those a test accepts. */
export interface ChainFilter {
  /** Whether `chain` is needed. */
  has(chain: string): boolean;
  /** Whether any needed chain lies between `first` and `last` (inclusive, by-chain order). */
  overlaps(first: string, last: string): boolean;
}

/** A filter over a known set of chains (binary search over them, sorted). */
export function chainSetFilter(chains: Iterable<string>): ChainFilter {
  const sorted = [...new Set(chains)].sort();
  const set = new Set(sorted);
  return {
    has: (chain) => set.has(chain),
    overlaps(first, last) {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] < first) lo = mid + 1;
        else hi = mid;
      }
      return lo < sorted.length && sorted[lo] <= last;
    },
  };
}

/**
 * Checks the digest chain one file at a time (in name order) and keeps, per chain, the newest
 * head a validly signed digest anchored. Parts of a digest are read from the store, checked
 * against the hash the signed digest names, and only when the filter needs their chains.
 */
export class DigestChainChecker {
  readonly anchored = new Map<string, AnchoredHead>();
  count = 0;
  newest?: DigestSummary['newest'];
  /** The newest valid digest itself (its sweep cursor is where the next anchor run goes on). */
  newestDigest?: Digest;
  /** Time of the newest valid checkpoint. */
  checkpointTime?: string;
  /** The newest listed digest, valid or not: its seq and the hash of its bytes (what the next digest names). */
  last?: { seq: number; hash: string; time?: string };
  mode: DigestSummary['mode'] = 'all';
  from?: number;
  #expected = 0;
  #prevHash: string | undefined = '';
  readonly #key: KeyObject;
  readonly fingerprint: string;

  constructor(
    publicKeyPem: string,
    private readonly breaks: BreakList,
    private readonly store: AnchorStore,
    private readonly filter?: ChainFilter,
  ) {
    const k = publicKeyOf(publicKeyPem);
    this.#key = k.key;
    this.fingerprint = k.fingerprint;
  }

  #report(seq: number, reason: ChainBreak['reason'], message: string): void {
    this.breaks.add({ chain: DIGEST_CHAIN, seq, reason, message });
  }

  /**
   * Starts the check at digest `seq` (a validly signed checkpoint): what came before it is not
   * read, so its own predecessor hash is not checked.
   */
  startAt(seq: number): void {
    this.#expected = seq;
    this.#prevHash = undefined;
    this.mode = 'checkpoint';
    this.from = seq;
  }

  /** Checks the next digest file; `bytes` undefined means the name is listed but the file is gone. */
  async add(name: string, bytes: Uint8Array | undefined): Promise<void> {
    this.count++;
    this.from ??= seqOfName(name);
    const seq = seqOfName(name);
    if (seq === undefined) {
      this.#report(-1, 'digest-invalid', `${name}: not a digest name this verifier knows`);
      return;
    }
    if (seq > this.#expected) {
      this.#report(this.#expected, 'digest-missing', `digest(s) ${this.#expected}..${seq - 1} are missing from the digest chain`);
      this.#prevHash = undefined;
    }
    this.#expected = seq + 1;
    if (!bytes) {
      this.last = { seq, hash: '' };
      this.#report(seq, 'digest-missing', `${name} is listed but cannot be read`);
      this.#prevHash = undefined;
      return;
    }
    const hash = sha256Hex(bytes);
    const parsed = parseDigestFile(bytes);
    this.last = { seq, hash, ...(parsed.ok ? { time: parsed.file.digest.time } : {}) };
    const prevHash = this.#prevHash;
    this.#prevHash = hash;
    if (!parsed.ok) {
      this.#report(seq, 'digest-invalid', `${name}: ${parsed.problem}`);
      return;
    }
    const digest: Digest = parsed.file.digest;
    if (digest.seq !== seq) {
      this.#report(seq, 'digest-invalid', `${name} holds digest seq ${digest.seq}: moved or renamed`);
      return;
    }
    if (!signatureValid(parsed.file, this.#key)) {
      const other =
        digest.keyFingerprint !== this.fingerprint ? ` (it names key ${digest.keyFingerprint.slice(0, 16)}…, not ${this.fingerprint.slice(0, 16)}…)` : '';
      this.#report(seq, 'digest-signature', `digest ${seq}: signature does not verify with the anchor key${other}: edited, or signed with another key`);
      return;
    }
    if (prevHash !== undefined && digest.previousDigestHash !== prevHash) {
      if (seq === 0) this.#report(0, 'digest-edited', 'digest 0 names a predecessor: digests before it were removed');
      else
        this.#report(
          seq - 1,
          'digest-edited',
          `digest ${seq - 1} was edited or replaced: digest ${seq} names hash ${digest.previousDigestHash.slice(0, 16)}…, the file hashes to ` +
            `${prevHash.slice(0, 16)}…`,
        );
    }
    this.#merge(seq, digest.heads);
    for (const [index, part] of (digest.parts ?? []).entries()) {
      if (this.filter && !this.filter.overlaps(part.first, part.last)) continue;
      const heads = await this.#readPart(seq, index, part.hash);
      if (heads) this.#merge(seq, heads);
    }
    this.newest = { seq, time: digest.time, kind: digest.kind };
    this.newestDigest = digest;
    if (digest.kind === 'checkpoint') this.checkpointTime = digest.time;
  }

  /** Reads part `index` of digest `seq` and checks it against the hash the digest names. */
  async #readPart(seq: number, index: number, hash: string): Promise<DigestHead[] | undefined> {
    const name = partName(seq, hash);
    const bytes = await this.store.get(name);
    if (!bytes) {
      this.#report(seq, 'digest-missing', `part ${index} of digest ${seq} (${name}) is missing`);
      return undefined;
    }
    if (sha256Hex(bytes) !== hash) {
      this.#report(seq, 'digest-edited', `part ${index} of digest ${seq} does not hash to what the digest names: edited or replaced`);
      return undefined;
    }
    const heads = parsePart(bytes, seq, index);
    if (typeof heads === 'string') {
      this.#report(seq, 'digest-invalid', `part ${index} of digest ${seq}: ${heads}`);
      return undefined;
    }
    return heads;
  }

  #merge(seq: number, heads: DigestHead[]): void {
    for (const h of heads) {
      if (this.filter && !this.filter.has(h.chain)) continue;
      const known = this.anchored.get(h.chain);
      if (!known || h.seq >= known.seq) this.anchored.set(h.chain, { seq: h.seq, hash: h.hash, digest: seq });
    }
  }

  summary(): DigestSummary {
    return {
      count: this.count,
      mode: this.mode,
      ...(this.from !== undefined ? { from: this.from } : {}),
      ...(this.newest ? { newest: this.newest } : {}),
      keyFingerprint: this.fingerprint,
    };
  }
}

/**
 * Checks one chain (or an exported segment of it) against the hash-chain rules and its anchor.
 */
export class AnchoredChainCheck {
  readonly #verifier: ChainVerifier;
  #sawAnchored = false;
  #lastSeq = -1;
  unanchored = 0;
  oldestUnanchored?: string;

  constructor(
    readonly chain: string,
    private readonly anchored: AnchoredHead | undefined,
    options: { from?: number } = {},
  ) {
    this.#verifier = new ChainVerifier(chain, options);
  }

  get records(): number {
    return this.#verifier.records;
  }

  add({ record, indexMismatch }: StoredRecord): void {
    this.#verifier.add(record);
    if (indexMismatch) this.#verifier.report(record.seq, 'index-mismatch', indexMismatch);
    this.#lastSeq = record.seq;
    const a = this.anchored;
    if (a && record.seq === a.seq) {
      this.#sawAnchored = true;
      if (record.hash !== a.hash) {
        this.#verifier.report(
          record.seq,
          'anchor-mismatch',
          `seq ${record.seq} is not the record digest ${a.digest} anchored: the chain was rewritten at or before seq ${record.seq} (its hashes may have ` +
            `been recomputed)`,
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
    if (a && !this.#sawAnchored) {
      if (this.#lastSeq < a.seq) {
        this.#verifier.report(
          a.seq,
          'anchor-truncated',
          this.#lastSeq < 0
            ? `chain has no records left but digest ${a.digest} anchored it up to seq ${a.seq}: records deleted`
            : `chain ends at seq ${this.#lastSeq} but digest ${a.digest} anchored it up to seq ${a.seq}: records deleted`,
        );
      } else {
        this.#verifier.report(a.seq, 'anchor-truncated', `seq ${a.seq}, anchored by digest ${a.digest}, is missing: records deleted`);
      }
    }
    if (!named && this.#verifier.records === 0) return this.#verifier.breaks;
    return this.#verifier.finish();
  }
}

/** What {@link verifyAnchored} needs. */
export interface VerifyAnchoredDeps {
  reader: ChainReader;
  store: AnchorStore;
  /** The anchor key's public half: the trust root of the verification. */
  publicKeyPem: string;
}

/** Options of {@link checkDigests}. */
export interface CheckDigestsOptions {
  /**
   * `checkpoint` (default): find the newest validly signed checkpoint, walking back from the
   * newest digest, and check the digest chain from there on; only when there is none, from
   * digest 0. `all`: check every digest from 0.
   */
  mode?: DigestSummary['mode'];
  /** Read only the anchors of these chains (and only the parts holding them). */
  filter?: ChainFilter;
}

/**
 * Reads and checks the digests in order, from the newest checkpoint or from the first. A
 * checkpoint names every anchored chain's newest anchored head, so the digests before it add
 * nothing to what is anchored; walking back to it reads at most one checkpoint interval of
 * digests (12 at the defaults).
 */
export async function checkDigests(
  store: AnchorStore,
  publicKeyPem: string,
  breaks: BreakList,
  options: CheckDigestsOptions = {},
): Promise<DigestChainChecker> {
  const checker = new DigestChainChecker(publicKeyPem, breaks, store, options.filter);
  const names = await store.list(DIGEST_PREFIX);
  const found = options.mode === 'all' ? undefined : await findCheckpoint(store, publicKeyPem, names);
  if (found) checker.startAt(found.seq);
  const read = found?.read ?? new Map<string, Uint8Array | undefined>();
  for (const name of names.slice(found?.index ?? 0)) await checker.add(name, read.has(name) ? read.get(name) : await store.get(name));
  return checker;
}

/**
 * The newest validly signed checkpoint among `names` (digest names, ascending), walking back
 * from the newest; with the files read on the way, so a caller need not read them again.
 */
export async function findCheckpoint(
  store: AnchorStore,
  publicKeyPem: string,
  names: string[],
): Promise<{ index: number; seq: number; name: string; read: Map<string, Uint8Array | undefined> } | undefined> {
  const { key } = publicKeyOf(publicKeyPem);
  const read = new Map<string, Uint8Array | undefined>();
  for (let i = names.length - 1; i >= 0; i--) {
    const seq = seqOfName(names[i]);
    if (seq === undefined) continue;
    const bytes = await store.get(names[i]);
    read.set(names[i], bytes);
    const parsed = bytes ? parseDigestFile(bytes) : undefined;
    if (parsed?.ok && parsed.file.digest.kind === 'checkpoint' && parsed.file.digest.seq === seq && signatureValid(parsed.file, key))
      return { index: i, seq, name: names[i], read };
  }
  return undefined;
}

/**
 * One page of the chains to verify or export, in by-chain order: up to `limit` listed chains
 * after `after`, and the anchored chains (listed or not) in the same range, found in the
 * digests from the newest checkpoint on, reading only the parts that cover the range.
 * @returns the chains, where the next page starts (`more`, absent at the end) and the digests checked
 */
export async function chainsPage(
  deps: VerifyAnchoredDeps,
  breaks: BreakList,
  options: { after: string; limit?: number; digests?: DigestSummary['mode'] },
): Promise<{ chains: string[]; more?: string; digests: DigestChainChecker }> {
  const limit = Math.max(1, options.limit ?? VERIFY_PAGE_CHAINS);
  const listed: string[] = [];
  let more: string | undefined;
  for await (const chain of deps.reader.listChains(options.after || undefined)) {
    if (listed.length === limit) {
      more = listed[listed.length - 1];
      break;
    }
    listed.push(chain);
  }
  const digests = await checkDigests(deps.store, deps.publicKeyPem, breaks, { mode: options.digests, filter: rangeFilter(options.after, more) });
  return { chains: [...new Set([...listed, ...digests.anchored.keys()])].sort(), ...(more !== undefined ? { more } : {}), digests };
}

/** Options of {@link verifyAnchored}. */
export interface VerifyAnchoredOptions {
  /** Only these chains. */
  chains?: string[];
  /** How far back the digest chain is checked. @default 'checkpoint' */
  digests?: DigestSummary['mode'];
  /**
   * One page of chains, in by-chain order: the chains after this one (exclusive; "" for the
   * first page). The report's `next` names where the next page starts, so a caller bounded in
   * time (the operator API answers within 29 s) verifies a big table page by page.
   */
  after?: string;
  /** With `after`: listed chains per page at most. @default 1000 */
  limit?: number;
  /** With `after`: stop taking new chains once this many ms have passed; the page ends early with `next`. */
  budgetMs?: number;
}

/** Listed chains per page of a paged verification, by default. */
export const VERIFY_PAGE_CHAINS = 1000;

/** A range of chains (`after`, `upTo`] as a filter. */
function rangeFilter(after: string, upTo: string | undefined): ChainFilter {
  const inRange = (c: string) => c > after && (upTo === undefined || c <= upTo);
  return { has: inRange, overlaps: (first, last) => last > after && (upTo === undefined || first <= upTo) };
}

/**
 * Verifies the trail against the signed digests: the digest chain (from the newest checkpoint
 * by default), then every chain (listed ones and every anchored one, so a chain whose seq 0 or
 * whole history was deleted is still checked), or only the given chains, or one page of them.
 */
export async function verifyAnchored(deps: VerifyAnchoredDeps, options: VerifyAnchoredOptions = {}): Promise<AnchoredVerifyReport> {
  const started = Date.now();
  const breaks = new BreakList();
  let chains: string[];
  let digests: DigestChainChecker;
  let more: string | undefined;
  if (options.chains) {
    chains = [...new Set(options.chains)];
    digests = await checkDigests(deps.store, deps.publicKeyPem, breaks, { mode: options.digests, filter: chainSetFilter(chains) });
  } else if (options.after !== undefined) {
    ({ chains, more, digests } = await chainsPage(deps, breaks, { after: options.after, limit: options.limit, digests: options.digests }));
  } else {
    digests = await checkDigests(deps.store, deps.publicKeyPem, breaks, { mode: options.digests });
    const set = new Set<string>();
    for await (const chain of deps.reader.listChains()) set.add(chain);
    for (const chain of digests.anchored.keys()) set.add(chain);
    chains = [...set];
  }
  let records = 0;
  let checked = 0;
  let stoppedAt: string | undefined;
  const unanchored: UnanchoredSummary = { records: 0, chains: 0 };
  const budget = options.after !== undefined ? options.budgetMs : undefined;
  // Chains are taken in order, and every chain taken is finished: so a page cut short by the
  // budget ends at the last chain it took, and the next page starts after it.
  const taken = function* () {
    for (const chain of chains) {
      if (budget !== undefined && checked > 0 && Date.now() - started > budget) return;
      checked++;
      stoppedAt = chain;
      yield chain;
    }
  };
  // Records written before the by-project index (no projectDay): counted, breaks only after a completed backfill.
  const unindexed = new UnindexedTally(await deps.reader.indexBackfilledAt?.());
  await forEachLimit(taken(), CONCURRENCY, async (chain) => {
    const check = new AnchoredChainCheck(chain, digests.anchored.get(chain));
    for await (const stored of deps.reader.readChain(chain)) {
      check.add(stored);
      unindexed.add(chain, stored);
    }
    for (const b of check.finish()) breaks.add(b);
    records += check.records;
    addUnanchored(unanchored, check);
  });
  const tally = unindexed.finish();
  for (const b of tally.breaks) breaks.add(b);
  const out: AnchoredVerifyReport = { ...report(checked, records, breaks, digests, unanchored), ...(tally.unindexed ? { unindexed: tally.unindexed } : {}) };
  if (options.after !== undefined) {
    const next = checked < chains.length ? stoppedAt : more;
    if (next !== undefined) out.next = next;
  }
  return out;
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
