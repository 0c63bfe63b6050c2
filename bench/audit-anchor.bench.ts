/**
 * Audit anchoring (issue 11), three figures, each parameterisable:
 *
 * - `anchor`: `ANCHOR_CHAINS` (default 100,000) chains of one record each in dynalite (in its
 *   own process); a first checkpoint, then `ANCHOR_CHANGED` (default 1,000) chains get a record
 *   and an incremental run names exactly those; then a full checkpoint of every chain. Time and
 *   digest bytes of each run (local P-256 key, file anchor store).
 * - `verify`: `VERIFY_RECORDS` (default 1,000,000) records over `VERIFY_CHAINS` (default 1,000)
 *   chains, seeded for at most `SEED_SECONDS` (default 300; the seeded count is reported), one
 *   checkpoint, then `verifyAnchored` over all of them: time, records/s and the bench process's
 *   peak RSS and heap (sampled every 50 ms; dynalite runs in another process).
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
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { FileAnchorStore, LocalKeySigner, runAnchor, verifyAnchored } from '../functions/lib/anchor';
import { DynamoDBAuditStore, indexAttributes, newAuditId, sealRecord, type AuditRecord } from '../functions/lib/audit';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { startLocalStack } from '../local/stack';
import { percentile } from './stats';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

/** Child mode: dynalite in its own process, print the endpoint, live until killed. */
if (process.argv[2] === '--dynalite') {
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

/** Writes items with BatchWriteItem, 25 per request, `writers` requests in flight, until done or the deadline. */
async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  total: number,
  item: (i: number) => Record<string, unknown>,
  deadline = Infinity,
  writers = 8,
): Promise<number> {
  let next = 0;
  const writer = async () => {
    while (next < total && performance.now() < deadline) {
      const batch = [];
      for (let k = 0; k < 25 && next < total; k++) batch.push({ PutRequest: { Item: item(next++) } });
      let items: Record<string, unknown> | undefined = { [table]: batch };
      while (items && Object.keys(items).length) {
        const res: BatchWriteCommandOutput = await doc.send(new BatchWriteCommand({ RequestItems: items as never }));
        items = res.UnprocessedItems && Object.keys(res.UnprocessedItems).length ? res.UnprocessedItems : undefined;
      }
      if (next % 100_000 < 25) process.stderr.write(`  seeded ${next}\n`);
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return Math.min(next, total);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, ms: round(performance.now() - t0) };
}

async function anchorPart(doc: DynamoDBDocumentClient, endpoint: string) {
  const chains = num('ANCHOR_CHAINS', 100_000);
  const changed = Math.min(chains, num('ANCHOR_CHANGED', 1_000));
  const tables = await ensureTables(localDynamoClient(endpoint), `anchor-${randomUUID().slice(0, 6)}`);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-anchor-'));
  const old = new Date(Date.now() - 86_400_000).toISOString();
  const heads: AuditRecord[] = [];
  process.stderr.write(`anchor: seeding ${chains} chains\n`);
  const seed = await timed(() =>
    batchWrite(doc, tables.audit, chains, (i) => {
      const r = record(`app#default#argocd#app-${i}`, `app-${i}`, 0, '', old);
      heads[i] = r;
      return { ...r, ...indexAttributes(r) };
    }),
  );
  const reader = new DynamoDBAuditStore({ tableName: tables.audit, client: doc });
  const deps = { reader, store: new FileAnchorStore(join(dir, 'anchors')), signer: LocalKeySigner.open(join(dir, 'key.pem')) };
  process.stderr.write('anchor: first checkpoint\n');
  const first = await timed(() => runAnchor(deps));
  const now = new Date().toISOString();
  await batchWrite(doc, tables.audit, changed, (k) => {
    const i = Math.floor((k * chains) / changed);
    const r = record(heads[i].chain, `app-${i}`, 1, heads[i].hash, now);
    return { ...r, ...indexAttributes(r) };
  });
  process.stderr.write('anchor: incremental run\n');
  const incremental = await timed(() => runAnchor(deps));
  process.stderr.write('anchor: full checkpoint\n');
  const checkpoint = await timed(() => runAnchor(deps, { checkpoint: true }));
  rmSync(dir, { recursive: true, force: true });
  const fig = (r: { result: Awaited<ReturnType<typeof runAnchor>>; ms: number }) => ({
    ms: r.ms,
    kind: r.result.kind,
    chains: r.result.chains,
    newRecords: r.result.newRecords,
    digestBytes: r.result.bytes,
    held: r.result.held.length,
  });
  return { chains, changed, seedMs: seed.ms, firstCheckpoint: fig(first), incremental: fig(incremental), fullCheckpoint: fig(checkpoint) };
}

async function verifyPart(doc: DynamoDBDocumentClient, endpoint: string) {
  const target = num('VERIFY_RECORDS', 1_000_000);
  const nChains = num('VERIFY_CHAINS', 1_000);
  const tables = await ensureTables(localDynamoClient(endpoint), `verify-${randomUUID().slice(0, 6)}`);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-verify-'));
  const prev = new Map<number, string>();
  const base = Date.now() - 30 * 86_400_000;
  process.stderr.write(`verify: seeding up to ${target} records over ${nChains} chains (at most ${num('SEED_SECONDS', 300)} s)\n`);
  const seedStart = performance.now();
  // Records in seq order per chain, chains interleaved: record i is seq floor(i / nChains) of chain i % nChains.
  const seeded = await batchWrite(
    doc,
    tables.audit,
    target,
    (i) => {
      const c = i % nChains;
      const r = record(`app#default#argocd#app-${c}`, `app-${c}`, Math.floor(i / nChains), prev.get(c) ?? '', new Date(base + i * 1000).toISOString());
      prev.set(c, r.hash);
      return { ...r, ...indexAttributes(r) };
    },
    seedStart + num('SEED_SECONDS', 300) * 1000,
  );
  const seedMs = round(performance.now() - seedStart);
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
  process.stderr.write(`verify: verifying ${seeded} records\n`);
  const run = await timed(() => verifyAnchored({ reader, store: deps.store, publicKeyPem: pem }));
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  return {
    recordsSeeded: seeded,
    seedMs,
    chains: run.result.chains,
    recordsVerified: run.result.records,
    ok: run.result.ok,
    breaks: run.result.breaks.length,
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
    if (parts.includes('anchor')) out.anchor = await anchorPart(doc, dynamo.endpoint);
    if (parts.includes('verify')) out.verify = await verifyPart(doc, dynamo.endpoint);
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
