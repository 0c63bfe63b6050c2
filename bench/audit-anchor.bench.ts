/**
 * Audit anchoring (issue 11), three figures, each parameterisable:
 *
 * - `anchor`: `ANCHOR_CHAINS` (default 100,000) chains of one record each in dynalite (in its
 *   own process); the first sweep, run after run until it reached the end (`ANCHOR_SWEEP`
 *   chains per run, default 10,000: the function's default), each run timed; then
 *   `ANCHOR_CHANGED` (default 1,000) chains get a record and an incremental run with no sweep
 *   names exactly those; again with the default sweep slice; then a full checkpoint, merged
 *   from the previous one and the digests since. Time, digest bytes and parts of each run
 *   (local P-256 key, file anchor store).
 * - `verify`: `VERIFY_RECORDS` (default 1,000,000) records over `VERIFY_CHAINS` (default 1,000)
 *   chains, written straight into dynalite's store by the dynalite process itself (no HTTP, no
 *   request validation: the same items and index entries a PutItem makes), one anchor run, then
 *   `verifyAnchored` over all of them: time, records/s and the bench process's peak RSS and heap
 *   (sampled every 50 ms; dynalite runs in another process).
 * - `pushPath`: the local stack, one delivery at a time, webhook request to the simulator's
 *   refresh, in alternating blocks without and with an anchor run going on back to back
 *   (`PUSH_DELIVERIES` per side, default 200): p50/p99 of both, in one run.
 *
 * `BENCH_PARTS=anchor,verify,pushPath` picks parts. Prints one JSON object last.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ANCHOR_DEFAULTS, FileAnchorStore, LocalKeySigner, runAnchor, verifyAnchored, type AnchorResult } from '../functions/lib/anchor';
import { DynamoDBAuditStore, indexAttributes, newAuditId, sealRecord, type AuditRecord } from '../functions/lib/audit';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { percentile } from './stats';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

/** What the dynalite process seeds on request, straight into its store. */
type SeedRequest =
  | { kind: 'chains'; table: string; n: number; ts: string }
  | { kind: 'extend'; table: string; n: number; every: number; ts: string }
  | { kind: 'interleaved'; table: string; records: number; chains: number; base: number };

/** An item in DynamoDB's JSON (the bench's records hold strings and numbers only). */
function marshal(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined) continue;
    if (typeof v === 'string') out[k] = { S: v };
    else if (typeof v === 'number') out[k] = { N: String(v) };
    else throw new TypeError(`bench marshal: ${k} is a ${typeof v}`);
  }
  return out;
}

/**
 * Child mode: dynalite in its own process, print the endpoint, seed on request, live until
 * killed. Seeding goes through dynalite's own store functions (createKey, getIndexActions) and
 * LevelDB batches: the items and index entries a PutItem writes, without HTTP, request
 * validation and one LevelDB write per item, which capped the last session's seeding at 297,975
 * records in 300 s.
 */
