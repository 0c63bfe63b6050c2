/**
 * ArgoCD at scale (issue 15): figures against simulators that hold refreshes on a busy
 * controller, each beside today's figure in the same run.
 *
 * The simulators run in a child process of their own (this file, forked with
 * `SCALE_BENCH_ROLE=sims`), as ArgoCD is a server of its own: with them in the worker's process,
 * their controllers, JSON and sockets shared one event loop with the worker, so a full-size
 * storm measured that contention (and pushes meant 100 ms apart went out seconds apart). Each
 * figure says how far the run kept to its schedule (`pushSpanMs`, the machine's load average).
 *
 * 1. Monorepo storm: 5,000 apps of one repository over 20 simulated instances (controller
 *    20 ms per app, one processor; 50 ms latency on every call), 50 signed GitHub pushes sent
 *    100 ms apart (open loop) through the real intake (`receivePush`: verify, parse, dedupe,
 *    enqueue) into the real sync worker (`processPush`).
 *    `now`: coalescing (2 s), fair scheduler, rate limit 50/s, refreshes not waited for (1.5 s).
 *    `today`: no coalescing, no rate limit, each refresh waits for ArgoCD's answer (up to the
 *    10 s call timeout, as `getApplication(refresh)` did), on BENCH_TODAY_PUSHES pushes
 *    (default 3): it makes one call per app per push by construction, which the count confirms.
 *    Webhook latency is the intake call in the worker's process (as `npm start` runs both),
 *    from the push's scheduled time (so event-loop lag counts) and from the call itself.
 *    The ledger, the delivery ledger and the audit trail are in-memory/counting stubs (the
 *    figures are about ArgoCD).
 * 2. Drift scan (`runDriftScan`) at 10,000 and 50,000 apps over 20 instances (4 resources and
 *    5 history entries per app, 2% drifted, 50 ms latency): bytes received from ArgoCD and scan
 *    time with the projection (`DRIFT_SCAN_FIELDS`) and without it (the same scan with clients
 *    that drop `fields`), both in steady state after a first scan; in-memory state and audit.
 *    Each scan also reports its own CPU (this process) beside the simulators' CPU (their
 *    process) over the same span, and how many app states it wrote. The simulators cache each
 *    app's JSON (whole and projected) until it changes, as their CPU is not ArgoCD's: the first
 *    scan fills the projected cache, an unmeasured whole list the whole one.
 * 3. App index built from the projected list (`APP_INDEX_FIELDS`) at 50,000 apps: list bytes,
 *    build time and heap.
 *
 * Prints one JSON object on its last stdout line. Run: npm run bench scale
 * (BENCH_STORM_APPS, BENCH_PUSHES, BENCH_TODAY_PUSHES, BENCH_LIST_SIZES to vary;
 * BENCH_PARTS=storm,drift to pick parts; BENCH_SIMS_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof",
 * adds node options to the simulators' process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { APP_INDEX_FIELDS, ArgoCDClient, ArgoCDRegistry, type ListApplicationsOptions, type Application } from '../functions/lib/argocd';
import type { AuditStore } from '../functions/lib/audit/audit-store';
import { loadConfig } from '../functions/lib/config/index';
import { defaults } from '../functions/lib/config/defaults';
import { runDriftScan } from '../functions/lib/drift';
import { receivePush, type ReceivePushDeps } from '../functions/lib/intake/index';
import { AppIndex } from '../functions/lib/matching/app-index';
import { fromArgoCDApplication } from '../functions/lib/matching/from-argocd';
import { EnvSecretsProvider } from '../functions/lib/secrets/env-secrets-provider';
import { ActionLedger, AppIndexCache, CallCoalescer, FairScheduler, processPush, type SyncDeps } from '../functions/lib/sync';
import { generateSyntheticSeed, startArgoCDSimulator, type SeedInstance, type StartedArgoCDSimulator } from '../local/argocd-sim';
import { InMemoryAuditStore } from '../test/helpers/in-memory-audit-store';
import { InMemoryDeliveryLedgerStore } from '../test/helpers/in-memory-delivery-ledger-store';
import { InMemoryDriftStateStore } from '../test/helpers/in-memory-drift-state-store';
import { percentile } from './stats';

const INSTANCES = 20;
const LATENCY_MS = 50;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const REPO = 'https://github.com/acme/mono.git';
const SECRET = 'bench-webhook-secret';
const round = (n: number, digits = 0) => +n.toFixed(digits);
/** User + system CPU of this process since `since`, in ms. */
const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return round((d.user + d.system) / 1000);
};

