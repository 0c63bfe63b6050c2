/**
 * One anchor run: read the heads of the chains that changed since the previous digest and of
 * the next slice of the sweep, sign a digest naming them and the previous digest's hash, and
 * create it in the anchor store. Every run's work is bounded, whatever the number of chains:
 * the touched chains (records written since the previous digest), plus at most `sweepChains`
 * chains of the sweep, which walks every listed and anchored chain in by-chain order across
 * runs (a cursor in each digest), so a back-dated record or a chain missed by the by-day index
 * is anchored within one sweep. A checkpoint reads nothing more: it is the previous checkpoint,
 * the digests since and this run's heads merged. Nothing else is written, so a run that fails
 * (the signer or the store is down) leaves everything as it was, and the next run covers the
 * gap: its window starts at the previous *written* digest.
 */
import type { ChainReader } from '../audit/audit-store';
import { computeHash, type ChainHead } from '../audit/hash-chain';
import type { PartialLogger } from '../observability/simple-logger';
import { forEachLimit } from '../runtime/concurrency';
import type { AnchorStore } from './anchor-store';
import { digestName, encodeDigestFile, encodePart, partName, publicKeyOf, signedBytes, splitHeads } from './digest';
import type { DigestSigner } from './digest-signer';
import { DIGEST_VERSION, type AnchorResult, type Digest, type DigestHead, type DigestPartRef } from './types';
import { BreakList, checkDigests } from './verify-anchored';

/** What an anchor run needs. */
export interface AnchorRunDeps {
  reader: ChainReader;
  store: AnchorStore;
  signer: DigestSigner;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Logger the run reports to (info, warn); any subset may be given. @default silent */
  log?: PartialLogger;
}

/** Options of {@link runAnchor}. */
export interface AnchorRunOptions {
  /** Write a checkpoint (every chain's head) when the newest one is at least this old. @default 3_600_000 (1 h) */
  checkpointEveryMs?: number;
  /**
   * An incremental run looks at records from the previous digest's time minus this margin: it
   * covers records whose `ts` was taken a little before they were written and the by-day
   * index's replication lag. Older back-dated records wait for the next checkpoint. @default 900_000 (15 min)
   */
  marginMs?: number;
  /** Write a checkpoint now, whatever its age. @default false */
  checkpoint?: boolean;
  /** Head reads in flight at once. @default 16 */
  concurrency?: number;
  /**
   * Chains the sweep looks at per run at most. At the defaults a sweep of 100,000 chains takes
   * 10 runs (50 minutes at a 5-minute schedule). @default 10_000
   */
  sweepChains?: number;
  /**
   * Stop taking sweep chains once the run has lasted this long (ms of real time); the cursor
   * keeps the place. The anchor function passes its remaining time less a margin.
   */
  budgetMs?: number;
  /** Most bytes of heads inline in a digest, and per part beyond. @default MAX_PART_BYTES (1 MB) */
  maxPartBytes?: number;
}

/** Defaults of {@link AnchorRunOptions}. */
export const ANCHOR_DEFAULTS = { checkpointEveryMs: 3_600_000, marginMs: 900_000, concurrency: 16, sweepChains: 10_000 } as const;

/** What the digests since the newest checkpoint say, as the next run needs it. */
export interface AnchorState {
  /** The newest digest: its seq, the hash of its file and its time (when it parsed). */
  last?: { seq: number; hash: string; time?: string };
  /** Time of the newest valid digest (the incremental window starts there). */
  validTime?: string;
  /** Time of the newest valid checkpoint. */
  checkpointTime?: string;
  /** The newest anchored head of every chain the newest checkpoint and the digests since name. */
  anchored: Map<string, ChainHead>;
  /** Where the sweep goes on: after this chain ("" for the start). */
  sweepFrom: string;
  /** A digest in the window did not parse or verify: the next run writes a checkpoint. */
  damaged: boolean;
}

/**
 * Reads the digests from the newest valid checkpoint on (walking back at most one checkpoint
 * interval of digests; from digest 0 when there is none) and merges their heads.
 */
