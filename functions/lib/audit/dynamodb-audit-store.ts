/**
 * The DynamoDB adapter of the audit trail. Table layout: `functions/lib/config/tables.ts`
 * (AUDIT_TABLE) and docs/audit-table.md.
 *
 * Writes are conditional `PutItem`s only (never Update/Delete/TransactWrite): a record is
 * written at `(chain, seq = head.seq + 1)` under `attribute_not_exists(chain)`, so two
 * writers can never both take the same position and a chain cannot fork. The loser
 * re-reads the head and tries the next position.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { AUDIT_INDEX } from '../config/tables';
import type { AuditStore, ChainReader, StoredRecord } from './audit-store';
import { decodeCursor, encodeCursor, type CursorState } from './cursor';
import { AuditConflictError, InvalidCursorError } from './errors';
import { ChainVerifier, sealRecord, type ChainHead } from './hash-chain';
import {
  backfillIndex,
  INDEX_BACKFILL_DELIVERY,
  INDEX_BACKFILLED_KIND,
  UnindexedTally,
  type IndexBackfillOptions,
  type IndexBackfillResult,
} from './index-backfill';
import { planQuery, withinPlan, DEFAULT_QUERY_DAYS, type AccessPath, type QueryPlan } from './query-plan';
import {
  CHAIN_INDEX_VALUE,
  INDEX_ATTRIBUTE_NAMES,
  RECORD_DEFAULTS,
  chainFor,
  indexAttributes,
  indexMismatch,
  isUnindexed,
  normalizeTs,
  prepareRecord,
  projectDayKey,
  utcDay,
  type PreparedRecord,
  type RecordSettings,
} from './records';
import type { AuditInput, AuditPage, AuditQuery, AuditRecord, ChainBreak, VerifyReport } from './types';
import { completeLogger, type PartialLogger, type SimpleLogger } from '../observability/simple-logger';
import { stripUndefined } from '../runtime/objects';

/** Options every `DynamoDBAuditStore` takes, whichever way it gets its client. */
export interface DynamoDBAuditStoreBaseOptions {
  /** Physical name of the audit table (`tableNames(prefix).audit`). */
  tableName: string;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
  /** System chains per UTC day; records without an app spread over them. @default 16 */
  shards?: number;
  /** Partial logger (e.g. the Powertools logger); debug/info default to no-ops, warn/error to console. */
  logger?: PartialLogger;
  /**
   * Conditional writes tried per append before `AuditConflictError`. One chain takes one
   * append per round trip, so this bounds how many writers may queue on one chain head.
   * @default 64
   */
  maxAttempts?: number;
  /** Chain heads remembered in process, to skip the head read on the next append. @default 1000 */
  headCacheSize?: number;
  /**
   * HMAC key for query cursors. Set it from a secret to make cursors unforgeable; the
   * default (derived from the table name) still refuses edited cursors and cursors of
   * another table. @default SHA-256 of a fixed label and `tableName`
   */
  cursorKey?: string | Uint8Array;
  /** Instance of app records and app queries that name none. @default "default" */
  defaultInstance?: string;
  /** Namespace of app records and app queries that name none. @default "argocd" */
  defaultNamespace?: string;
  /** Days a time-range query looks back when it has no `from`. @default 7 */
  defaultQueryDays?: number;
}

/**
 * Options of `DynamoDBAuditStore`: either a ready `client` (the local stack passes one
 * aimed at the embedded DynamoDB) or a `clientConfig` to build one from, never both.
 */
export type DynamoDBAuditStoreOptions = DynamoDBAuditStoreBaseOptions &
  ({ client: DynamoDBDocumentClient; clientConfig?: never } | { clientConfig: DynamoDBClientConfig; client?: never });

