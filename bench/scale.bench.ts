/**
 * ArgoCD at scale (issue 15): figures against simulators that hold refreshes on a busy
 * controller, each beside today's figure in the same run.
 *
 * 1. Monorepo storm: 5,000 apps of one repository over 20 simulated instances (controller
 *    20 ms per app, one processor; 50 ms latency on every call), pushes every 100 ms.
 *    `now`: 50 pushes, coalescing (2 s), fair scheduler, refreshes not waited for (1.5 s).
 *    `today`: no coalescing, each refresh waits for ArgoCD's answer (up to the 10 s call
 *    timeout, as `getApplication(refresh)` did); run on BENCH_TODAY_PUSHES pushes (default 3)
 *    because 50 would take the better part of an hour here; it makes one call per app per push
 *    by construction, which the measured count confirms.
 *    The ledger and the audit trail are counting stubs (the figures are about ArgoCD).
 * 2. Lists at 10,000 and 50,000 apps over 20 instances (apps with 4 resources, 5 history
 *    entries): bytes received and time for one list of every instance, whole vs the drift
 *    scan's projection (`DRIFT_SCAN_FIELDS`) vs the app index's (`APP_INDEX_FIELDS`).
 * 3. App index built from projected lists at 50,000 apps: build time and heap.
 *
 * Prints one JSON object on its last stdout line. Run: npx tsx bench/scale.bench.ts
 * (BENCH_STORM_APPS, BENCH_PUSHES, BENCH_TODAY_PUSHES, BENCH_LIST_SIZES to vary).
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { APP_INDEX_FIELDS, ArgoCDClient, ArgoCDRegistry, DRIFT_SCAN_FIELDS } from '../functions/lib/argocd';
import type { AuditStore } from '../functions/lib/audit/audit-store';
import { AppIndex } from '../functions/lib/matching/app-index';
import { fromArgoCDApplication } from '../functions/lib/matching/from-argocd';
import type { PushMessage } from '../functions/lib/queue/types';
import { ActionLedger, AppIndexCache, CallCoalescer, FairScheduler, processPush, type SyncDeps } from '../functions/lib/sync';
import { generateSyntheticSeed, startArgoCDSimulator, type SeedInstance, type StartedArgoCDSimulator } from '../local/argocd-sim';
import { percentile } from './stats';

const INSTANCES = 20;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const REPO = 'https://github.com/acme/mono.git';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ledger that always grants (every (delivery, app) is new in this bench) and counts. */
function stubLedger(): ActionLedger {
  const doc = { send: async () => ({}) };
  return new ActionLedger({ doc: doc as never, tableName: 'bench' });
}

function stubAudit(): AuditStore & { count: number } {
  const s = {
    count: 0,
    append: async (r: unknown) => {
      s.count++;
      return r;
    },
    query: async () => ({ items: [] }),
  };
  return s as unknown as AuditStore & { count: number };
}

async function startStormSims(apps: number): Promise<StartedArgoCDSimulator[]> {
  const per = Math.ceil(apps / INSTANCES);
  const sims: StartedArgoCDSimulator[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const seed: SeedInstance = {
      apps: Array.from({ length: per }, (_, n) => ({
        name: `svc-${i}-${n}`,
        source: { repoURL: REPO, path: `services/svc-${i}-${n}`, targetRevision: 'main' },
        resources: [{ kind: 'ConfigMap', name: `svc-${n}` }],
      })),
    };
    sims.push(
      await startArgoCDSimulator({
        instance: `inst-${i}`,
        seed,
        autoSync: false,
        controllerMsPerApp: 20,
        controllerProcessors: 1,
        maxRecordedRequests: 2_000_000,
      }),
    );
  }
  for (const s of sims) s.sim.injectFaults({ latencyMs: 50 });
  return sims;
}

