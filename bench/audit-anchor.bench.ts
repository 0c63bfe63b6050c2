/**
 * Audit anchoring (issue 11), three figures, each parameterisable:
 *
 * - `anchor`: `ANCHOR_CHAINS` (default 100,000) chains of one record each, seeded with the shared
 *   bench/seed-audit.ts, served by dynalite in its own process; the first sweep, run after run until it reached the end (`ANCHOR_SWEEP`
 *   chains per run, default 10,000: the function's default), each run timed; then
 *   `ANCHOR_CHANGED` (default 1,000) chains get a record (appended through the audit store) and an incremental run with no sweep
 *   names exactly those; again with the default sweep slice; then a full checkpoint, merged
 *   from the previous one and the digests since. Time, digest bytes and parts of each run
 *   (local P-256 key, file anchor store).
 * - `verify`: `VERIFY_RECORDS` (default 1,000,000) records over `VERIFY_CHAINS` (default 1,000)
 *   chains, seeded with bench/seed-audit.ts (straight into dynalite's folder), one anchor run, then
 *   `verifyAnchored` over all of them: time, records/s and the bench process's peak RSS and heap
 *   (sampled every 50 ms; dynalite runs in another process).
 * - `pushPath`: the local stack, one delivery at a time, webhook request to the simulator's
 *   refresh, in alternating blocks without and with an anchor run going on back to back
 *   (`PUSH_DELIVERIES` per side, default 200): p50/p99 of both, in one run.
 *
 * `BENCH_PARTS=anchor,verify,pushPath` picks parts. Prints one JSON object last.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ANCHOR_DEFAULTS, FileAnchorStore, LocalKeySigner, runAnchor, verifyAnchored, type AnchorResult } from '../functions/lib/anchor';
import { DynamoDBAuditStore, indexAttributes, newAuditId, sealRecord, type AuditRecord } from '../functions/lib/audit';
import { localDynamoClient } from '../local/dynamo';
import { mapLimit } from '../functions/lib/runtime/concurrency';
import { startDynaliteProcess, startSeededDynalite } from './seed-audit';
import { percentile } from './stats';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

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

async function anchorPart() {
  const chains = num('ANCHOR_CHAINS', 100_000);
  const changed = Math.min(chains, num('ANCHOR_CHANGED', 1_000));
  const sweepChains = num('ANCHOR_SWEEP', ANCHOR_DEFAULTS.sweepChains);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-anchor-'));
  const old = new Date(Date.now() - 86_400_000).toISOString();
  process.stderr.write(`anchor: seeding ${chains} chains\n`);
  const dynamo = await startSeededDynalite(join(dir, 'dynalite'), `anchor-${randomUUID().slice(0, 6)}`, {
    count: chains,
    item: (i) => {
      const r = record(`app#default#argocd#app-${i}`, `app-${i}`, 0, '', old);
      return { ...r, ...indexAttributes(r) };
    },
  });
  const client = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const reader = new DynamoDBAuditStore({ tableName: dynamo.tables.audit, client: doc });
    const deps = { reader, store: new FileAnchorStore(join(dir, 'anchors')), signer: LocalKeySigner.open(join(dir, 'key.pem')) };
    const run = (o: Parameters<typeof runAnchor>[1] = {}) => timed(() => runAnchor(deps, { sweepChains, ...o }));
    // The first sweep: run after run until it reached the end, as the schedule would.
    const sweepRuns: Run[] = [];
    do {
      sweepRuns.push(await run());
      process.stderr.write(`anchor: sweep run ${sweepRuns.length}: ${sweepRuns[sweepRuns.length - 1].ms} ms\n`);
    } while (sweepRuns[sweepRuns.length - 1].result.sweep.next !== undefined);
    // `changed` chains spread over the table get one record each, appended as the functions do.
    const change = () =>
      mapLimit(
        Array.from({ length: changed }, (_, k) => k * Math.floor(chains / changed)),
        16,
        (i) =>
          reader.append({
            kind: 'app.synced',
            outcome: 'success',
            actor: 'bench',
            message: 'changed',
            instance: 'default',
            namespace: 'argocd',
            app: `app-${i}`,
          }),
      );
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
    const ms = sweepRuns.map((r) => r.ms);
    return {
      chains,
      changed,
      sweepChainsPerRun: sweepChains,
      seedMs: round(dynamo.seedSeconds * 1000),
      firstSweep: {
        runs: sweepRuns.length,
        totalMs: round(ms.reduce((a, b) => a + b, 0)),
        maxRunMs: Math.max(...ms),
        first: fig(sweepRuns[0]),
        last: fig(sweepRuns[sweepRuns.length - 1]),
      },
      incremental: fig(incremental),
      incrementalWithSweep: fig(incrementalWithSweep),
      fullCheckpoint: fig(checkpoint),
      verifyFirstPage: { ms: report.ms, chains: report.result.chains, ok: report.result.ok, digestsChecked: report.result.digests.count },
    };
  } finally {
    client.destroy();
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verifyPart() {
  const target = num('VERIFY_RECORDS', 1_000_000);
  const nChains = num('VERIFY_CHAINS', 1_000);
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-verify-'));
  const prev = new Map<number, string>();
  const base = Date.now() - 30 * 86_400_000;
  process.stderr.write(`verify: seeding ${target} records over ${nChains} chains\n`);
  // Record i is seq floor(i / chains) of chain i % chains (the seeder calls item(i) in order, so each links to the one before).
  const dynamo = await startSeededDynalite(join(dir, 'dynalite'), `verify-${randomUUID().slice(0, 6)}`, {
    count: target,
    item: (i) => {
      const c = i % nChains;
      const r = record(`app#default#argocd#app-${c}`, `app-${c}`, Math.floor(i / nChains), prev.get(c) ?? '', new Date(base + i * 1000).toISOString());
      prev.set(c, r.hash);
      return { ...r, ...indexAttributes(r) };
    },
    onProgress: (n) => {
      if (n % 100_000 === 0) process.stderr.write(`  seeded ${n}\n`);
    },
  });
  const client = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const reader = new DynamoDBAuditStore({ tableName: dynamo.tables.audit, client: doc });
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
    process.stderr.write(`verify: verifying ${dynamo.seeded} records\n`);
    const run = await timed(() => verifyAnchored({ reader, store: deps.store, publicKeyPem: pem }));
    clearInterval(sampler);
    return {
      recordsSeeded: dynamo.seeded,
      seedMs: round(dynamo.seedSeconds * 1000),
      seedRecordsPerSecond: Math.round(dynamo.seeded / dynamo.seedSeconds),
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
  } finally {
    client.destroy();
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
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
  const parts = (env.BENCH_PARTS ?? 'anchor,verify,pushPath').split(',').map((p) => p.trim());
  const out: Record<string, unknown> = { machine: 'shared 2-core machine, ~8 developers at work; dynalite in its own process' };
  if (parts.includes('anchor')) out.anchor = await anchorPart();
  if (parts.includes('verify')) out.verify = await verifyPart();
  if (parts.includes('pushPath')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-bench-dyn-'));
    const dynamo = await startDynaliteProcess(dataDir);
    try {
      out.pushPath = await pushPathPart(dynamo.endpoint);
    } finally {
      await dynamo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

void main();
