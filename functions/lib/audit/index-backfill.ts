/**
 * The upgrade path of the `by-project` index (issue 13). Records written before it existed
 * carry a `project` but no `projectDay`, so project-scoped reads (which use that index) miss
 * them. They are not tampered with: `projectDay` is an index attribute, outside the hash.
 *
 * - `verify` reports such records as `unindexed` (a count, not a break) until an index backfill
 *   has completed: {@link UnindexedTally}.
 * - The backfill ({@link backfillIndex}) walks every chain and gives each such record its
 *   `projectDay`, by a conditional `PutItem` of the record exactly as read (only when it still
 *   hashes to its stored `hash`, and only if the item still has that hash and no `projectDay`),
 *   so no hashed attribute changes and a re-run or a concurrent run writes nothing twice. It
 *   works in slices (a time or record budget) and hands back a signed resume token, so a
 *   Lambda behind API Gateway's 29 s limit can do a million records over several calls.
 * - A completed pass is audited once, as one `audit.index-backfilled` record (by the caller,
 *   `POST /api/audit/backfill-index`). From then on every record with a project must carry
 *   `projectDay` (every writer has set it since the index exists): `verify` reports a missing
 *   one as an `index-mismatch` break, since removing it hides the record from scoped readers.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChainReader, StoredRecord } from './audit-store';
import { decodeCursor, encodeCursor } from './cursor';
import { InvalidCursorError } from './errors';
import { computeHash } from './hash-chain';
import { indexAttributes } from './records';
import type { ChainBreak, UnindexedSummary } from './types';

/** Kind of the one record a completed index backfill writes. */
export const INDEX_BACKFILLED_KIND = 'audit.index-backfilled';

/**
 * `deliveryId` of that record: the by-delivery index then finds every completed backfill with
 * one Query, so a verification of some chains (a page, `--chain`) knows about it even when the
 * record sits in a chain it does not walk. Webhook deliveries with this id are not backfill
 * records (their kind differs); a forged backfill record can only make verify stricter.
 */
export const INDEX_BACKFILL_DELIVERY = 'gitops-sentinel:audit.index-backfilled';

/** Breaks listed at most for missing index attributes after a backfill (the rest are counted). */
const MAX_LISTED = 1000;

/**
 * Collects, while `verify` walks the chains, the records without `projectDay` and whether an
 * index backfill has completed (an `audit.index-backfilled` record with outcome `success`).
 * Memory: a count, plus at most {@link MAX_LISTED} positions.
 */
export class UnindexedTally {
  private records = 0;
  private readonly chains = new Set<string>();
  private oldest?: string;
  private newest?: string;
  private readonly positions: Array<{ chain: string; seq: number; id: string }> = [];
  private backfilledAt?: string;

  /** @param backfilledAt when the newest completed backfill was audited (`ChainReader.indexBackfilledAt`), if known */
  constructor(backfilledAt?: string) {
    this.backfilledAt = backfilledAt;
  }

  /** Takes the next record of `chain` as its reader handed it out. */
  add(chain: string, { record, unindexed }: StoredRecord): void {
    if (record.kind === INDEX_BACKFILLED_KIND && record.outcome === 'success' && (!this.backfilledAt || record.ts > this.backfilledAt)) {
      this.backfilledAt = record.ts;
    }
    if (!unindexed) return;
    this.records++;
    this.chains.add(chain);
    if (!this.oldest || record.ts < this.oldest) this.oldest = record.ts;
    if (!this.newest || record.ts > this.newest) this.newest = record.ts;
    if (this.positions.length < MAX_LISTED) this.positions.push({ chain, seq: record.seq, id: record.id });
  }

  /**
   * Before a completed backfill: a summary, no breaks. After one: an `index-mismatch` break per
   * record still without `projectDay` (listed up to a cap; the summary counts them all).
   */
  finish(): { unindexed?: UnindexedSummary; breaks: ChainBreak[] } {
    if (this.records === 0) return { breaks: [] };
    const summary: UnindexedSummary = {
      records: this.records,
      chains: this.chains.size,
      ...(this.oldest ? { oldest: this.oldest } : {}),
      ...(this.newest ? { newest: this.newest } : {}),
      hint: this.backfilledAt
        ? `the index backfill of ${this.backfilledAt} gave every record its projectDay: these lost it since (hidden from project-scoped reads)`
        : 'written before the by-project index existed (not tampered: projectDay is not hashed); project-scoped reads miss them until `sentinel audit ' +
          'backfill-index` runs',
    };
    if (!this.backfilledAt) return { unindexed: summary, breaks: [] };
    const breaks = this.positions.map((p) => ({
      chain: p.chain,
      seq: p.seq,
      reason: 'index-mismatch' as const,
      message:
        `seq ${p.seq} (id ${p.id}): index attribute projectDay is missing, though the index backfill of ${this.backfilledAt} wrote it: removed ` +
        `since, the record is hidden from project-scoped reads`,
    }));
    return { unindexed: summary, breaks };
  }
}