function push(n: number): PushMessage {
  const sha = (n + 1).toString(16).padStart(40, '0');
  return {
    push: {
      provider: 'github',
      deliveryId: randomUUID(),
      repoUrls: [REPO],
      revision: sha,
      ref: 'refs/heads/main',
      isTag: false,
      touchedHead: true,
      deleted: false,
      changedFiles: null,
      pusher: 'bench',
      commits: [{ id: sha, message: 'm' }],
      defaultBranch: 'main',
    },
    receivedAt: new Date().toISOString(),
  };
}

async function storm(mode: 'today' | 'now', apps: number, pushes: number) {
  const sims = await startStormSims(apps);
  const now = mode === 'now';
  const registry = new ArgoCDRegistry(
    sims.map(
      (s) =>
        new ArgoCDClient({
          name: s.sim.instance,
          server: s.url,
          getToken: async () => s.token,
          logger: quiet,
          timeoutMs: 10_000,
          concurrency: 16,
          ratePerSecond: now ? 50 : 0,
          refreshWaitMs: now ? 1_500 : 10_000,
        }),
    ),
  );
  const audit = stubAudit();
  const deps: SyncDeps = {
    argocd: registry,
    auditStore: audit,
    indexes: new AppIndexCache(registry, { ttlSeconds: 600, log: quiet }),
    ledger: stubLedger(),
    log: quiet,
    ...(now ? { coalescer: new CallCoalescer(undefined, { windowMs: 2_000 }), scheduler: new FairScheduler(16) } : {}),
  };
  try {
    // Warm the app index (one projected list per instance), then start counting.
    await Promise.all(sims.map((s) => deps.indexes.get(s.sim.instance)));
    for (const s of sims) s.sim.clearRequests();
    const t0 = Date.now();
    const running: Array<Promise<unknown>> = [];
    let lastPushAt = t0;
    for (let i = 0; i < pushes; i++) {
      lastPushAt = Date.now();
      running.push(processPush(push(i), deps));
      await sleep(100);
    }
    const results = (await Promise.all(running)) as Array<{ complete: boolean; actions: Array<{ status: string }> }>;
    const doneMs = Date.now() - t0;
    const refreshGets = sims.flatMap((s) => s.sim.requestsTo('GET', /^\/api\/v1\/applications\/[^/]+$/));
    const perApp = new Map<string, number[]>();
    for (const g of refreshGets) {
      const list = perApp.get(g.path) ?? [];
      list.push(g.at);
      perApp.set(g.path, list);
    }
    const lastRegistered = Math.max(...[...perApp.values()].map((ats) => Math.max(...ats)));
    const counts = [...perApp.values()].map((x) => x.length);
    const coveredLastPush = [...perApp.values()].filter((ats) => Math.max(...ats) >= lastPushAt).length;
    return {
      apps,
      pushes,
      argocdRefreshCalls: refreshGets.length,
      callsPerApp: { mean: +(refreshGets.length / apps).toFixed(2), max: Math.max(...counts), p50: percentile(counts, 50) },
      appsWhoseLastCallFollowsTheLastPush: coveredLastPush,
      msUntilEveryAppsLastRefreshRegistered: lastRegistered - t0,
      msUntilWorkerDone: doneMs,
      peakConcurrentRequestsPerInstance: Math.max(...sims.map((s) => s.sim.traffic.peakInFlight)),
      controllerQueuePeakPerInstance: Math.max(...sims.map((s) => s.sim.controllerLoad.peakQueued)),
      actionsNotDone: results.reduce((n, r) => n + r.actions.filter((a) => a.status !== 'refreshed').length, 0),
      auditRecords: audit.count,
    };
  } finally {
    registry.close();
    await Promise.all(sims.map((s) => s.close()));
  }
}

function realisticSeed(apps: number): Record<string, SeedInstance> {
  const seed = generateSyntheticSeed({ apps, instances: INSTANCES, seed: 11 });
  for (const inst of Object.values(seed.instances)) {
    for (const a of inst.apps ?? []) {
      a.history = 5;
      a.resources = [
        { kind: 'Deployment', name: a.name, image: `ghcr.io/synthetic/${a.name}` },
        { kind: 'Service', name: a.name },
        { kind: 'ConfigMap', name: `${a.name}-config` },
        { kind: 'Ingress', name: a.name },
      ];
    }
  }
  return seed.instances;
}

