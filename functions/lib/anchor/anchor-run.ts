/**
 * One anchor run: read the heads of the chains that changed since the previous digest (or of
 * every chain, for a checkpoint), sign a digest naming them and the previous digest's hash,
 * and create it in the anchor store. Nothing else is written, so a run that fails (the signer
 * or the store is down) leaves everything as it was, and the next run covers the gap: its
 * window starts at the previous *written* digest.
 */
import type { ChainReader } from '../audit/audit-store';
import { computeHash, type ChainHead } from '../audit/hash-chain';
import type { AnchorStore } from './anchor-store';
import { DIGEST_PREFIX, digestName, encodeDigestFile, parseDigestFile, publicKeyOf, seqOfName, sha256Hex, signatureValid, signedBytes } from './digest';
import type { DigestSigner } from './digest-signer';
import { DIGEST_VERSION, type AnchorResult, type Digest, type DigestFile, type DigestHead } from './types';

/** Logger the run reports to; any subset may be given. */
export interface AnchorLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** What an anchor run needs. */
export interface AnchorRunDeps {
  reader: ChainReader;
  store: AnchorStore;
  signer: DigestSigner;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  log?: Partial<AnchorLogger>;
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
}

/** Defaults of {@link AnchorRunOptions}. */
export const ANCHOR_DEFAULTS = { checkpointEveryMs: 3_600_000, marginMs: 900_000, concurrency: 16 } as const;

/** What the digests since the newest checkpoint say, as the next run needs it. */
export interface AnchorState {
  /** The newest digest: its seq, the hash of its file and its time (when it parsed). */
  last?: { seq: number; hash: string; time?: string };
  /** Time of the newest valid checkpoint. */
  checkpointTime?: string;
  /** The newest anchored head of every chain the digests since that checkpoint name. */
  anchored: Map<string, ChainHead>;
  /** A digest in the window did not parse or verify: the next run writes a checkpoint. */
  damaged: boolean;
}

/**
 * Reads the digests from the newest back to the newest valid checkpoint (at most one
 * checkpoint interval of digests) and merges their heads.
 */
export async function loadAnchorState(store: AnchorStore, publicKeyPem: string): Promise<AnchorState> {
  const { key } = publicKeyOf(publicKeyPem);
  const names = (await store.list(DIGEST_PREFIX)).filter((n) => seqOfName(n) !== undefined);
  const state: AnchorState = { anchored: new Map(), damaged: false };
  if (names.length === 0) return state;
  const window: DigestFile[] = [];
  for (let i = names.length - 1; i >= 0; i--) {
    const bytes = await store.get(names[i]);
    if (!bytes) {
      state.damaged = true;
      continue;
    }
    const parsed = parseDigestFile(bytes);
    const valid = parsed.ok && signatureValid(parsed.file, key) && parsed.file.digest.seq === seqOfName(names[i]);
    if (i === names.length - 1) state.last = { seq: seqOfName(names[i])!, hash: sha256Hex(bytes), time: parsed.ok ? parsed.file.digest.time : undefined };
    if (!valid) {
      state.damaged = true;
      continue;
    }
    window.push(parsed.file);
    if (parsed.file.digest.kind === 'checkpoint') {
      state.checkpointTime = parsed.file.digest.time;
      break;
    }
  }
  for (const file of window.reverse()) {
    for (const h of file.digest.heads) {
      const known = state.anchored.get(h.chain);
      if (!known || h.seq >= known.seq) state.anchored.set(h.chain, { seq: h.seq, hash: h.hash });
    }
  }
  if (state.checkpointTime === undefined) state.damaged = true;
  return state;
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

/** Runs `fn` over `items` with at most `limit` in flight, keeping no more than that in memory beyond the results. */
async function forEachLimit<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const p: Promise<void> = fn(item).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
}

/**
 * Writes the next digest: a checkpoint when none exists, when the newest is older than
 * `checkpointEveryMs`, when a digest since it is damaged, or when asked; else an incremental
 * digest of the chains whose head moved past what is anchored. A digest is written even when
 * nothing changed, so a missing digest always means a run did not happen.
 * @returns what was written; `written: false` when a concurrent run created this seq first
 * @throws whatever the reader, signer or store throw: nothing has been written then
 */