/** GSI and key attribute of each query path. */
const PATHS: Record<AccessPath, { index: string; keyAttr: string }> = {
  delivery: { index: AUDIT_INDEX.byDelivery, keyAttr: 'deliveryId' },
  revision: { index: AUDIT_INDEX.byRevision, keyAttr: 'revision' },
  app: { index: AUDIT_INDEX.byApp, keyAttr: 'appKey' },
  day: { index: AUDIT_INDEX.byDay, keyAttr: 'day' },
  project: { index: AUDIT_INDEX.byProject, keyAttr: 'projectDay' },
};

/** DynamoDB allows at most 100 operands in one IN; longer lists are checked in code only. */
const MAX_IN_OPERANDS = 100;

/**
 * Adds a plan's equality and membership filters to an expression's names and values.
 * @returns the FilterExpression parts
 */
function filterExpression(plan: QueryPlan, names: Record<string, string>, values: Record<string, unknown>): string[] {
  const parts: string[] = [];
  Object.entries(plan.filters).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
    parts.push(`#f${i} = :f${i}`);
  });
  for (const [field, list] of Object.entries(plan.within) as Array<[string, string[] | undefined]>) {
    if (!list || list.length > MAX_IN_OPERANDS) continue;
    names[`#w_${field}`] = field;
    if (list.length === 0) {
      // Nothing is within an empty list; attribute_not_exists + exists is never true.
      parts.push(`(attribute_exists(#w_${field}) AND attribute_not_exists(#w_${field}))`);
      continue;
    }
    const operands = list.map((v, i) => {
      values[`:w_${field}${i}`] = v;
      return `:w_${field}${i}`;
    });
    parts.push(`#w_${field} IN (${operands.join(', ')})`);
  }
  return parts;
}

/** Query requests at most per page, so a selective filter over a long range cannot run away; the page then ends early with a cursor. */
const MAX_QUERIES_PER_PAGE = 50;
/** Backoff between conflicting appends: full jitter over min(cap, base * 2^attempt) ms. */
const BACKOFF_BASE_MS = 1;
const BACKOFF_CAP_MS = 50;
/** Chains walked at once by `verify`. */
const VERIFY_CONCURRENCY = 4;