/** Counts of an index backfill. */
export interface IndexBackfillCounts {
  /** Chains walked to their end. */
  chains: number;
  /** Records read. */
  records: number;
  /** Records given their `projectDay`. */
  indexed: number;
  /**
   * Records without `projectDay` left as they are: they do not hash to their stored hash, or
   * their other index attributes disagree (tampered: `verify` reports them), or another writer
   * changed the item between the read and the conditional write.
   */
  skipped: number;
}

/** Result of one slice of an index backfill. */
export interface IndexBackfillResult {
  /** Every chain has been walked to its end. */
  done: boolean;
  /** Pass this to continue where this slice stopped (absent when done). */
  resume?: string;
  /** Counts of this slice. */
  slice: IndexBackfillCounts;
  /** Counts of the whole pass so far (carried in the signed resume token). */
  total: IndexBackfillCounts;
}

/** Options of {@link backfillIndex}. */
export interface IndexBackfillOptions {
  /** A `resume` token from an earlier slice of the same pass. */
  resume?: string;
  /** Stop starting new records at this time (ms since the epoch, compared with `now()`). */
  deadline?: number;
  /** Stop after reading this many records (tests; bounding one slice). */
  maxRecords?: number;
  /** @default () => Date.now() */
  now?: () => number;
}

/** What {@link backfillIndex} reads and writes with. */
export interface IndexBackfillIO {
  reader: ChainReader;
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** HMAC key of the resume token (the store's cursor key). */
  tokenKey: Uint8Array;
}

const TOKEN_BINDING = 'index-backfill/v1';
const COUNT_KEYS = ['chains', 'records', 'indexed', 'skipped'] as const;

function zero(): IndexBackfillCounts {
  return { chains: 0, records: 0, indexed: 0, skipped: 0 };
}

function readToken(token: string, key: Uint8Array): { chain: string; seq: number; total: IndexBackfillCounts } {
  const state = decodeCursor(token, TOKEN_BINDING, key);
  const k = state.lastKey ?? {};
  const total = zero();
  for (const name of COUNT_KEYS) {
    if (typeof k[name] !== 'number' || !Number.isSafeInteger(k[name]) || k[name] < 0) throw new InvalidCursorError('invalid index backfill resume token');
    total[name] = k[name];
  }
  if (state.path !== 'index-backfill' || typeof k.chain !== 'string' || typeof k.seq !== 'number' || !Number.isSafeInteger(k.seq) || k.seq < 0) {
    throw new InvalidCursorError('invalid index backfill resume token');
  }
  return { chain: k.chain, seq: k.seq, total };
}

/**
 * Gives every record that has a `project` but no `projectDay` its `projectDay`, chain by chain
 * (in the by-chain index's order), until done or the slice's budget is spent.
 * @throws InvalidCursorError when `resume` was not issued by this store's backfill
 */
export async function backfillIndex(io: IndexBackfillIO, options: IndexBackfillOptions = {}): Promise<IndexBackfillResult> {
  const now = options.now ?? Date.now;
  const start = options.resume ? readToken(options.resume, io.tokenKey) : undefined;
  const slice = zero();
  const total = start?.total ?? zero();
  const add = (name: keyof IndexBackfillCounts) => {
    slice[name]++;
    total[name]++;
  };
  const spent = () =>
    (options.deadline !== undefined && now() >= options.deadline) || (options.maxRecords !== undefined && slice.records >= options.maxRecords);
  for await (const chain of io.reader.listChains()) {
    if (start && chain < start.chain) continue;
    const fromSeq = start && chain === start.chain ? start.seq : 0;
    for await (const stored of io.reader.readChain(chain, fromSeq)) {
      if (spent()) {
        const resume = encodeCursor({ path: 'index-backfill', lastKey: { chain, seq: stored.record.seq, ...total } }, TOKEN_BINDING, io.tokenKey);
        return { done: false, resume, slice, total };
      }
      add('records');
      if (!stored.unindexed) continue;
      if (stored.indexMismatch || computeHash(stored.record) !== stored.record.hash) {
        add('skipped');
        continue;
      }
      add((await putIndexed(io, stored)) ? 'indexed' : 'skipped');
    }
    add('chains');
  }
  return { done: true, slice, total };
}

/** The conditional write: the record as read plus its index attributes, only over the same record still without `projectDay`. */
async function putIndexed(io: IndexBackfillIO, { record }: StoredRecord): Promise<boolean> {
  const item = Object.fromEntries(Object.entries({ ...record, ...indexAttributes(record) }).filter(([, v]) => v !== undefined));
  try {
    await io.doc.send(
      new PutCommand({
        TableName: io.tableName,
        Item: item,
        // Same chain position, same hash, still unindexed: nothing hashed changes, and a
        // concurrent or repeated backfill (or a writer who changed the item since) wins.
        ConditionExpression: 'attribute_exists(chain) AND #h = :h AND attribute_not_exists(projectDay)',
        ExpressionAttributeNames: { '#h': 'hash' },
        ExpressionAttributeValues: { ':h': record.hash },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