async function lists(apps: number) {
  const seeds = realisticSeed(apps);
  const sims: StartedArgoCDSimulator[] = [];
  for (const [name, seed] of Object.entries(seeds)) sims.push(await startArgoCDSimulator({ instance: name, seed, autoSync: false }));
  const clients = sims.map(
    (s) => new ArgoCDClient({ name: s.sim.instance, server: s.url, getToken: async () => s.token, logger: quiet, timeoutMs: 120_000, ratePerSecond: 0 }),
  );
  const one = async (fields?: readonly string[]) => {
    for (const s of sims) s.sim.clearRequests();
    const t = performance.now();
    const listed = await Promise.all(clients.map((c) => c.listApplications(fields ? { fields } : {})));
    const ms = performance.now() - t;
    return { ms: Math.round(ms), bytes: sims.reduce((n, s) => n + s.sim.traffic.bytesSent, 0), items: listed.reduce((n, l) => n + l.length, 0), listed };
  };
  try {
    await one(); // warm the simulators' JSON caches, so the figures are about transfer and parsing
    const whole = await one();
    const drift = await one(DRIFT_SCAN_FIELDS);
    const index = await one(APP_INDEX_FIELDS);
    // App index from the projected lists: build time and the heap it holds.
    const listed = index.listed;
    index.listed = [];
    whole.listed = [];
    drift.listed = [];
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t = performance.now();
    const indexes = listed.map((apps, i) => {
      const idx = new AppIndex();
      for (const a of apps) idx.upsert(fromArgoCDApplication(a, clients[i].name, { defaultNamespace: 'argocd' }));
      return idx;
    });
    const buildMs = performance.now() - t;
    listed.length = 0;
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
    const strip = ({ listed: _l, ...r }: { listed: unknown }) => r;
    return {
      apps,
      wholeList: strip(whole),
      driftScanProjection: strip(drift),
      appIndexProjection: strip(index),
      driftBytesSavedPercent: +(100 - (100 * drift.bytes) / whole.bytes).toFixed(1),
      indexBytesSavedPercent: +(100 - (100 * index.bytes) / whole.bytes).toFixed(1),
      indexFromProjectedList: {
        buildMs: Math.round(buildMs),
        heapMb: global.gc ? +heapMb.toFixed(1) : 'run node with --expose-gc for the heap figure',
        apps: indexes.reduce((n, x) => n + x.size, 0),
      },
    };
  } finally {
    clients.forEach((c) => c.close());
    await Promise.all(sims.map((s) => s.close()));
  }
}

async function main(): Promise<void> {
  const apps = Number(process.env.BENCH_STORM_APPS ?? 5_000);
  const pushes = Number(process.env.BENCH_PUSHES ?? 50);
  const todayPushes = Number(process.env.BENCH_TODAY_PUSHES ?? 3);
  const out: Record<string, unknown> = { machine: 'shared 2-core VM, several developers running tests at once: times are upper bounds' };
  process.stderr.write('scale bench: storm (now)...\n');
  out.stormNow = await storm('now', apps, pushes);
  process.stderr.write(`  ${JSON.stringify(out.stormNow)}\nscale bench: storm (today)...\n`);
  out.stormToday = await storm('today', apps, todayPushes);
  process.stderr.write(`  ${JSON.stringify(out.stormToday)}\n`);
  for (const n of (process.env.BENCH_LIST_SIZES ?? '10000,50000').split(',').map(Number)) {
    process.stderr.write(`scale bench: lists at ${n} apps...\n`);
    out[`lists${n}`] = await lists(n);
    process.stderr.write(`  ${JSON.stringify(out[`lists${n}`])}\n`);
  }
  console.log(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
