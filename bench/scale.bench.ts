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
 *    `now`: coalescing (2 s), fair scheduler, rate limit 50/s, refreshes not waited for (1.5 s,
 *    then registered once a check list shows the refresh annotation).
 *    `today`: no coalescing, no rate limit, each refresh waits for ArgoCD's answer (up to the
 *    10 s call timeout, as `getApplication(refresh)` did), on BENCH_TODAY_PUSHES pushes
 *    (default 3): it makes one call per app per push by construction, which the count confirms.
 *    The webhook (sender and intake) runs in a third process (`SCALE_BENCH_ROLE=webhook`), as
 *    the webhook function is a Lambda of its own: in the worker's process, 250,000
 *    (delivery, app) actions starved the sender's timers, and 50 pushes meant to go out over
 *    4.9 s went out over 22.4 s. Its queue hands each message to the worker over IPC. Webhook
 *    latency is measured there, from the push's scheduled time and from the call itself.
 *    "Registered" is what the simulators registered (their refresh records), not what the
 *    client counted. ArgoCD calls count every request the simulators received during the storm
 *    (refresh GETs, the registration check lists, anything else). The ledger, the delivery
 *    ledger and the audit trail are in-memory/counting stubs (the figures are about ArgoCD);
 *    the worker's CPU per (delivery, app) action is reported beside them.
 * 2. Drift scan (`runDriftScan`) at 10,000 and 50,000 apps over 20 instances (4 resources and
 *    5 history entries per app, 2% drifted, 50 ms latency): bytes received from ArgoCD and scan
 *    time with the projection (`DRIFT_SCAN_FIELDS`) and without it (the same scan with clients
 *    that drop `fields`), both in steady state after a first scan; in-memory state and audit.
 *    Each scan also reports its own CPU (this process) beside the simulators' CPU (their
 *    process) over the same span, and how many app states it wrote. The simulators cache each
 *    app's JSON (whole and projected) until it changes, as their CPU is not ArgoCD's: the first
 *    scan fills the projected cache, an unmeasured whole list the whole one. One more projected
 *    scan runs with `drift.detailsRefresh: on-change` (continuing drifts keep their details).
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
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBAuditStore, type AuditInput } from '../functions/lib/audit';
import type { AuditStore } from '../functions/lib/audit/audit-store';
import { loadConfig } from '../functions/lib/config/index';
import { defaults } from '../functions/lib/config/defaults';
import { runDriftScan } from '../functions/lib/drift';
import { receivePush, type ReceivePushDeps } from '../functions/lib/intake/index';
import { AppIndex } from '../functions/lib/matching/app-index';
import { fromArgoCDApplication } from '../functions/lib/matching/from-argocd';
import { EnvSecretsProvider } from '../functions/lib/secrets/env-secrets-provider';
import { REFRESH_CHECK_FIELDS } from '../functions/lib/argocd/refresh-check';
import type { PushMessage } from '../functions/lib/queue/types';
import { ActionLedger, AppIndexCache, CallCoalescer, FairScheduler, processPush, type SyncDeps } from '../functions/lib/sync';
import { generateSyntheticSeed, startArgoCDSimulator, type SeedInstance, type StartedArgoCDSimulator } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
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
        // When each app's refreshes were registered (the simulator set the annotation and queued
        // the app), and every request received, by kind.
        const registered: Record<string, number[]> = {};
        const getsPerApp: Record<string, number> = {};
        const calls = { refreshGets: 0, checkLists: 0, otherLists: 0, other: 0, total: 0 };
        const checkFields = REFRESH_CHECK_FIELDS.join(',');
        for (const s of sims) {
          for (const r of s.sim.refreshes) (registered[`${s.sim.instance}/${r.name}`] ??= []).push(r.at);
          for (const r of s.sim.requests) {
            calls.total++;
            if (r.method === 'GET' && REFRESH_PATH.test(r.path) && r.query.refresh) {
              calls.refreshGets++;
              getsPerApp[`${s.sim.instance}${r.path}`] = (getsPerApp[`${s.sim.instance}${r.path}`] ?? 0) + 1;
            } else if (r.method === 'GET' && r.path === '/api/v1/applications') {
              if (r.query.fields === checkFields) calls.checkLists++;
              else calls.otherLists++;
            } else calls.other++;
          }
        }
        return {
          registered,
          maxGetsPerApp: Math.max(0, ...Object.values(getsPerApp)),
          calls,
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

  static start(role: 'sims' | 'webhook' | 'dynamo' = 'sims', onPush?: (m: PushMessage) => void): SimsProcess {
    // A larger heap: 50,000 apps with their status, and their JSON, live in this process.
    const child = fork(__filename, [], {
      env: { ...process.env, SCALE_BENCH_ROLE: role },
      execArgv: [
        '--import',
        'tsx',
        '--max-old-space-size=6144',
        ...(role === 'sims' ? (process.env.BENCH_SIMS_NODE_ARGS?.split(' ').filter(Boolean) ?? []) : []),
      ],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    if (onPush) child.on('message', (m: { push?: PushMessage }) => m.push && onPush(m.push));
    return new SimsProcess(child);
  }

  ask<T>(req: SimsRequest | WebhookRequest | { cmd: 'start' | 'stop' }): Promise<T> {
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
function countingAudit(inner?: AuditStore): AuditStore & { count: number } {
  const s = {
    count: 0,
    append: async (r: AuditInput) => {
      s.count++;
      return inner ? inner.append(r) : r;
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

/** The real ledger and audit store on dynalite, counting the DynamoDB calls they make. */
interface RealStores {
  ledger: ActionLedger;
  auditStore: AuditStore;
  calls: { n: number };
}

async function realStores(endpoint: string): Promise<RealStores> {
  const client = localDynamoClient(endpoint);
  const names = await ensureTables(client, `storm-${Date.now()}`);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const calls = { n: 0 };
  const counting = { send: (cmd: never) => (calls.n++, doc.send(cmd)) } as unknown as DynamoDBDocumentClient;
  return {
    ledger: new ActionLedger({ doc: counting, tableName: names.state }),
    auditStore: new DynamoDBAuditStore({ tableName: names.audit, client: counting, logger: quiet }),
    calls,
  };
}

function stormDeps(mode: 'today' | 'now', endpoints: SimEndpoint[], stores?: RealStores): SyncDeps & { audit: ReturnType<typeof countingAudit> } {
  const now = mode === 'now';
  const registry = new ArgoCDRegistry(
    clientsFor(endpoints, {
      timeoutMs: 10_000,
      concurrency: 16,
      ratePerSecond: now ? defaults.argocd.ratePerSecond : 0,
      refreshWaitMs: now ? defaults.argocd.refreshWaitMs : 10_000,
    }),
  );
  const audit = countingAudit(stores?.auditStore);
  return {
    argocd: registry,
    auditStore: audit,
    audit,
    indexes: new AppIndexCache(registry, { ttlSeconds: 600, log: quiet }),
    ledger: stores?.ledger ?? stubLedger(),
    log: quiet,
    ...(now ? { coalescer: new CallCoalescer(undefined, { windowMs: defaults.argocd.coalesceWindowMs }), scheduler: new FairScheduler(16) } : {}),
  };
}

/** The DynamoDB process: dynalite in memory; answers its endpoint. */
function dynamoMain(): void {
  let running: Awaited<ReturnType<typeof startEmbeddedDynamo>> | undefined;
  process.on('message', (m: { id: number; req: { cmd: 'start' | 'stop' } }) => {
    const work: Promise<unknown> =
      m.req.cmd === 'start' ? startEmbeddedDynamo().then((d) => ((running = d), d.endpoint)) : (running?.close() ?? Promise.resolve()).then(() => ({}));
    work.then(
      (result) => process.send!({ id: m.id, result }),
      (err: unknown) => process.send!({ id: m.id, error: String(err) }),
    );
  });
}

/** What the parent asks the webhook process. */
type WebhookRequest = { cmd: 'send'; pushes: number } | { cmd: 'stop' };

/** The webhook's figures for one storm. */
interface SentStorm {
  t0: number;
  lastSentAt: number;
  queued: number;
  notQueued: string[];
  webhookMs: { p50: number; p99: number; max: number; inCallP50: number; inCallP99: number };
}

const ms = (xs: number[], p: number) =>
  round(
    percentile(
      [...xs].sort((a, b) => a - b),
      p,
    ),
    1,
  );

/**
 * The webhook's process: sends `pushes` signed pushes 100 ms apart (open loop) through the real
 * intake, whose queue hands each message to the worker's process over IPC.
 */
function webhookMain(): void {
  const env = { GITHUB_WEBHOOK_SECRET: SECRET };
  const intake: ReceivePushDeps = {
    config: loadConfig(env),
    secrets: new EnvSecretsProvider(env),
    queue: { enqueue: async (push: PushMessage) => void process.send!({ push }) },
    auditStore: new InMemoryAuditStore(),
    ledger: new InMemoryDeliveryLedgerStore(),
  };
  const send = async (pushes: number): Promise<SentStorm> => {
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
              receivePush(signedPush(n), intake).then(
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
    return {
      t0,
      lastSentAt,
      queued: statuses.filter((x) => x === 'queued').length,
      notQueued: statuses.filter((x) => x !== 'queued'),
      webhookMs: { p50: ms(fromSchedule, 50), p99: ms(fromSchedule, 99), max: ms(fromSchedule, 100), inCallP50: ms(inCall, 50), inCallP99: ms(inCall, 99) },
    };
  };
  process.on('message', (m: { id: number; req: WebhookRequest }) => {
    const work: Promise<unknown> = m.req.cmd === 'send' ? send(m.req.pushes) : Promise.resolve({});
    work.then(
      (result) => process.send!({ id: m.id, result }),
      (err: unknown) => process.send!({ id: m.id, error: String(err) }),
    );
  });
}

type StormFigures = {
  registered: Record<string, number[]>;
  maxGetsPerApp: number;
  calls: { refreshGets: number; checkLists: number; otherLists: number; other: number; total: number };
  peakInFlight: number;
  controllerPeakQueued: number;
};

async function storm(mode: 'today' | 'now', apps: number, pushes: number, store: 'stubs' | 'dynalite' = 'stubs') {
  const simsProcess = SimsProcess.start();
  const endpoints = await simsProcess.ask<SimEndpoint[]>({ cmd: 'start', seeds: stormSeeds(apps), controllerMsPerApp: 20 });
  // dynalite in a process of its own, like DynamoDB (only when the real stores are measured).
  const dynamoProcess = store === 'dynalite' ? SimsProcess.start('dynamo') : undefined;
  const stores = dynamoProcess ? await realStores(await dynamoProcess.ask<string>({ cmd: 'start' })) : undefined;
  const deps = stormDeps(mode, endpoints, stores);
  const running: Array<Promise<{ actions: Array<{ status: string }> }>> = [];
  const webhook = SimsProcess.start('webhook', (m) => running.push(processPush(m, deps)));
  try {
    // Warm the app index (one projected list per instance), then start counting.
    await Promise.all(endpoints.map((e) => deps.indexes.get(e.instance)));
    await simsProcess.ask({ cmd: 'clear' });
    const load = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const sent = await webhook.ask<SentStorm>({ cmd: 'send', pushes });
    const results = await Promise.all(running);
    const workerDoneMs = Date.now() - sent.t0;
    const cpu = process.cpuUsage(cpu0);
    const got = await simsProcess.ask<StormFigures>({ cmd: 'storm' });
    // Registered means shown by ArgoCD, so nothing may still come in: asked again 3 s later.
    await new Promise((r) => setTimeout(r, 3_000));
    const later = await simsProcess.ask<StormFigures>({ cmd: 'storm' });
    const count = (f: StormFigures) => Object.values(f.registered).reduce((n, x) => n + x.length, 0);
    const last = Object.values(got.registered).map((ats) => Math.max(...ats));
    const actions = results.reduce((n, r) => n + r.actions.length, 0);
    return {
      apps,
      pushes,
      store,
      queued: sent.queued,
      ...(sent.notQueued.length ? { notQueued: sent.notQueued.slice(0, 5) } : {}),
      pushSpanMs: sent.lastSentAt - sent.t0,
      scheduledSpanMs: (pushes - 1) * 100,
      loadAverageAtStart: round(load, 1),
      argocdCalls: {
        ...got.calls,
        perApp: round(got.calls.total / apps, 2),
        refreshGetsPerApp: round(got.calls.refreshGets / apps, 2),
        maxRefreshGetsPerApp: got.maxGetsPerApp,
      },
      refreshesRegistered: count(got),
      refreshGetsNotActedOn: got.calls.refreshGets - count(got),
      appsRegistered: last.length,
      appsNeverRegistered: apps - last.length,
      appsWhoseLastRegistrationFollowsTheLastPush: last.filter((at) => at >= sent.lastSentAt).length,
      msUntilEveryAppsLastRefreshRegistered: Math.max(...last) - sent.t0,
      msUntilWorkerDone: workerDoneMs,
      registrationsAfterWorkerDone: count(later) - count(got),
      peakConcurrentRequestsPerInstance: got.peakInFlight,
      controllerQueuePeakPerInstance: got.controllerPeakQueued,
      webhookMs: sent.webhookMs,
      actions,
      actionsNotDone: results.reduce((n, r) => n + r.actions.filter((a) => a.status !== 'refreshed').length, 0),
      workerCpuMs: round((cpu.user + cpu.system) / 1000),
      workerCpuPerActionUs: round((cpu.user + cpu.system) / Math.max(1, actions), 1),
      auditRecords: deps.audit.count,
      ...(stores ? { dynamodbCalls: stores.calls.n, dynamodbCallsPerAction: round(stores.calls.n / Math.max(1, actions), 2) } : {}),
    };
  } finally {
    deps.argocd.close();
    await webhook.close();
    await dynamoProcess?.close();
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
  const scan = async (which: keyof typeof registries, detailsRefresh = defaults.drift.detailsRefresh) => {
    await simsProcess.ask({ cmd: 'clear' });
    const deps = {
      config: { drift: { ...defaults.drift, maxDetailsPerScan: 1_000_000, detailsRefresh } },
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
    // The same steady scan with `detailsRefresh: on-change`: details only for drifts that changed.
    const projectedDetailsOnChange = await scan('projected', 'on-change');
    // The projected scan above found the simulators' projected items cached by the first scan;
    // the whole scan gets the same start (not measured), so both figures are steady state.
    await simsProcess.ask({ cmd: 'warm' });
    const whole = await scan('whole');
    return {
      apps,
      loadAverage: round(loadavg()[0], 1),
      firstScanProjected: first,
      projected,
      projectedDetailsOnChange,
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
  if (parts.includes('storm-dynalite')) {
    // The per-(delivery, app) bookkeeping with the real ledger and audit store (on dynalite), at
    // BENCH_DYNALITE_APPS (default 1,000) x BENCH_DYNALITE_PUSHES (default 20), beside the stubs.
    const dApps = Number(process.env.BENCH_DYNALITE_APPS ?? 1_000);
    const dPushes = Number(process.env.BENCH_DYNALITE_PUSHES ?? 20);
    await step('stormNowStubsSmall', () => storm('now', dApps, dPushes));
    await step('stormNowDynaliteSmall', () => storm('now', dApps, dPushes, 'dynalite'));
  }
  if (parts.includes('drift')) {
    for (const n of (process.env.BENCH_LIST_SIZES ?? '10000,50000').split(',').map(Number)) await step(`driftScan${n}`, () => driftScans(n));
  }
  console.log(JSON.stringify(out));
}

if (process.env.SCALE_BENCH_ROLE === 'sims') simsMain();
else if (process.env.SCALE_BENCH_ROLE === 'webhook') webhookMain();
else if (process.env.SCALE_BENCH_ROLE === 'dynamo') dynamoMain();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