if (process.argv[2] === '--dynalite') {
  type Cb = (err?: Error | null) => void;
  type Batch = { batch(ops: Array<{ type: 'put'; key: string; value: unknown }>, cb: Cb): void };
  interface Table {
    TableName: string;
    LocalSecondaryIndexes?: unknown[];
    GlobalSecondaryIndexes?: unknown[];
  }
  interface Store {
    getTable(name: string, cb: (err: Error | null, table: Table) => void): void;
    getItemDb(name: string): Batch;
    getIndexDb(type: string, table: string, index: string): Batch;
  }
  // dynalite ships no types and no store accessor; its db module is where items are written.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const db = require('dynalite/db') as {
    create(o: unknown): Store;
    createKey(item: unknown, table: Table): string;
    getIndexActions(indexes: unknown[], existing: unknown, item: unknown, table: Table): { puts: Array<{ index: string; key: string; item: unknown }> };
  };
  let store: Store | undefined;
  const create = db.create;
  db.create = (o) => (store = create(o));
  const batch = (target: Batch, ops: Array<{ type: 'put'; key: string; value: unknown }>) =>
    new Promise<void>((resolve, reject) => target.batch(ops, (e) => (e ? reject(e) : resolve())));
  /** Writes records as PutItem would (the item and its index entries), one LevelDB batch per store part. */
  const putAll = async (table: Table, records: AuditRecord[]) => {
    const items: Array<{ type: 'put'; key: string; value: unknown }> = [];
    const indexed = new Map<string, { target: Batch; ops: Array<{ type: 'put'; key: string; value: unknown }> }>();
    for (const r of records) {
      const item = marshal({ ...r, ...indexAttributes(r) });
      items.push({ type: 'put', key: db.createKey(item, table), value: item });
      for (const type of ['Local', 'Global'] as const) {
        for (const a of db.getIndexActions((type === 'Local' ? table.LocalSecondaryIndexes : table.GlobalSecondaryIndexes) ?? [], null, item, table).puts) {
          const id = `${type}~${a.index}`;
          let entry = indexed.get(id);
          if (!entry) indexed.set(id, (entry = { target: store!.getIndexDb(type, table.TableName, a.index), ops: [] }));
          entry.ops.push({ type: 'put', key: a.key, value: a.item });
        }
      }
    }
    await batch(store!.getItemDb(table.TableName), items);
    for (const { target, ops } of indexed.values()) await batch(target, ops);
  };
  const heads = new Map<string, AuditRecord[]>();
  const seed = async (req: SeedRequest) => {
    const table = await new Promise<Table>((resolve, reject) => store!.getTable(req.table, (err, t) => (err ? reject(err) : resolve(t))));
    const t0 = performance.now();
    let count = 0;
    let job: (i: number) => AuditRecord | undefined;
    if (req.kind === 'chains') {
      const list: AuditRecord[] = [];
      heads.set(req.table, list);
      count = req.n;
      job = (i) => (list[i] = record(`app#default#argocd#app-${i}`, `app-${i}`, 0, '', req.ts));
    } else if (req.kind === 'extend') {
      const list = heads.get(req.table)!;
      count = req.n;
      job = (k) => {
        const i = k * req.every;
        return (list[i] = record(list[i].chain, `app-${i}`, list[i].seq + 1, list[i].hash, req.ts));
      };
    } else {
      const prev = new Map<number, string>();
      count = req.records;
      // Record i is seq floor(i / chains) of chain i % chains; the job runs in order per chain (below).
      job = (i) => {
        const c = i % req.chains;
        const r = record(`app#default#argocd#app-${c}`, `app-${c}`, Math.floor(i / req.chains), prev.get(c) ?? '', new Date(req.base + i * 1000).toISOString());
        prev.set(c, r.hash);
        return r;
      };
    }
    // Records are made in order (each links to the one before in its chain), written 1,000 per batch.
    for (let i = 0; i < count; i += 1000) {
      const chunk: AuditRecord[] = [];
      for (let k = i; k < Math.min(count, i + 1000); k++) chunk.push(job(k)!);
      await putAll(table, chunk);
      if ((i + 1000) % 100_000 === 0) process.stderr.write(`  seeded ${i + 1000}\n`);
    }
    return { count, ms: round(performance.now() - t0) };
  };
  process.on('message', (m: { seed?: SeedRequest }) => {
    if (m.seed)
      seed(m.seed).then(
        (r) => process.send?.({ seeded: r }),
        (e: unknown) => process.send?.({ error: String(e) }),
      );
  });
  void startEmbeddedDynamo({ path: process.argv[3] }).then((d) => process.send?.({ endpoint: d.endpoint }));
}

async function dynaliteProcess(path: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = fork(__filename, ['--dynalite', path], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`dynalite exited ${code}`)));
  });
  return { endpoint, child };
}

/** Asks the dynalite process to seed; resolves with what it wrote and how long it took. */
function seedIn(child: ChildProcess, req: SeedRequest): Promise<{ count: number; ms: number }> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: { seeded?: { count: number; ms: number }; error?: string }) =>
      m.seeded ? resolve(m.seeded) : reject(new Error(`seeding failed: ${m.error}`)),
    );
    child.send({ seed: req });
  });
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (bytes: number) => round(bytes / 1024 / 1024);
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), maxMs: round(s[s.length - 1] ?? NaN) };
};