export async function loadAnchorState(store: AnchorStore, publicKeyPem: string): Promise<AnchorState> {
  const breaks = new BreakList();
  const checker = await checkDigests(store, publicKeyPem, breaks);
  const anchored = new Map<string, ChainHead>();
  for (const [chain, h] of checker.anchored) anchored.set(chain, { seq: h.seq, hash: h.hash });
  return {
    ...(checker.last ? { last: checker.last } : {}),
    ...(checker.newest ? { validTime: checker.newest.time } : {}),
    ...(checker.checkpointTime ? { checkpointTime: checker.checkpointTime } : {}),
    anchored,
    sweepFrom: checker.newestDigest?.sweep?.next ?? '',
    damaged: breaks.items.length > 0 || checker.checkpointTime === undefined,
  };
}

/** A chain whose anchor was not advanced, and why. */
export interface HeldChain {
  chain: string;
  problem: string;
}

/**
 * Reads a chain from its anchored seq to its head and checks that it still extends the anchor:
 * the anchored record is there with the anchored hash, every later record hashes to its stored
 * hash and links to its predecessor. Returns the head reached, or what is wrong.
 */
async function extendsAnchor(reader: ChainReader, chain: string, anchored: ChainHead): Promise<ChainHead | string> {
  let prev: ChainHead | undefined;
  for await (const { record } of reader.readChain(chain, anchored.seq)) {
    if (!prev) {
      if (record.seq !== anchored.seq) return `seq ${anchored.seq}, anchored, is missing`;
      if (record.hash !== anchored.hash) return `seq ${anchored.seq} differs from its anchored hash`;
    } else if (record.seq !== prev.seq + 1 || record.prevHash !== prev.hash) {
      return `seq ${record.seq} does not link to seq ${prev.seq}`;
    }
    if (computeHash(record) !== record.hash) return `seq ${record.seq} does not match its hash`;
    prev = { seq: record.seq, hash: record.hash };
  }
  return prev ?? `chain ends before its anchored seq ${anchored.seq}`;
}

/**
 * The sweep's slice: the listed and the anchored chains after `from`, merged in by-chain order
 * (an anchored chain whose seq 0 was deleted is no longer listed, and is still looked at), at
 * most `max` of them and while `more()` says so. `cursor.next` is left at the last chain
 * handed out when the slice stopped early (at `from` if it handed out none), and unset when it
 * reached the end: the next sweep starts over.
 */
async function* sweepSlice(
  reader: ChainReader,
  anchored: Iterable<string>,
  from: string,
  max: number,
  more: () => boolean,
  cursor: { next?: string; chains: number },
): AsyncGenerator<string> {
  const known = [...anchored].filter((c) => c > from).sort();
  let k = 0;
  const listed = reader.listChains(from || undefined)[Symbol.asyncIterator]();
  let l = await listed.next();
  for (;;) {
    const fromListed = l.done ? undefined : l.value;
    const fromKnown = k < known.length ? known[k] : undefined;
    if (fromListed === undefined && fromKnown === undefined) {
      delete cursor.next;
      return;
    }
    // The budget is checked after the first chain, so every run makes progress.
    if (cursor.chains >= max || (cursor.chains > 0 && !more())) {
      await listed.return?.();
      return;
    }
    let chain: string;
    if (fromKnown === undefined || (fromListed !== undefined && fromListed <= fromKnown)) {
      chain = fromListed!;
      if (fromKnown === chain) k++;
      l = await listed.next();
    } else {
      chain = fromKnown;
      k++;
    }
    cursor.chains++;
    cursor.next = chain;
    yield chain;
  }
}

/** Writes `heads` as parts of bounded size; returns their references and bytes. */
async function writeParts(store: AnchorStore, seq: number, runs: DigestHead[][]): Promise<{ refs: DigestPartRef[]; bytes: number }> {
  const refs: DigestPartRef[] = [];
  let bytes = 0;
  for (const [index, run] of runs.entries()) {
    const part = encodePart({ digest: seq, index, heads: run });
    // Named by its hash: an `exists` is this very content (or a racing run's identical part).
    await store.create(partName(seq, part.ref.hash), part.bytes);
    refs.push(part.ref);
    bytes += part.bytes.length;
  }
  return { refs, bytes };
}

