/**
 * Seeding a large audit table for the benches, fast: records go straight into dynalite's
 * LevelDB folder, one LevelDB batch per few thousand records (the item and its entry in every
 * GSI, the keys dynalite itself computes), instead of one BatchWriteItem of 25 over HTTP, which
 * dynalite turns into 25 locked read-then-put sequences of seven writes each (about 2,400
 * records/s on the shared 2-core machine; 1,000,000 records did not fit a bench run).
 *
 * Flow: {@link startSeededDynalite} starts dynalite in a child process on a fresh folder,
 * creates the tables over HTTP (the same `ensureTables` the local stack uses, so the table and
 * its indexes are exactly the real ones), stops it, writes the records into the folder in this
 * process, then starts dynalite again on it for the measurements. Readers see the records
 * exactly as if `PutItem` had written them (the seeder's test checks it with `verify` and the
 * GSI queries).
 *
 * Used by bench/audit-query.bench.ts; reusable by any bench needing a big audit table.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ensureTables, localDynamoClient, startEmbeddedDynamo, type TableNames } from '../local/dynamo';

/** Child mode: dynalite on the folder in argv[3], the endpoint sent to the parent; closes (flushing LevelDB) on 'close'. */
if (require.main === module && process.argv[2] === '--dynalite') {
  void startEmbeddedDynamo({ path: process.argv[3] }).then((d) => {
    process.send?.({ endpoint: d.endpoint });
    process.on('message', (m) => {
      if (m === 'close') void d.close().then(() => process.exit(0));
    });
  });
}

/** dynalite running in its own process (its own core while the bench measures). */
export interface DynaliteProcess {
  endpoint: string;
  child: ChildProcess;
  /** Closes dynalite (LevelDB flushed and unlocked) and waits for the process to end. */
  stop(): Promise<void>;
}