type Item = Record<string, unknown>;

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** The record part of a stored item (index attributes removed). */
function toRecord(item: Item): AuditRecord {
  const record = { ...item };
  for (const name of INDEX_ATTRIBUTE_NAMES) delete record[name];
  return record as unknown as AuditRecord;
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Audit trail in one DynamoDB table, hash-chained per app and per sharded system chain.
 * @example
 * const store: AuditStore = new DynamoDBAuditStore({ tableName: tableNames(config.storage.tablePrefix).audit, clientConfig: {} });
 * await store.append({ kind: 'app.synced', outcome: 'success', actor: 'scheduler', message: 'synced', instance: 'prod', app: 'guestbook' });
 */
export class DynamoDBAuditStore implements AuditStore, ChainReader {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #now: () => Date;
  readonly #settings: RecordSettings;
  readonly #maxAttempts: number;
  readonly #headCacheSize: number;
  readonly #cursorKey: Uint8Array;
  readonly #defaultQueryDays: number;
  readonly #log: SimpleLogger;
  /** Last head this process wrote or read per chain, oldest first (LRU by re-insertion). */
  readonly #heads = new Map<string, ChainHead>();
  /** Tail of the in-process append queue per chain. */
  readonly #tails = new Map<string, Promise<unknown>>();

  constructor(options: DynamoDBAuditStoreOptions) {
    if (!options?.tableName) throw new TypeError('[gitops-sentinel/audit] tableName is required');
    if (options.client && options.clientConfig) throw new TypeError('[gitops-sentinel/audit] pass either client or clientConfig, not both');
    this.#doc =
      options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient(options.clientConfig ?? {}), { marshallOptions: { removeUndefinedValues: true } });
    this.#tableName = options.tableName;
    this.#now = options.now ?? (() => new Date());
    this.#settings = {
      shards: Math.max(1, Math.floor(options.shards ?? RECORD_DEFAULTS.shards)),
      defaultInstance: options.defaultInstance ?? RECORD_DEFAULTS.defaultInstance,
      defaultNamespace: options.defaultNamespace ?? RECORD_DEFAULTS.defaultNamespace,
    };
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 64);
    this.#headCacheSize = Math.max(0, options.headCacheSize ?? 1000);
    this.#defaultQueryDays = options.defaultQueryDays ?? DEFAULT_QUERY_DAYS;
    this.#cursorKey =
      typeof options.cursorKey === 'string'
        ? Buffer.from(options.cursorKey, 'utf8')
        : (options.cursorKey ?? createHash('sha256').update(`gitops-sentinel/audit/cursor\0${options.tableName}`).digest());
    this.#log = completeLogger(options.logger);
  }

  /**
   * Appends one record to its chain and returns it as stored. Appends to the same chain
   * from this process run one after another (no self-contention); appends from other
   * processes are resolved by the conditional write.
   * @throws TypeError when the input is unusable
   * @throws AuditConflictError when the chain head kept moving for `maxAttempts` writes
   */
  append(input: AuditInput): Promise<AuditRecord> {
    let prepared: PreparedRecord;
    try {
      prepared = prepareRecord(input, this.#now(), this.#settings);
    } catch (error) {
      return Promise.reject(error);
    }
    const chain = chainFor(prepared, this.#settings.shards);
    return this.#serialize(chain, () => this.#appendToChain(chain, prepared));
  }

  /** Runs `fn` after every earlier append to `chain` from this process has settled. */
  #serialize<T>(chain: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(chain) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(chain, tail);
    void tail.then(() => {
      if (this.#tails.get(chain) === tail) this.#tails.delete(chain);
    });
    return run;
  }

  async #appendToChain(chain: string, prepared: PreparedRecord): Promise<AuditRecord> {
    let head = this.#heads.get(chain) ?? (await this.#readHead(chain));
    for (let attempt = 1; ; attempt++) {
      const record = sealRecord({ ...prepared, chain, seq: head ? head.seq + 1 : 0, prevHash: head ? head.hash : '' });
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: stripUndefined({ ...record, ...indexAttributes(record) }),
            // The position (chain, seq) is taken at most once: this is what keeps the chain from forking.
            ConditionExpression: 'attribute_not_exists(chain)',
          }),
        );
        this.#remember(chain, record);
        return record;
      } catch (error) {
        this.#heads.delete(chain);
        if (!isConditionalCheckFailed(error)) throw error;
        if (attempt >= this.#maxAttempts) {
          this.#log.warn('audit append gave up after conflicting writes', { chain, attempts: attempt });
          throw new AuditConflictError(chain, attempt, { cause: error });
        }
        // Exponential backoff with full jitter, before the re-read so the head we link to is fresh
        // when we write; writers that lost together then spread out instead of colliding again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt)));
        // Someone else holds this seq, or our own earlier try does: the SDK retries a put whose
        // response was lost, and that retry then fails its condition against our own record.
        const newer = await this.#readFrom(chain, record.seq);
        const mine = newer.items.find((item) => item.id === record.id);
        if (mine) {
          const stored = toRecord(mine);
          this.#remember(chain, newer.head ?? stored);
          return stored;
        }
        head = newer.head ?? (await this.#readHead(chain));
        this.#log.debug('audit chain head moved, retrying', { chain, attempt, seq: head?.seq });
      }
    }
  }

  #remember(chain: string, head: ChainHead): void {
    if (this.#headCacheSize === 0) return;
    this.#heads.delete(chain);
    this.#heads.set(chain, { seq: head.seq, hash: head.hash });
    if (this.#heads.size > this.#headCacheSize) {
      const oldest = this.#heads.keys().next().value;
      if (oldest !== undefined) this.#heads.delete(oldest);
    }
  }

  /** The newest record of a chain (strongly consistent), or undefined for a new chain. */
  async #readHead(chain: string): Promise<ChainHead | undefined> {
    const res = await this.#doc.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'chain = :c',
        ExpressionAttributeValues: { ':c': chain },
        ExpressionAttributeNames: { '#s': 'seq', '#h': 'hash' },
        ProjectionExpression: '#s, #h',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = res.Items?.[0];
    return item ? { seq: item.seq as number, hash: item.hash as string } : undefined;
  }

  /**
   * Records of a chain from `seq` on (strongly consistent, ascending): tells whether one of
   * them is ours and where the head is now. Bounded: past a few pages the head comes from a head read.
   */
  async #readFrom(chain: string, seq: number): Promise<{ items: Item[]; head?: ChainHead }> {
    const items: Item[] = [];
    let pages = 0;
    const input: QueryCommandInput = {
      TableName: this.#tableName,
      KeyConditionExpression: 'chain = :c AND #s >= :s',
      ExpressionAttributeValues: { ':c': chain, ':s': seq },
      ExpressionAttributeNames: { '#s': 'seq' },
      ConsistentRead: true,
      Limit: 100,
    };
    for await (const res of paginateQuery({ client: this.#doc }, input)) {
      items.push(...(res.Items ?? []));
      if (!res.LastEvaluatedKey) {
        const last = items[items.length - 1];
        return { items, head: last ? { seq: last.seq as number, hash: last.hash as string } : undefined };
      }
      if (++pages === 4) break;
    }
    return { items };
  }

  /**
   * One page of records, newest first, through one GSI (see `planQuery` for how the path is
   * chosen). Pages may hold fewer than `limit` records and still carry a cursor.
   * @throws InvalidCursorError when `cursor` was not issued by this store for this query
   * @throws TypeError on a bad limit or timestamp
   */
  async query(query: AuditQuery): Promise<AuditPage> {
    const plan = planQuery(query, this.#now(), this.#settings, this.#defaultQueryDays);
    // An empty range; DynamoDB would refuse a BETWEEN whose bounds are reversed.
    if (plan.from && plan.to && plan.from > plan.to) return { items: [] };
    if (plan.path === 'project') return this.#queryProjects(plan, query.cursor);
    const fromDay = plan.from ? utcDay(plan.from) : undefined;
    let state: CursorState = { path: plan.path, day: plan.path === 'day' ? utcDay(plan.to!) : undefined };
    if (query?.cursor) {
      state = decodeCursor(query.cursor, plan.fingerprint, this.#cursorKey);
      if (state.path !== plan.path) throw new InvalidCursorError('audit cursor was issued for a different query');
      if (plan.path === 'day' && (!state.day || !/^\d{4}-\d{2}-\d{2}$/.test(state.day) || state.day < fromDay! || state.day > utcDay(plan.to!))) {
        throw new InvalidCursorError();
      }
    }
    const { index, keyAttr } = PATHS[plan.path];
    const names: Record<string, string> = { '#pk': keyAttr };
    if (plan.from || plan.to) names['#sk'] = 'tsId';
    const values: Record<string, unknown> = {};
    let keyCondition = '#pk = :pk';
    if (plan.from && plan.to) {
      keyCondition += ' AND #sk BETWEEN :lo AND :hi';
    } else if (plan.from) {
      keyCondition += ' AND #sk >= :lo';
    } else if (plan.to) {
      keyCondition += ' AND #sk <= :hi';
    }
    if (plan.from) values[':lo'] = plan.from;
    // tsId is `<ts>#<id>`; '#~' sorts after every id, so records at exactly `to` are included.
    if (plan.to) values[':hi'] = `${plan.to}#~`;
    const filterParts = filterExpression(plan, names, values);
    const filtered = filterParts.length > 0;

    const items: Item[] = [];
    let exhausted = false;
    // Driven by hand, not through paginateQuery: each request asks for what the page still lacks
    // (the paginator keeps one Limit), and a page may end, and its cursor resume, inside DynamoDB's page.
    for (let queries = 0; items.length < plan.limit && queries < MAX_QUERIES_PER_PAGE; queries++) {
      const remaining = plan.limit - items.length;
      const input: QueryCommandInput = {
        TableName: this.#tableName,
        IndexName: index,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':pk': plan.path === 'day' ? state.day : plan.key },
        ScanIndexForward: false,
        // One more than needed tells whether more follow; with a filter, read ahead more per request.
        Limit: filtered ? Math.min(1000, Math.max(100, remaining * 4)) : remaining + 1,
        ExclusiveStartKey: state.lastKey,
      };
      if (filtered) input.FilterExpression = filterParts.join(' AND ');
      const res = await this.#doc.send(new QueryCommand(input));
      const got = res.Items ?? [];
      const take = got.slice(0, remaining);
      items.push(...take);
      if (take.length < got.length) {
        // Stopped inside DynamoDB's page: continue right after the last record handed out.
        const last = take[take.length - 1];
        state = { ...state, lastKey: { chain: last.chain as string, seq: last.seq as number, [keyAttr]: last[keyAttr] as string, tsId: last.tsId as string } };
        break;
      }
      state = { ...state, lastKey: res.LastEvaluatedKey as CursorState['lastKey'] };
      if (!state.lastKey) {
        if (plan.path === 'day' && dayBefore(state.day!) >= fromDay!) {
          state = { path: 'day', day: dayBefore(state.day!) };
          continue;
        }
        exhausted = true;
        break;
      }
    }
    // The filter expression already applied the scope; checked again in code because lists
    // longer than DynamoDB's IN limit are filtered here only.
    const page: AuditPage = { items: items.map(toRecord).filter((r) => withinPlan(r, plan)) };
    if (!exhausted) page.cursor = encodeCursor(state, plan.fingerprint, this.#cursorKey);
    return page;
  }

  /**
   * The `project` path: a caller scoped to some projects reads a time range through the
   * by-project index, one partition per project and UTC day, merged newest first. The cursor
   * holds the day and the `tsId` of the last record handed out; the next page reads every
   * partition of that day strictly before it. A partition read only in part bounds what may be
   * handed out, so the merge never skips a record of a partition it has not read that far.
   */
  async #queryProjects(plan: QueryPlan, cursor: string | undefined): Promise<AuditPage> {
    const fromDay = utcDay(plan.from!);
    const toDay = utcDay(plan.to!);
    let day = toDay;
    let before: string | undefined;
    if (cursor) {
      const state = decodeCursor(cursor, plan.fingerprint, this.#cursorKey);
      const tsId = state.lastKey?.tsId;
      if (state.path !== 'project' || !state.day || !/^\d{4}-\d{2}-\d{2}$/.test(state.day) || state.day < fromDay || state.day > toDay)
        throw new InvalidCursorError();
      if (tsId !== undefined && typeof tsId !== 'string') throw new InvalidCursorError();
      day = state.day;
      before = tsId;
    }
    const names: Record<string, string> = { '#pk': 'projectDay', '#sk': 'tsId' };
    const values: Record<string, unknown> = { ':lo': plan.from };
    const filterParts = filterExpression(plan, names, values);
    const filtered = filterParts.length > 0;
    const projects = plan.projects ?? [];
    const items: Item[] = [];
    let rounds = 0;
    let more = true;
    // Each round reads every project's partition at once; bounded like the other paths.
    while (items.length < plan.limit && rounds++ < MAX_QUERIES_PER_PAGE) {
      const remaining = plan.limit - items.length;
      const hi = before ?? `${plan.to}#~`;
      const reads = await Promise.all(
        projects.map(async (project) => {
          const res = await this.#doc.send(
            new QueryCommand({
              TableName: this.#tableName,
              IndexName: AUDIT_INDEX.byProject,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ...values, ':pk': projectDayKey(project, day), ':hi': hi },
              ScanIndexForward: false,
              // One more than needed tells whether more follow (+1 for the record at `before` itself).
              Limit: filtered ? Math.min(1000, Math.max(100, remaining * 4)) : remaining + 2,
              ...(filtered ? { FilterExpression: filterParts.join(' AND ') } : {}),
            }),
          );
          const last = res.LastEvaluatedKey?.tsId as string | undefined;
          return { items: (res.Items ?? []).filter((i) => i.tsId !== before), lastRead: last };
        }),
      );
      // Records older than the oldest record read from an unfinished partition may not be handed
      // out yet: that partition may hold newer ones not read.
      const unfinished = reads.filter((r) => r.lastRead !== undefined).map((r) => r.lastRead!);
      const boundary = unfinished.length ? unfinished.reduce((a, b) => (a > b ? a : b)) : undefined;
      const merged = reads
        .flatMap((r) => r.items)
        .filter((i) => boundary === undefined || (i.tsId as string) >= boundary)
        .sort((a, b) => ((a.tsId as string) < (b.tsId as string) ? 1 : -1));
      const take = merged.slice(0, remaining);
      items.push(...take);
      if (boundary === undefined && merged.length <= remaining) {
        // This day is exhausted for every project: on to the day before, if still in range.
        if (day <= fromDay) {
          more = false;
          break;
        }
        day = dayBefore(day);
        before = undefined;
        continue;
      }
      if (take.length === remaining) {
        before = take[take.length - 1].tsId as string;
        break;
      }
      // Everything at or after the boundary is handed out; read on strictly before it.
      before = boundary;
    }
    const page: AuditPage = { items: items.map(toRecord).filter((r) => withinPlan(r, plan)) };
    if (more) page.cursor = encodeCursor({ path: 'project', day, ...(before ? { lastKey: { tsId: before } } : {}) }, plan.fingerprint, this.#cursorKey);
    return page;
  }

  /**
   * Walks every chain (listed through the by-chain GSI, or the ones given) in seq order and
   * reports altered, inserted and deleted records. Strongly consistent reads; never a Scan.
   * A chain whose seq 0 was deleted is no longer listed: name it in `chains` to check it, or
   * verify against signed digests (`functions/lib/anchor`), which remember every anchored chain.
   */
  async verify(options: { chains?: string[] } = {}): Promise<VerifyReport> {
    const chains = options.chains ?? (await collect(this.listChains()));
    const breaks: ChainBreak[] = [];
    const unindexed = new UnindexedTally(await this.indexBackfilledAt());
    let records = 0;
    let next = 0;
    const worker = async () => {
      while (next < chains.length) {
        const chain = chains[next++];
        const verifier = new ChainVerifier(chain);
        for await (const stored of this.readChain(chain)) {
          verifier.add(stored.record);
          if (stored.indexMismatch) verifier.report(stored.record.seq, 'index-mismatch', stored.indexMismatch);
          unindexed.add(chain, stored);
        }
        records += verifier.records;
        breaks.push(...verifier.finish());
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, chains.length) }, worker));
    const tally = unindexed.finish();
    breaks.push(...tally.breaks);
    breaks.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq));
    this.#log.debug('audit verify done', { chains: chains.length, records, breaks: breaks.length });
    return { chains: chains.length, records, ok: breaks.length === 0, breaks, ...(tally.unindexed ? { unindexed: tally.unindexed } : {}) };
  }

  /**
   * One slice of the by-project index backfill: gives records written before the index their
   * `projectDay` (conditional puts of the records as read; see `index-backfill.ts`).
   * @throws InvalidCursorError on a resume token this store did not issue
   */
  backfillIndex(options: Omit<IndexBackfillOptions, 'now'> = {}): Promise<IndexBackfillResult> {
    return backfillIndex(
      { reader: this, doc: this.#doc, tableName: this.#tableName, tokenKey: this.#cursorKey },
      { ...options, now: () => this.#now().getTime() },
    );
  }

  /** When the newest completed index backfill was audited: one Query on the by-delivery index. */
  async indexBackfilledAt(): Promise<string | undefined> {
    let lastKey: Record<string, unknown> | undefined;
    do {
      const res = await this.#doc.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: AUDIT_INDEX.byDelivery,
          KeyConditionExpression: 'deliveryId = :d',
          FilterExpression: '#k = :k AND outcome = :o',
          ExpressionAttributeNames: { '#k': 'kind' },
          ExpressionAttributeValues: { ':d': INDEX_BACKFILL_DELIVERY, ':k': INDEX_BACKFILLED_KIND, ':o': 'success' },
          ProjectionExpression: 'ts',
          ScanIndexForward: false,
          ExclusiveStartKey: lastKey,
        }),
      );
      const newest = res.Items?.[0];
      if (newest) return newest.ts as string;
      lastKey = res.LastEvaluatedKey;
    } while (lastKey);
    return undefined;
  }

  /** Every chain that has a seq 0 (after `after`), in chain order, via the sparse by-chain GSI (a Query on one partition, paged). */
  async *listChains(after?: string): AsyncIterable<string> {
    let previous: string | undefined;
    const pages = paginateQuery(
      { client: this.#doc },
      {
        TableName: this.#tableName,
        IndexName: AUDIT_INDEX.byChain,
        KeyConditionExpression: after ? 'chainIndex = :v AND chain > :a' : 'chainIndex = :v',
        ExpressionAttributeValues: after ? { ':v': CHAIN_INDEX_VALUE, ':a': after } : { ':v': CHAIN_INDEX_VALUE },
        ProjectionExpression: 'chain',
      },
    );
    for await (const res of pages) {
      // The index is sorted by chain; a forged chainIndex on a later seq (an index-mismatch
      // verify reports) would list its chain twice, so repeats are dropped.
      for (const item of res.Items ?? []) {
        const chain = item.chain as string;
        if (chain !== previous) yield chain;
        previous = chain;
      }
    }
  }

  /**
   * Chains with a record at or after `since`, through the by-day GSI: one Query per UTC day
   * from `since` to tomorrow (a writer's clock may run ahead), projecting only the chain name.
   */
  async *chainsTouchedSince(since: string): AsyncIterable<string> {
    const from = normalizeTs(since, 'since');
    const seen = new Set<string>();
    const lastDay = utcDay(new Date(this.#now().getTime() + 86_400_000).toISOString());
    for (let day = utcDay(from); day <= lastDay; day = dayAfter(day)) {
      const pages = paginateQuery(
        { client: this.#doc },
        {
          TableName: this.#tableName,
          IndexName: AUDIT_INDEX.byDay,
          KeyConditionExpression: '#d = :d AND tsId >= :from',
          ExpressionAttributeNames: { '#d': 'day' },
          ExpressionAttributeValues: { ':d': day, ':from': from },
          ProjectionExpression: 'chain',
        },
      );
      for await (const res of pages) {
        for (const item of res.Items ?? []) {
          const chain = item.chain as string;
          if (!seen.has(chain)) {
            seen.add(chain);
            yield chain;
          }
        }
      }
    }
  }

  /** The newest record's position and hash (strongly consistent); undefined for an empty chain. */
  head(chain: string): Promise<ChainHead | undefined> {
    return this.#readHead(chain);
  }

  /** The records of a chain in ascending seq from `fromSeq`, strongly consistent, page by page. */
  async *readChain(chain: string, fromSeq = 0): AsyncIterable<StoredRecord> {
    const pages = paginateQuery(
      { client: this.#doc },
      {
        TableName: this.#tableName,
        KeyConditionExpression: fromSeq > 0 ? 'chain = :c AND #s >= :s' : 'chain = :c',
        ExpressionAttributeValues: fromSeq > 0 ? { ':c': chain, ':s': fromSeq } : { ':c': chain },
        ...(fromSeq > 0 ? { ExpressionAttributeNames: { '#s': 'seq' } } : {}),
        ConsistentRead: true,
      },
    );
    for await (const res of pages) {
      for (const item of res.Items ?? []) {
        const record = toRecord(item);
        const mismatch = indexMismatch(record, item);
        yield { record, ...(mismatch ? { indexMismatch: mismatch } : {}), ...(isUnindexed(record, item) ? { unindexed: true } : {}) };
      }
    }
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}