/** What a run found: the chains whose head moved past their anchor, and those held at it. */
interface RunFindings {
  /** New heads (first head of a chain never anchored, or a head that extends the anchored one). */
  moved: Map<string, DigestHead>;
  held: HeldChain[];
  /** Records the moved heads add to what is anchored. */
  newRecords: number;
  /** Start of the incremental window (previous digest's time less the margin), when there is one. */
  since?: string;
  /** Chains the window named. */
  touched: number;
  /** The sweep's slice, and where the next run goes on. */
  sweep: { from: string; next?: string; chains: number };
}

/**
 * Looks at the chains touched since the previous digest and at the sweep's slice, each once:
 * a chain whose head moved past its anchor and still extends it is `moved`; one that no longer
 * extends it is `held`.
 * @param started the run's start (ms), for `budgetMs`
 */
async function findMovedHeads(deps: AnchorRunDeps, state: AnchorState, options: AnchorRunOptions, started: number): Promise<RunFindings> {
  const marginMs = options.marginMs ?? ANCHOR_DEFAULTS.marginMs;
  const concurrency = Math.max(1, options.concurrency ?? ANCHOR_DEFAULTS.concurrency);
  const sweepChains = Math.max(0, options.sweepChains ?? ANCHOR_DEFAULTS.sweepChains);
  const found: RunFindings = { moved: new Map(), held: [], newRecords: 0, touched: 0, sweep: { from: state.sweepFrom, chains: 0 } };
  const seen = new Set<string>();
  const consider = async (chain: string) => {
    if (seen.has(chain)) return;
    seen.add(chain);
    const known = state.anchored.get(chain);
    if (!known) {
      const head = await deps.reader.head(chain);
      if (!head) return;
      found.moved.set(chain, { chain, seq: head.seq, hash: head.hash });
      found.newRecords += head.seq + 1;
      return;
    }
    // A new head is anchored only if the chain still holds the anchored record and links from
    // it to the new head (a consistency proof, as CT asks of a log between two tree heads).
    // Otherwise a writer could rewrite a chain, wait for the next run, and have the forgery
    // anchored over the truth.
    const problem = await extendsAnchor(deps.reader, chain, known);
    if (typeof problem === 'string') {
      found.held.push({ chain, problem });
      return;
    }
    if (problem.seq === known.seq) return;
    found.moved.set(chain, { chain, seq: problem.seq, hash: problem.hash });
    found.newRecords += problem.seq - known.seq;
  };

  if (state.validTime !== undefined) {
    found.since = new Date(Date.parse(state.validTime) - marginMs).toISOString();
    await forEachLimit(deps.reader.chainsTouchedSince(found.since), concurrency, consider);
  }
  found.touched = seen.size;
  found.sweep = { from: state.sweepFrom, ...(state.sweepFrom ? { next: state.sweepFrom } : {}), chains: 0 };
  const inBudget = () => options.budgetMs === undefined || Date.now() - started < options.budgetMs;
  await forEachLimit(sweepSlice(deps.reader, state.anchored.keys(), state.sweepFrom, sweepChains, inBudget, found.sweep), concurrency, consider);
  return found;
}

/** The heads a digest lists, by chain: every anchored head updated by the moved ones (checkpoint), or the moved ones alone. */
function digestHeads(state: AnchorState, moved: Map<string, DigestHead>, checkpoint: boolean): DigestHead[] {
  let heads: DigestHead[];
  if (checkpoint) {
    const merged = new Map<string, DigestHead>();
    for (const [chain, h] of state.anchored) merged.set(chain, { chain, seq: h.seq, hash: h.hash });
    for (const [chain, h] of moved) merged.set(chain, h);
    heads = [...merged.values()];
  } else {
    heads = [...moved.values()];
  }
  return heads.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
}