// ---------------------------------------------------------------------------------------------
// The simulators' process: starts 20 instances and answers the parent's questions over IPC.

/** What the parent asks the simulators' process. */
type SimsRequest =
  | { cmd: 'start'; seeds: Record<string, SeedInstance>; controllerMsPerApp: number }
  | { cmd: 'clear' }
  | { cmd: 'warm' }
  | { cmd: 'storm' }
  | { cmd: 'traffic' }
  | { cmd: 'stop' };

const REFRESH_PATH = /^\/api\/v1\/applications\/[^/]+$/;

function simsMain(): void {
  // Exit (rather than die) on the parent's kill, so `--cpu-prof` in BENCH_SIMS_NODE_ARGS writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  let sims: StartedArgoCDSimulator[] = [];
  // CPU this process spent since the last `clear`: the simulators' own share of a measured step.
  let cpuSince = process.cpuUsage();
  const answer = async (req: SimsRequest): Promise<unknown> => {
    switch (req.cmd) {
      case 'start':
        for (const [instance, seed] of Object.entries(req.seeds)) {
          const s = await startArgoCDSimulator({
            instance,
            seed,
            autoSync: false,
            controllerMsPerApp: req.controllerMsPerApp,
            controllerProcessors: 1,
            maxRecordedRequests: 2_000_000,
          });
          s.sim.injectFaults({ latencyMs: LATENCY_MS });
          sims.push(s);
        }
        return sims.map((s) => ({ instance: s.sim.instance, url: s.url, token: s.token }));
      case 'clear':
        sims.forEach((s) => s.sim.clearRequests());
        cpuSince = process.cpuUsage();
        return {};
      case 'warm':
        // Encodes every app once (the simulator caches each app's JSON until it changes).
        sims.forEach((s) => s.sim.listBody());
        return {};
      case 'storm': {
        // Refresh GETs per app: when each was received (registered), to count and time them.
        const perApp: Record<string, number[]> = {};
        for (const s of sims) for (const r of s.sim.requestsTo('GET', REFRESH_PATH)) (perApp[`${s.sim.instance}${r.path}`] ??= []).push(r.at);
        return {
          perApp,
          peakInFlight: Math.max(...sims.map((s) => s.sim.traffic.peakInFlight)),
          controllerPeakQueued: Math.max(...sims.map((s) => s.sim.controllerLoad.peakQueued)),
        };
      }
      case 'traffic': {
        const count = (method: string, path: RegExp) => sims.reduce((n, s) => n + s.sim.requestsTo(method, path).length, 0);
        return {
          bytes: sims.reduce((n, s) => n + s.sim.traffic.bytesSent, 0),
          calls: sims.reduce((n, s) => n + s.sim.requests.length, 0),
          lists: count('GET', /^\/api\/v1\/applications$/),
          appReads: count('GET', REFRESH_PATH),
          cpuMs: cpuMsSince(cpuSince),
        };
      }
      case 'stop':
        await Promise.all(sims.map((s) => s.close()));
        sims = [];
        return {};
    }
  };
  process.on('message', (m: { id: number; req: SimsRequest }) => {
    answer(m.req).then(
      (result) => process.send!({ id: m.id, result }),
      (err: unknown) => process.send!({ id: m.id, error: String(err) }),
    );
  });
}