// eslint-disable-next-line max-lines-per-function -- owned by the audit work in progress this session (issue 11); to split when it settles
export async function runAnchor(deps: AnchorRunDeps, options: AnchorRunOptions = {}): Promise<AnchorResult> {
  const now = (deps.now ?? (() => new Date()))();
  const checkpointEveryMs = options.checkpointEveryMs ?? ANCHOR_DEFAULTS.checkpointEveryMs;
  const marginMs = options.marginMs ?? ANCHOR_DEFAULTS.marginMs;
  const concurrency = Math.max(1, options.concurrency ?? ANCHOR_DEFAULTS.concurrency);
  const publicKeyPem = await deps.signer.publicKeyPem();
  const { fingerprint } = publicKeyOf(publicKeyPem);
  const state = await loadAnchorState(deps.store, publicKeyPem);

  const checkpoint =
    options.checkpoint === true ||
    state.damaged ||
    state.checkpointTime === undefined ||
    state.last?.time === undefined ||
    now.getTime() - Date.parse(state.checkpointTime) >= checkpointEveryMs;

  const heads: DigestHead[] = [];
  const held: HeldChain[] = [];
  let newRecords = 0;
  const consider = async (chain: string) => {
    const known = state.anchored.get(chain);
    if (!known) {
      const head = await deps.reader.head(chain);
      if (!head) return;
      heads.push({ chain, seq: head.seq, hash: head.hash });
      newRecords += head.seq + 1;
      return;
    }
    // A new head is anchored only if the chain still holds the anchored record and links from
    // it to the new head (a consistency proof, as CT asks of a log between two tree heads).
    // Otherwise a writer could rewrite a chain, wait for the next run, and have the forgery
    // anchored over the truth.
    const problem = await extendsAnchor(deps.reader, chain, known);
    if (typeof problem === 'string') {
      held.push({ chain, problem });
      if (checkpoint) heads.push({ chain, seq: known.seq, hash: known.hash });
      return;
    }
    if (!checkpoint && problem.seq === known.seq) return;
    heads.push({ chain, seq: problem.seq, hash: problem.hash });
    newRecords += problem.seq - known.seq;
  };

  let since: string | undefined;
  if (checkpoint) {
    const seen = new Set<string>();
    const all = async function* () {
      for await (const chain of deps.reader.listChains()) {
        seen.add(chain);
        yield chain;
      }
      // Anchored chains no longer listed (their seq 0 was deleted) stay in every checkpoint.
      for (const chain of state.anchored.keys()) if (!seen.has(chain)) yield chain;
    };
    await forEachLimit(all(), concurrency, consider);
  } else {
    since = new Date(Date.parse(state.last!.time!) - marginMs).toISOString();
    await forEachLimit(deps.reader.chainsTouchedSince(since), concurrency, consider);
  }
  heads.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  if (held.length)
    deps.log?.warn?.('anchor: chains that no longer extend their anchor were held at it; verify reports them', {
      chains: held.slice(0, 20),
      count: held.length,
    });

  const seq = state.last ? state.last.seq + 1 : 0;
  const digest: Digest = {
    version: DIGEST_VERSION,
    seq,
    time: now.toISOString(),
    kind: checkpoint ? 'checkpoint' : 'incremental',
    ...(since ? { since } : {}),
    previousDigestHash: state.last?.hash ?? '',
    keyFingerprint: fingerprint,
    heads,
    recordsCovered: heads.reduce((n, h) => n + h.seq + 1, 0),
    newRecords,
  };
  const signature = await deps.signer.sign(signedBytes(digest));
  const bytes = encodeDigestFile(digest, signature);
  const name = digestName(seq);
  const outcome = await deps.store.create(name, bytes);
  const result: AnchorResult = {
    written: outcome === 'created',
    name,
    seq,
    kind: digest.kind,
    time: digest.time,
    chains: heads.length,
    recordsCovered: digest.recordsCovered,
    newRecords,
    bytes: bytes.length,
    held,
  };
  if (outcome === 'exists') deps.log?.warn?.('anchor: another run wrote this digest first; nothing written', { name });
  else deps.log?.info?.('anchor: digest written', { name, kind: digest.kind, chains: heads.length, newRecords });
  return result;
}