/**
 * Signs and creates digest `digest.seq` (its heads inline, or in parts written first when they
 * exceed `maxPartBytes`, so no file is too big for the API to hand out).
 */
async function writeDigest(
  deps: AnchorRunDeps,
  fields: Omit<Digest, 'heads' | 'parts'>,
  heads: DigestHead[],
  maxPartBytes: number | undefined,
): Promise<{ outcome: 'created' | 'exists'; name: string; bytes: number; parts: number }> {
  const runs = splitHeads(heads, maxPartBytes);
  const inline = runs.length <= 1;
  const parts = inline ? { refs: [], bytes: 0 } : await writeParts(deps.store, fields.seq, runs);
  const { recordsCovered, newRecords, sweep, ...header } = fields;
  const digest: Digest = { ...header, heads: inline ? heads : [], ...(inline ? {} : { parts: parts.refs }), recordsCovered, newRecords, sweep };
  const signature = await deps.signer.sign(signedBytes(digest));
  const bytes = encodeDigestFile(digest, signature);
  const name = digestName(fields.seq);
  const outcome = await deps.store.create(name, bytes);
  return { outcome, name, bytes: bytes.length + parts.bytes, parts: parts.refs.length };
}

/**
 * Writes the next digest: a checkpoint when none exists, when the newest is older than
 * `checkpointEveryMs`, when a digest since it is damaged, or when asked; else an incremental
 * digest of the chains whose head moved past what is anchored. Either way the run looks only
 * at the touched chains and the sweep's slice. A digest is written even when nothing changed,
 * so a missing digest always means a run did not happen.
 * @returns what was written; `written: false` when a concurrent run created this seq first
 * @throws whatever the reader, signer or store throw: no digest has been written then
 */
export async function runAnchor(deps: AnchorRunDeps, options: AnchorRunOptions = {}): Promise<AnchorResult> {
  const started = Date.now();
  const now = (deps.now ?? (() => new Date()))();
  const checkpointEveryMs = options.checkpointEveryMs ?? ANCHOR_DEFAULTS.checkpointEveryMs;
  const publicKeyPem = await deps.signer.publicKeyPem();
  const { fingerprint } = publicKeyOf(publicKeyPem);
  const state = await loadAnchorState(deps.store, publicKeyPem);

  const checkpoint =
    options.checkpoint === true ||
    state.damaged ||
    state.checkpointTime === undefined ||
    state.last?.time === undefined ||
    now.getTime() - Date.parse(state.checkpointTime) >= checkpointEveryMs;

  const { moved, held, newRecords, since, touched, sweep } = await findMovedHeads(deps, state, options, started);
  if (held.length)
    deps.log?.warn?.('anchor: chains that no longer extend their anchor were held at it; verify reports them', {
      chains: held.slice(0, 20),
      count: held.length,
    });

  const heads = digestHeads(state, moved, checkpoint);
  const seq = state.last ? state.last.seq + 1 : 0;
  const recordsCovered = heads.reduce((n, h) => n + h.seq + 1, 0);
  const kind = checkpoint ? 'checkpoint' : 'incremental';
  const time = now.toISOString();
  const written = await writeDigest(
    deps,
    {
      version: DIGEST_VERSION,
      seq,
      time,
      kind,
      ...(since ? { since } : {}),
      previousDigestHash: state.last?.hash ?? '',
      keyFingerprint: fingerprint,
      recordsCovered,
      newRecords,
      sweep,
    },
    heads,
    options.maxPartBytes,
  );
  const { name, outcome } = written;
  const result: AnchorResult = {
    written: outcome === 'created',
    name,
    seq,
    kind,
    time,
    chains: heads.length,
    recordsCovered,
    newRecords,
    bytes: written.bytes,
    parts: written.parts,
    sweep,
    touched,
    held,
  };
  if (outcome === 'exists') deps.log?.warn?.('anchor: another run wrote this digest first; nothing written', { name });
  else deps.log?.info?.('anchor: digest written', { name, kind, chains: heads.length, newRecords, sweep });
  return result;
}