/** The parent's handle on the simulators' process. */
class SimsProcess {
  private seq = 0;
  private readonly waiting = new Map<number, (m: { result?: unknown; error?: string }) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => this.waiting.get(m.id)?.(m));
  }

  static start(): SimsProcess {
    // A larger heap: 50,000 apps with their status, and their JSON, live in this process.
    const child = fork(__filename, [], {
      env: { ...process.env, SCALE_BENCH_ROLE: 'sims' },
      execArgv: ['--import', 'tsx', '--max-old-space-size=6144', ...(process.env.BENCH_SIMS_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new SimsProcess(child);
  }

  ask<T>(req: SimsRequest): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (m) => {
        this.waiting.delete(id);
        if (m.error) reject(new Error(m.error));
        else resolve(m.result as T);
      });
      this.child.send({ id, req });
    });
  }

  async close(): Promise<void> {
    await this.ask({ cmd: 'stop' });
    this.child.kill();
  }
}

interface SimEndpoint {
  instance: string;
  url: string;
  token: string;
}

function clientsFor(endpoints: SimEndpoint[], options: Partial<ConstructorParameters<typeof ArgoCDClient>[0]>, Client = ArgoCDClient): ArgoCDClient[] {
  return endpoints.map((e) => new Client({ name: e.instance, server: e.url, getToken: async () => e.token, logger: quiet, ...options }));
}

// ---------------------------------------------------------------------------------------------
// 1. Monorepo storm

/** Ledger that always grants (every (delivery, app) is new in this bench). */
function stubLedger(): ActionLedger {
  const doc = { send: async () => ({}) };
  return new ActionLedger({ doc: doc as never, tableName: 'bench' });
}