/** Starts dynalite in a child process with its data in `path`. */
export async function startDynaliteProcess(path: string): Promise<DynaliteProcess> {
  mkdirSync(path, { recursive: true });
  const child = fork(__filename, ['--dynalite', path], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`dynalite exited ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send('close');
    });
  return { endpoint, child, stop };
}

/** A DynamoDB attribute value, as dynalite stores it. */
type AttributeValue = { S: string } | { N: string } | { BOOL: boolean } | { NULL: true } | { L: AttributeValue[] } | { M: Record<string, AttributeValue> };

/**
 * A plain JSON value as a DynamoDB attribute value, as the document client's marshalling writes
 * it for what audit items hold (strings, finite numbers, booleans, null, lists, maps; undefined
 * members dropped). Not a general marshaller: no sets, binaries or big numbers.
 */
function attributeValue(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('[bench/seed-audit] numbers must be finite');
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(attributeValue) };
  if (typeof value === 'object') return { M: toItem(value as Record<string, unknown>) };
  throw new TypeError(`[bench/seed-audit] cannot store a ${typeof value}`);
}

function toItem(obj: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = attributeValue(v);
  return out;
}

/** The part of dynalite's internal store and db module the seeder uses (dynalite ships no types). */
interface DynaliteTable {
  GlobalSecondaryIndexes?: unknown[];
}
interface DynaliteStore {
  db: { batch(ops: Array<{ type: 'put'; key: string; value: string; valueEncoding: 'utf8' }>, cb: (err?: Error | null) => void): void };
  getTable(name: string, cb: (err: Error | null, table: DynaliteTable) => void): void;
  lifecycleManager: { gracefulClose(): Promise<void> };
}
interface DynaliteDb {
  create(options: { path: string }): DynaliteStore;
  createKey(item: Record<string, AttributeValue>, table: DynaliteTable): string;
  getIndexActions(
    indexes: unknown[],
    existing: undefined,
    item: Record<string, AttributeValue>,
    table: DynaliteTable,
  ): { puts: Array<{ index: string; key: string; item: unknown }> };
}

/** Options of {@link seedTable}. */
export interface SeedOptions {
  /** dynalite's data folder; no dynalite may have it open. */
  path: string;
  /** Physical table name; the table must exist (created by `ensureTables`). */
  tableName: string;
  /** Items to write. */
  count: number;
  /** The i-th item (a record with its index attributes), called in order from 0. */
  item: (i: number) => Record<string, unknown>;
  /** Stop early at this `performance.now()` time; the count written is returned. */
  deadline?: number;
  /** Items per LevelDB batch. @default 2000 */
  batchSize?: number;
  /** Called after each batch with the number written so far. */
  onProgress?: (written: number) => void;
}

/**
 * Writes items straight into a (closed) dynalite folder: each item under the key dynalite's
 * `createKey` gives it and an entry in every GSI whose keys it carries (`getIndexActions`, the
 * function dynalite's own PutItem calls), so queries find them as if written through the API.
 * Items must be new (no item is read or replaced) and unique per primary key.
 * @returns how many were written and how long it took
 */
export async function seedTable(options: SeedOptions): Promise<{ seeded: number; seconds: number }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite's internal db module, CommonJS without types
  const db = require('dynalite/db') as DynaliteDb;
  const store = db.create({ path: options.path });
  const table = await new Promise<DynaliteTable>((resolve, reject) => store.getTable(options.tableName, (err, t) => (err ? reject(err) : resolve(t))));
  const itemPrefix = `item-${options.tableName}~`;
  const indexPrefix = `index-global~${options.tableName}~`;
  const batchSize = options.batchSize ?? 2000;
  const start = performance.now();
  let i = 0;
  try {
    while (i < options.count && (options.deadline === undefined || performance.now() < options.deadline)) {
      const ops: Array<{ type: 'put'; key: string; value: string; valueEncoding: 'utf8' }> = [];
      for (const end = Math.min(options.count, i + batchSize); i < end; i++) {
        const item = toItem(options.item(i));
        // dynalite stores values as JSON; an index projecting ALL holds the item itself, so its
        // JSON is written once and reused (as text: the store decodes it as JSON on read).
        const json = JSON.stringify(item);
        ops.push({ type: 'put', key: itemPrefix + db.createKey(item, table), value: json, valueEncoding: 'utf8' });
        for (const put of db.getIndexActions(table.GlobalSecondaryIndexes ?? [], undefined, item, table).puts) {
          ops.push({
            type: 'put',
            key: `${indexPrefix}${put.index}~${put.key}`,
            value: put.item === item ? json : JSON.stringify(put.item),
            valueEncoding: 'utf8',
          });
        }
      }
      await new Promise<void>((resolve, reject) => store.db.batch(ops, (err) => (err ? reject(err) : resolve())));
      options.onProgress?.(i);
    }
  } finally {
    await store.lifecycleManager.gracefulClose();
  }
  return { seeded: i, seconds: (performance.now() - start) / 1000 };
}

/** What {@link startSeededDynalite} hands back: dynalite serving the seeded tables. */
export interface SeededDynalite extends DynaliteProcess {
  tables: TableNames;
  seeded: number;
  seedSeconds: number;
}

/**
 * Creates the tables (prefix `prefix`) in a dynalite folder, seeds the audit table with
 * `seed.count` items (or as many as fit before `seed.deadline`), and starts dynalite on it.
 */
export async function startSeededDynalite(path: string, prefix: string, seed: Omit<SeedOptions, 'path' | 'tableName'>): Promise<SeededDynalite> {
  const creator = await startDynaliteProcess(path);
  const client = localDynamoClient(creator.endpoint);
  const tables = await ensureTables(client, prefix);
  client.destroy();
  await creator.stop();
  const { seeded, seconds } = await seedTable({ ...seed, path, tableName: tables.audit });
  const served = await startDynaliteProcess(path);
  return { ...served, tables, seeded, seedSeconds: seconds };
}