function record(chain: string, app: string, seq: number, prevHash: string, ts: string): AuditRecord {
  return sealRecord({
    id: newAuditId(Date.parse(ts)),
    ts,
    kind: 'app.synced',
    outcome: 'success',
    actor: 'bench',
    message: `record ${seq}`,
    instance: 'default',
    namespace: 'argocd',
    app,
    chain,
    seq,
    prevHash,
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, ms: round(performance.now() - t0) };
}

type Run = { result: AnchorResult; ms: number };
const fig = (r: Run) => ({
  ms: r.ms,
  kind: r.result.kind,
  chains: r.result.chains,
  touched: r.result.touched,
  swept: r.result.sweep.chains,
  newRecords: r.result.newRecords,
  digestBytes: r.result.bytes,
  parts: r.result.parts,
  held: r.result.held.length,
});

async function anchorPart(doc: DynamoDBDocumentClient, dynamo: { endpoint: string; child: ChildProcess }) {
  const chains = num('ANCHOR_CHAINS', 100_000);
  const changed = Math.min(chains, num('ANCHOR_CHANGED', 1_000));
  const sweepChains = num('ANCHOR_SWEEP', ANCHOR_DEFAULTS.sweepChains);
  const tables = await ensureTables(localDynamoClient(dynamo.endpoint), `anchor-${randomUUID().slice(0, 6)}`);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-anchor-'));
  process.stderr.write(`anchor: seeding ${chains} chains\n`);
  const seed = await seedIn(dynamo.child, { kind: 'chains', table: tables.audit, n: chains, ts: new Date(Date.now() - 86_400_000).toISOString() });
  const reader = new DynamoDBAuditStore({ tableName: tables.audit, client: doc });
  const deps = { reader, store: new FileAnchorStore(join(dir, 'anchors')), signer: LocalKeySigner.open(join(dir, 'key.pem')) };
  const run = (o: Parameters<typeof runAnchor>[1] = {}) => timed(() => runAnchor(deps, { sweepChains, ...o }));
  // The first sweep: run after run until it reached the end, as the schedule would.
  const sweepRuns: Run[] = [];
  do {
    sweepRuns.push(await run());
    process.stderr.write(`anchor: sweep run ${sweepRuns.length}: ${sweepRuns[sweepRuns.length - 1].ms} ms\n`);
  } while (sweepRuns[sweepRuns.length - 1].result.sweep.next !== undefined);
  const change = () => seedIn(dynamo.child, { kind: 'extend', table: tables.audit, n: changed, every: Math.floor(chains / changed), ts: new Date().toISOString() });
  await change();
  process.stderr.write('anchor: incremental run, no sweep\n');
  const incremental = await run({ sweepChains: 0 });
  await change();
  process.stderr.write('anchor: incremental run with its sweep slice\n');
  const incrementalWithSweep = await run();
  process.stderr.write('anchor: full checkpoint\n');
  const checkpoint = await run({ checkpoint: true, sweepChains: 0 });
  const pem = await deps.signer.publicKeyPem();
  const report = await timed(() => verifyAnchored({ reader, store: deps.store, publicKeyPem: pem }, { after: '', limit: 1000 }));
  rmSync(dir, { recursive: true, force: true });
  const ms = sweepRuns.map((r) => r.ms);
  return {
    chains,
    changed,
    sweepChainsPerRun: sweepChains,
    seedMs: seed.ms,
    firstSweep: { runs: sweepRuns.length, totalMs: round(ms.reduce((a, b) => a + b, 0)), maxRunMs: Math.max(...ms), first: fig(sweepRuns[0]), last: fig(sweepRuns[sweepRuns.length - 1]) },
    incremental: fig(incremental),
    incrementalWithSweep: fig(incrementalWithSweep),
    fullCheckpoint: fig(checkpoint),
    verifyFirstPage: { ms: report.ms, chains: report.result.chains, ok: report.result.ok, digestsChecked: report.result.digests.count },
  };
}

async function verifyPart(doc: DynamoDBDocumentClient, dynamo: { endpoint: string; child: ChildProcess }) {
  const target = num('VERIFY_RECORDS', 1_000_000);
  const nChains = num('VERIFY_CHAINS', 1_000);
  const tables = await ensureTables(localDynamoClient(dynamo.endpoint), `verify-${randomUUID().slice(0, 6)}`);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-verify-'));
  process.stderr.write(`verify: seeding ${target} records over ${nChains} chains\n`);
  const seed = await seedIn(dynamo.child, { kind: 'interleaved', table: tables.audit, records: target, chains: nChains, base: Date.now() - 30 * 86_400_000 });
  const reader = new DynamoDBAuditStore({ tableName: tables.audit, client: doc });
  const deps = { reader, store: new FileAnchorStore(join(dir, 'anchors')), signer: LocalKeySigner.open(join(dir, 'key.pem')) };
  await runAnchor(deps, { checkpoint: true });
  const pem = await deps.signer.publicKeyPem();
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  process.stderr.write(`verify: verifying ${seed.count} records\n`);
  const run = await timed(() => verifyAnchored({ reader, store: deps.store, publicKeyPem: pem }));
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  return {
    recordsSeeded: seed.count,
    seedMs: seed.ms,
    seedRecordsPerSecond: Math.round(seed.count / (seed.ms / 1000)),
    chains: run.result.chains,
    recordsVerified: run.result.records,
    ok: run.result.ok,
    breaks: run.result.breaks.length,
    unanchored: run.result.unanchored.records,
    ms: run.ms,
    recordsPerSecond: Math.round(run.result.records / (run.ms / 1000)),
    rssBeforeMb: mb(before.rss),
    peakRssMb: mb(peakRss),
    heapBeforeMb: mb(before.heapUsed),
    peakHeapMb: mb(peakHeap),
  };
}

const SECRET = 'bench-secret';
const TEMPLATE = JSON.parse((JSON.parse(readFileSync(join(__dirname, '../events/webhook/github-push.json'), 'utf8')) as { body: string }).body) as Record<
  string,
  unknown
>;

function delivery(i: number) {
  const deliveryId = randomUUID();
  const body = JSON.stringify({
    ...TEMPLATE,
    ref: 'refs/heads/master',
    after: createHmac('sha1', 'sha').update(deliveryId).digest('hex'),
    repository: {
      ...(TEMPLATE.repository as object),
      name: `repo-${i}`,
      full_name: `bench/repo-${i}`,
      html_url: `https://github.com/bench/repo-${i}`,
      clone_url: `https://github.com/bench/repo-${i}.git`,
      default_branch: 'master',
    },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  };
}

async function pushPathPart(endpoint: string) {
  // Loaded only for this part: the stack pulls in every function's dependencies.
  const { startLocalStack } = await import('../local/stack.js');
  const perSide = num('PUSH_DELIVERIES', 200);
  const block = 25;
  const n = perSide * 2;
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-push-'));
  const stack = await startLocalStack({
    dynamodbEndpoint: endpoint,
    env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: `push-${randomUUID().slice(0, 6)}`, PATH: env.PATH },
    port: 0,
    dataDir: null,
    anchorDir: dir,
    tokenFile: null,
    simulatorSyncMs: 5,
    simulatorSeed: {
      instances: {
        default: {
          apps: Array.from({ length: n + 1 }, (_, i) => ({
            name: `app-${i}`,
            source: { repoURL: `https://github.com/bench/repo-${i}.git`, path: '.', targetRevision: 'master' },
          })),
        },
      },
    },
  });
  const sim = stack.simulators!.instances.default.sim as unknown as Record<string, (...a: unknown[]) => unknown>;
  const waiting = new Map<string, (at: number) => void>();
  const original = sim.refresh.bind(sim);
  sim.refresh = (sa: unknown, ...rest: unknown[]) => {
    const out = original(sa, ...rest);
    waiting.get((sa as { app: { metadata: { name: string } } }).app.metadata.name)?.(performance.now());
    return out;
  };
  let anchoring = false;
  let stopped = false;
  let anchorRuns = 0;
  // Anchor runs back to back while `anchoring` is on: the worst case for the push path.
  const anchorLoop = (async () => {
    while (!stopped) {
      if (anchoring) {
        await stack.anchor!.anchorNow();
        anchorRuns++;
      } else await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const without: number[] = [];
  const withAnchor: number[] = [];
  // Warm-up: the first push lists the apps (the index is cached afterwards).
  for (let i = -1; i < n; i++) {
    const app = i < 0 ? n : i;
    anchoring = i >= 0 && Math.floor(i / block) % 2 === 1;
    const d = delivery(app);
    const arrived = new Promise<number>((resolve) => waiting.set(`app-${app}`, resolve));
    const t0 = performance.now();
    const res = await fetch(`${stack.url}/api/webhook`, { method: 'POST', headers: d.headers, body: d.body });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    await res.arrayBuffer();
    const at = await arrived;
    waiting.delete(`app-${app}`);
    if (i >= 0) (anchoring ? withAnchor : without).push(at - t0);
  }
  anchoring = false;
  stopped = true;
  await anchorLoop;
  await stack.queue.drain();
  const verified = await verifyAnchored({
    reader: stack.deps.auditStore as DynamoDBAuditStore,
    store: stack.anchor!.store,
    publicKeyPem: await stack.anchor!.publicKeyPem(),
  });
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    withoutAnchoring: summary(without),
    withAnchoringBackToBack: summary(withAnchor),
    anchorRunsDuringPushes: anchorRuns,
    verifyAfter: { ok: verified.ok, records: verified.records },
  };
}

async function main() {
  const parts = (env.BENCH_PARTS ?? 'anchor,verify,pushPath').split(',').map((s) => s.trim());
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-bench-dyn-'));
  const dynamo = await dynaliteProcess(dataDir);
  const client = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const out: Record<string, unknown> = { machine: 'shared 2-core machine, ~7 developers at work; dynalite in its own process' };
  try {
    if (parts.includes('anchor')) out.anchor = await anchorPart(doc, dynamo);
    if (parts.includes('verify')) out.verify = await verifyPart(doc, dynamo);
    if (parts.includes('pushPath')) out.pushPath = await pushPathPart(dynamo.endpoint);
  } finally {
    client.destroy();
    dynamo.child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (process.argv[2] !== '--dynalite') void main();