/** Audit trail that counts appends (250,000 records per storm would measure the store). */
function countingAudit(): AuditStore & { count: number } {
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

function stormSeeds(apps: number): Record<string, SeedInstance> {
  const per = Math.ceil(apps / INSTANCES);
  return Object.fromEntries(
    Array.from({ length: INSTANCES }, (_, i) => [
      `inst-${i}`,
      {
        apps: Array.from({ length: per }, (_, n) => ({
          name: `svc-${i}-${n}`,
          source: { repoURL: REPO, path: `services/svc-${i}-${n}`, targetRevision: 'main' },
          resources: [{ kind: 'ConfigMap', name: `svc-${n}` }],
        })),
      },
    ]),
  );
}

const shaOf = (n: number) => (n + 1).toString(16).padStart(40, '0');

/** Push `n` of the storm, signed as GitHub signs it; each push follows the one before. */
function signedPush(n: number): { rawBody: string; headers: Record<string, string> } {
  const rawBody = JSON.stringify({
    ref: 'refs/heads/main',
    before: shaOf(n - 1),
    after: shaOf(n),
    repository: { html_url: 'https://github.com/acme/mono', clone_url: REPO, default_branch: 'main' },
    pusher: { name: 'bench' },
    commits: [{ id: shaOf(n), message: `change ${n}`, author: { name: 'bench' }, added: [], modified: ['services/shared/base.yaml'], removed: [] }],
  });
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(rawBody).digest('hex')}`,
    },
  };
}

function stormDeps(mode: 'today' | 'now', endpoints: SimEndpoint[]): SyncDeps & { audit: ReturnType<typeof countingAudit> } {
  const now = mode === 'now';
  const registry = new ArgoCDRegistry(
    clientsFor(endpoints, {
      timeoutMs: 10_000,
      concurrency: 16,
      ratePerSecond: now ? defaults.argocd.ratePerSecond : 0,
      refreshWaitMs: now ? defaults.argocd.refreshWaitMs : 10_000,
    }),
  );
  const audit = countingAudit();
  return {
    argocd: registry,
    auditStore: audit,
    audit,
    indexes: new AppIndexCache(registry, { ttlSeconds: 600, log: quiet }),
    ledger: stubLedger(),
    log: quiet,
    ...(now ? { coalescer: new CallCoalescer(undefined, { windowMs: defaults.argocd.coalesceWindowMs }), scheduler: new FairScheduler(16) } : {}),
  };
}

/** Sends `pushes` signed pushes 100 ms apart (open loop) through the intake; resolves when every worker run has ended. */
async function sendStorm(pushes: number, deps: SyncDeps) {
  const env = { GITHUB_WEBHOOK_SECRET: SECRET };
  const running: Array<Promise<{ actions: Array<{ status: string }> }>> = [];
  const intake: ReceivePushDeps = {
    config: loadConfig(env),
    secrets: new EnvSecretsProvider(env),
    queue: { enqueue: async (m) => void running.push(processPush(m, deps)) },
    auditStore: new InMemoryAuditStore(),
    ledger: new InMemoryDeliveryLedgerStore(),
  };
  const fromSchedule: number[] = [];
  const inCall: number[] = [];
  const statuses: string[] = [];
  const t0 = Date.now();
  const p0 = performance.now();
  let lastSentAt = t0;
  await Promise.all(
    Array.from(
      { length: pushes },
      (_, n) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            const started = performance.now();
            lastSentAt = Date.now();
            void receivePush(signedPush(n), intake).then(
              (r) => {
                statuses.push(r.status);
                inCall.push(performance.now() - started);
                fromSchedule.push(performance.now() - (p0 + n * 100));
                resolve();
              },
              (err: unknown) => {
                statuses.push(`refused: ${String(err)}`);
                resolve();
              },
            );
          }, n * 100);
        }),
    ),
  );
  const results = await Promise.all(running);
  const ms = (xs: number[], p: number) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        p,
      ),
      1,
    );
  return {
    t0,
    lastSentAt,
    workerDoneMs: Date.now() - t0,
    queued: statuses.filter((s) => s === 'queued').length,
    notQueued: statuses.filter((s) => s !== 'queued'),
    webhookMs: {
      p50: ms(fromSchedule, 50),
      p99: ms(fromSchedule, 99),
      max: ms(fromSchedule, 100),
      inCallP50: ms(inCall, 50),
      inCallP99: ms(inCall, 99),
    },
    actionsNotDone: results.reduce((n, r) => n + r.actions.filter((a) => a.status !== 'refreshed').length, 0),
  };
}

type StormFigures = { perApp: Record<string, number[]>; peakInFlight: number; controllerPeakQueued: number };

/**
 * The simulators' figures once they have read every refresh the worker sent. A refresh counts
 * as registered once its bytes are handed to the kernel; on a starved machine the simulators
 * read the last ones after the worker is done, and asking at once undercounts them (the first
 * full-size run reported 292 of 5,000 apps never refreshed). Asks again until every app has a
 * refresh or the count stops growing for 5 s (at most 2 minutes). `at` is when each was read.
 */
async function settledStorm(simsProcess: SimsProcess, apps: number): Promise<StormFigures & { settleMs: number }> {
  const t0 = Date.now();
  const total = (f: StormFigures) => Object.values(f.perApp).reduce((n, x) => n + x.length, 0);
  let got = await simsProcess.ask<StormFigures>({ cmd: 'storm' });
  let stableSince = Date.now();
  while (Object.keys(got.perApp).length < apps && Date.now() - stableSince < 5_000 && Date.now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 500));
    const next = await simsProcess.ask<StormFigures>({ cmd: 'storm' });
    if (total(next) > total(got)) stableSince = Date.now();
    got = next;
  }
  return { ...got, settleMs: Date.now() - t0 };
}

async function storm(mode: 'today' | 'now', apps: number, pushes: number) {
  const simsProcess = SimsProcess.start();
  const endpoints = await simsProcess.ask<SimEndpoint[]>({ cmd: 'start', seeds: stormSeeds(apps), controllerMsPerApp: 20 });
  const deps = stormDeps(mode, endpoints);
  try {
    // Warm the app index (one projected list per instance), then start counting.
    await Promise.all(endpoints.map((e) => deps.indexes.get(e.instance)));
    await simsProcess.ask({ cmd: 'clear' });
    const load = loadavg()[0];
    const sent = await sendStorm(pushes, deps);
    const got = await settledStorm(simsProcess, apps);
    const perApp = Object.values(got.perApp);
    const counts = perApp.map((x) => x.length).sort((a, b) => a - b);
    const calls = counts.reduce((a, b) => a + b, 0);
    return {
      apps,
      pushes,
      queued: sent.queued,
      ...(sent.notQueued.length ? { notQueued: sent.notQueued.slice(0, 5) } : {}),
      pushSpanMs: sent.lastSentAt - sent.t0,
      scheduledSpanMs: (pushes - 1) * 100,
      loadAverageAtStart: round(load, 1),
      argocdRefreshCalls: calls,
      appsRefreshed: perApp.length,
      callsPerApp: { mean: round(calls / apps, 2), p50: percentile(counts, 50), max: counts.at(-1) ?? 0 },
      appsWhoseLastCallFollowsTheLastPush: perApp.filter((ats) => Math.max(...ats) >= sent.lastSentAt).length,
      msUntilEveryAppsLastRefreshRegistered: Math.max(...perApp.map((ats) => Math.max(...ats))) - sent.t0,
      msUntilWorkerDone: sent.workerDoneMs,
      msSimulatorsKeptReadingAfterWorkerDone: got.settleMs,
      peakConcurrentRequestsPerInstance: got.peakInFlight,
      controllerQueuePeakPerInstance: got.controllerPeakQueued,
      webhookMs: sent.webhookMs,
      actionsNotDone: sent.actionsNotDone,
      auditRecords: deps.audit.count,
    };
  } finally {
    deps.argocd.close();
    await simsProcess.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Drift scan with and without projection; app index from the projected list

/** The in-memory drift state, counting app state writes (puts and deletes; scan marks apart). */
class CountingDriftStateStore extends InMemoryDriftStateStore {
  writes = 0;
  override putApp(...args: Parameters<InMemoryDriftStateStore['putApp']>) {
    this.writes++;
    return super.putApp(...args);
  }
  override deleteApp(...args: Parameters<InMemoryDriftStateStore['deleteApp']>) {
    this.writes++;
    return super.deleteApp(...args);
  }
}

/** A client that lists whole Applications whatever it is asked: the scan as it was before projection. */
class WholeListClient extends ArgoCDClient {
  override listApplications(options: ListApplicationsOptions = {}): Promise<Application[]> {
    return super.listApplications({ ...options, fields: undefined });
  }
}

function realisticSeeds(apps: number): Record<string, SeedInstance> {
  const seed = generateSyntheticSeed({ apps, instances: INSTANCES, driftShare: 0.02, seed: 11 });
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

/** A heap figure needs a collection first: `gc` made available without a command-line flag. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function indexFromProjectedList(endpoints: SimEndpoint[], simsProcess: SimsProcess) {
  const clients = clientsFor(endpoints, { timeoutMs: 300_000, ratePerSecond: 0 });
  try {
    await simsProcess.ask({ cmd: 'clear' });
    const t = performance.now();
    let listed: Application[][] | undefined = await Promise.all(clients.map((c) => c.listApplications({ fields: APP_INDEX_FIELDS })));
    const listMs = performance.now() - t;
    const { bytes } = await simsProcess.ask<{ bytes: number }>({ cmd: 'traffic' });
    const gc = collector();
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const t1 = performance.now();
    const indexes = listed.map((apps, i) => {
      const idx = new AppIndex();
      for (const a of apps) idx.upsert(fromArgoCDApplication(a, clients[i].name, { defaultNamespace: 'argocd' }));
      return idx;
    });
    const buildMs = performance.now() - t1;
    listed = undefined; // the index keeps compiled entries, not the listed Applications
    gc();
    return {
      listBytes: bytes,
      listMs: round(listMs),
      buildMs: round(buildMs),
      heapMb: round((process.memoryUsage().heapUsed - heap0) / 1048576, 1),
      apps: indexes.reduce((n, x) => n + x.size, 0),
    };
  } finally {
    clients.forEach((c) => c.close());
  }
}

async function driftScans(apps: number) {
  const simsProcess = SimsProcess.start();
  const endpoints = await simsProcess.ask<SimEndpoint[]>({ cmd: 'start', seeds: realisticSeeds(apps), controllerMsPerApp: 0 });
  const settings = { timeoutMs: 300_000, concurrency: 16, ratePerSecond: defaults.argocd.ratePerSecond };
  const registries = {
    projected: new ArgoCDRegistry(clientsFor(endpoints, settings)),
    whole: new ArgoCDRegistry(clientsFor(endpoints, settings, WholeListClient)),
  };
  const driftState = new CountingDriftStateStore();
  const scan = async (which: keyof typeof registries) => {
    await simsProcess.ask({ cmd: 'clear' });
    const deps = {
      config: { drift: { ...defaults.drift, maxDetailsPerScan: 1_000_000 } },
      driftState,
      auditStore: new InMemoryAuditStore(),
      argocd: registries[which],
    };
    driftState.writes = 0;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const r = await runDriftScan(deps);
    const ms = performance.now() - t;
    const scanCpuMs = cpuMsSince(cpu0);
    const traffic = await simsProcess.ask<{ bytes: number; calls: number; lists: number; appReads: number; cpuMs: number }>({ cmd: 'traffic' });
    const { drifted, repaired, skipped } = r;
    return {
      scanMs: round(ms),
      // The scan's own CPU (this process: HTTP, JSON, detection, state) and the simulators' (their process).
      scanCpuMs,
      simulatorCpuMs: traffic.cpuMs,
      bytesFromArgoCD: traffic.bytes,
      argocdCalls: traffic.calls,
      singleAppReads: traffic.appReads,
      stateWrites: driftState.writes,
      drifted,
      repaired,
      skipped,
    };
  };
  try {
    const first = await scan('projected'); // every drift new: details, states, records; not compared
    const projected = await scan('projected');
    // The projected scan above found the simulators' projected items cached by the first scan;
    // the whole scan gets the same start (not measured), so both figures are steady state.
    await simsProcess.ask({ cmd: 'warm' });
    const whole = await scan('whole');
    return {
      apps,
      loadAverage: round(loadavg()[0], 1),
      firstScanProjected: first,
      projected,
      whole,
      bytesSavedPercent: round(100 - (100 * projected.bytesFromArgoCD) / whole.bytesFromArgoCD, 1),
      ...(apps >= 50_000 || process.env.BENCH_INDEX_ALWAYS ? { indexFromProjectedList: await indexFromProjectedList(endpoints, simsProcess) } : {}),
    };
  } finally {
    Object.values(registries).forEach((r) => r.close());
    await simsProcess.close();
  }
}

async function main(): Promise<void> {
  const apps = Number(process.env.BENCH_STORM_APPS ?? 5_000);
  const pushes = Number(process.env.BENCH_PUSHES ?? 50);
  const todayPushes = Number(process.env.BENCH_TODAY_PUSHES ?? 3);
  const parts = (process.env.BENCH_PARTS ?? 'storm,drift').split(',');
  const out: Record<string, unknown> = {
    machine: 'shared 2-core VM, several developers running tests at once: times are upper bounds; simulators in their own process',
  };
  const step = async (key: string, run: () => Promise<unknown>) => {
    process.stderr.write(`scale bench: ${key}...\n`);
    out[key] = await run();
    process.stderr.write(`  ${JSON.stringify(out[key])}\n`);
  };
  if (parts.includes('storm')) {
    await step('stormNow', () => storm('now', apps, pushes));
    await step('stormToday', () => storm('today', apps, todayPushes));
  }
  if (parts.includes('drift')) {
    for (const n of (process.env.BENCH_LIST_SIZES ?? '10000,50000').split(',').map(Number)) await step(`driftScan${n}`, () => driftScans(n));
  }
  console.log(JSON.stringify(out));
}

if (process.env.SCALE_BENCH_ROLE === 'sims') simsMain();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
