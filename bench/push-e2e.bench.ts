/**
 * End-to-end push benchmark on the local stack, in one process: the HTTP adapter and the real
 * webhook handler (verify, parse, Powertools idempotency on dynalite, audit, enqueue), the
 * in-process queue, the real sync worker (app index, claims, audit) and the ArgoCD simulator
 * over HTTP. Three scenarios, each on a fresh stack:
 *
 * - `latency`: one delivery at a time; time from sending the webhook request to the simulator
 *   registering the refresh (or the sync, for sync-on-push apps). Target p99 < 1 s.
 * - `throughput`: deliveries sent open-loop at `BENCH_RATE` (default 300/s) for
 *   `BENCH_DURATION_S` (default 60) s; every delivery must end with one refresh in the
 *   simulator and its `webhook.received` + `app.refreshed` records in the audit table.
 * - `faults`: `BENCH_FAULT_DELIVERIES` (default 10,000) requests of which 30% re-send an earlier
 *   delivery, while the simulator answers 10% of calls with 503 and adds `BENCH_FAULT_LATENCY_MS`
 *   (default 10) ms to every call; each delivery has its own app, so the simulator's refreshes
 *   per app are the actions per (delivery, app) and must all be exactly 1.
 *
 * - `syncTarget` (issue 12 item 1, before/after in one run): sync-on-push apps only, one delivery
 *   at a time, alternating between today's call (sync the app's own targetRevision: the branch)
 *   and the call the worker made before issue 12 (sync the payload's sha), reproduced by
 *   wrapping the worker's ArgoCD client, since that code is gone; time from sending the webhook
 *   request to the simulator starting the sync, and what revision the simulator received.
 * - `intakeCost` (issue 12 figures, before/after in one run): the intake hot path alone (no
 *   HTTP, no worker), against dynalite in its own process: CPU per delivery and DynamoDB calls
 *   per delivery. After: `receivePush` with the delivery ledger. Before: the same verify and
 *   parse, then the two calls Powertools Idempotency made (conditional PutItem `INPROGRESS`,
 *   UpdateItem `COMPLETED`), reproduced with the same commands because the package and that code
 *   are gone; the audit append and the enqueue are the same in both.
 *
 * `BENCH_SCENARIOS=latency,throughput,faults,syncTarget,intakeCost` picks scenarios (default:
 * all). Prints one JSON object last.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { DynamoDBAuditStore } from '../functions/lib/audit';
import { defaults } from '../functions/lib/config';
import { receivePush } from '../functions/lib/intake';
import { DynamoDBDeliveryLedgerStore } from '../functions/lib/intake/dynamodb-delivery-ledger-store';
import { detectProvider, type PushEvent } from '../functions/lib/providers';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import type { SeedApp } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { startLocalStack, type LocalStack } from '../local/stack';
import { percentile } from './stats';

const SECRET = 'bench-secret';
const TEMPLATE = JSON.parse((JSON.parse(readFileSync(join(__dirname, '../events/webhook/github-push.json'), 'utf8')) as { body: string }).body) as Record<
  string,
  unknown
>;
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

const repoUrl = (i: number) => `https://github.com/bench/repo-${i}.git`;

/** A signed GitHub push of `master` to repo `i`. */
function delivery(i: number, deliveryId = randomUUID()) {
  const sha = createHmac('sha1', 'sha').update(deliveryId).digest('hex');
  const body = JSON.stringify({
    ...TEMPLATE,
    ref: 'refs/heads/master',
    after: sha,
    repository: {
      ...(TEMPLATE.repository as object),
      name: `repo-${i}`,
      full_name: `bench/repo-${i}`,
      html_url: `https://github.com/bench/repo-${i}`,
      clone_url: repoUrl(i),
      ssh_url: `git@github.com:bench/repo-${i}.git`,
      git_url: `git://github.com/bench/repo-${i}.git`,
      url: `https://github.com/bench/repo-${i}`,
      default_branch: 'master',
    },
  });
  const headers = {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
  };
  return { deliveryId, body, headers };
}

function seedApps(n: number, syncOnPushEvery = 0): SeedApp[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `app-${i}`,
    source: { repoURL: repoUrl(i), path: '.', targetRevision: 'master' },
    resources: [{ kind: 'Deployment', name: `app-${i}` }],
    ...(syncOnPushEvery && i % syncOnPushEvery === 1 ? { annotations: { 'gitops-sentinel/sync-on-push': 'true' } } : {}),
  }));
}

/**
 * dynalite in a child process (`BENCH_DYNAMO=process`, the default), so the embedded DynamoDB
 * gets its own core instead of sharing the stack's event loop; `BENCH_DYNAMO=embedded` keeps
 * it in process as `npm start` does.
 */
let dynamoChild: { endpoint: string; child: ChildProcess } | undefined;
async function externalDynamo(): Promise<string | undefined> {
  if ((env.BENCH_DYNAMO ?? 'process') === 'embedded') return undefined;
  if (dynamoChild) return dynamoChild.endpoint;
  // The child answers each line on stdin with its own CPU time, for the per-delivery CPU figures.
  const code =
    "process.on('SIGTERM',()=>process.exit(0));process.stdin.on('data',()=>process.stdout.write(JSON.stringify(process.cpuUsage())+'\\n'));" +
    "const s=require('dynalite')({createTableMs:0,deleteTableMs:0,updateTableMs:0});" +
    "s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))";
  const child = spawn(process.execPath, [...(env.BENCH_DYNAMO_NODE_ARGS ? env.BENCH_DYNAMO_NODE_ARGS.split(' ') : []), '-e', code], {
    cwd: join(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()));
    child.once('exit', (c) => reject(new Error(`dynalite exited ${c}`)));
  });
  dynamoChild = { endpoint: `http://127.0.0.1:${port}`, child };
  return dynamoChild.endpoint;
}

/** CPU time (user + system, ms) the dynalite child has used so far; undefined when it runs embedded. */
async function dynamoCpuMs(): Promise<number | undefined> {
  if (!dynamoChild) return undefined;
  const { child } = dynamoChild;
  const line = new Promise<string>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));
  child.stdin!.write('\n');
  const usage = JSON.parse(await line) as NodeJS.CpuUsage;
  return (usage.user + usage.system) / 1000;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Counts a document client's DynamoDB calls per operation (the document client shares the
 * client's middleware stack); with `byTable`, per operation and table id (`PutItem audit`,
 * the part of the physical name after its last `-`).
 */
function countDynamoCalls(doc: DynamoDBDocumentClient, byTable = false): Record<string, number> {
  const counts: Record<string, number> = {};
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as { TableName?: string; RequestItems?: Record<string, unknown> };
      const tables = byTable ? [input.TableName ?? Object.keys(input.RequestItems ?? {})[0] ?? '?'] : [];
      const key = byTable ? `${op} ${tables[0].slice(tables[0].lastIndexOf('-') + 1)}` : op;
      counts[key] = (counts[key] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
  return counts;
}

async function stackWith(apps: SeedApp[]): Promise<LocalStack> {
  const dynamodbEndpoint = await externalDynamo();
  return startLocalStack({
    ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
    env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: `bench-${randomUUID().slice(0, 6)}`, PATH: env.PATH },
    port: 0,
    dataDir: null,
    simulatorSyncMs: 5,
    simulatorSeed: { instances: { default: { apps } } },
  });
}

/**
 * Calls `onAction(appName, kind, request)` when the simulator registers a refresh or starts a
 * sync; `request` is the sync request as the simulator received it (its `revision`).
 */
function watchActions(stack: LocalStack, onAction: (name: string, kind: 'refresh' | 'sync', request?: { revision?: string }) => void): void {
  const sim = stack.simulators!.instances.default.sim as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const kind of ['refresh', 'sync'] as const) {
    const original = sim[kind].bind(sim);
    sim[kind] = (sa: unknown, ...rest: unknown[]) => {
      const out = original(sa, ...rest);
      onAction((sa as { app: { metadata: { name: string } } }).app.metadata.name, kind, kind === 'sync' ? (rest[0] as { revision?: string }) : undefined);
      return out;
    };
  }
}

async function post(stack: LocalStack, d: ReturnType<typeof delivery>): Promise<{ status: number; body: { status?: string } }> {
  const res = await fetch(`${stack.url}/api/webhook`, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as { status?: string } };
}

const round = (x: number) => Math.round(x * 10) / 10;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) };
};

/** Counts audit records per kind and the distinct delivery ids per kind (a bench-only Scan). */
async function auditCounts(stack: LocalStack) {
  const perKind: Record<string, number> = {};
  const deliveries: Record<string, Map<string, number>> = {};
  for await (const page of paginateScan({ client: stack.deps.doc }, { TableName: stack.tables.audit, ProjectionExpression: 'kind, deliveryId' })) {
    for (const item of page.Items ?? []) {
      const kind = item.kind as string;
      perKind[kind] = (perKind[kind] ?? 0) + 1;
      const byId = (deliveries[kind] ??= new Map());
      byId.set(item.deliveryId as string, (byId.get(item.deliveryId as string) ?? 0) + 1);
    }
  }
  return { perKind, deliveries };
}

async function latencyScenario() {
  const n = num('BENCH_LATENCY_DELIVERIES', 300);
  const stack = await stackWith(seedApps(n, 4));
  const waiting = new Map<string, (at: number) => void>();
  watchActions(stack, (name) => waiting.get(name)?.(performance.now()));
  const refresh: number[] = [];
  const sync: number[] = [];
  const accepted: number[] = [];
  // One warm-up delivery: the first push lists the apps (the index is cached afterwards).
  for (let i = -1; i < n; i++) {
    const app = i < 0 ? 0 : i;
    const d = delivery(app);
    const arrived = new Promise<number>((resolve) => waiting.set(`app-${app}`, resolve));
    const t0 = performance.now();
    const res = await post(stack, d);
    const t1 = performance.now();
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    const at = await arrived;
    waiting.delete(`app-${app}`);
    if (i < 0) continue;
    accepted.push(t1 - t0);
    (app % 4 === 1 ? sync : refresh).push(at - t0);
  }
  await stack.queue.drain();
  await stack.close();
  return {
    deliveries: n,
    webhookAcceptedMs: summary(accepted),
    webhookToRefreshMs: summary(refresh),
    webhookToSyncMs: summary(sync),
    webhookToActionMs: summary([...refresh, ...sync]),
    targetP99Ms: 1000,
  };
}

/** What the throughput load generator is asked to do. */
interface OpenLoopJob {
  url: string;
  rate: number;
  durationS: number;
  nApps: number;
  maxInFlight: number;
}

/** What it reports; times are epoch ms (`performance.timeOrigin + performance.now()`), comparable across processes. */
interface OpenLoopResult {
  sent: string[];
  statuses: Record<string, number>;
  maxSeenInFlight: number;
  skippedForInFlightCap: number;
  start: number;
  sendEnd: number;
  acceptedEnd: number;
  /** CPU time the load generator used while sending (ms), signing excluded (done before). */
  cpuMs: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Sends `rate` deliveries/s open-loop for `durationS` s (at most `maxInFlight` unanswered), as
 * GitHub would: each its own signed request, over keep-alive connections (node:http, lighter
 * than fetch). Every delivery is built and signed before the clock starts (GitHub signs on its
 * own servers, not on the two cores under test). `onTick` runs every 5 ms tick (the in-process
 * mode samples the queue there).
 */
async function openLoop(job: OpenLoopJob, onTick: () => void = () => {}): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxInFlight });
  const target = new URL(`${job.url}/api/webhook`);
  type Signed = { deliveryId: string; body: Buffer; headers: Record<string, string | number> };
  const send = (d: Signed) =>
    new Promise<{ status: number; body: { status?: string } }>((resolve, reject) => {
      const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: d.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: string } });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(d.body);
    });
  const sent: string[] = [];
  const statuses: Record<string, number> = {};
  let inFlight = 0;
  let maxSeenInFlight = 0;
  let skippedForInFlightCap = 0;
  const pending = new Set<Promise<void>>();
  const total = Math.round(job.rate * job.durationS);
  const planned: Signed[] = Array.from({ length: total }, (_, i) => {
    const d = delivery(i % job.nApps);
    const body = Buffer.from(d.body);
    return { deliveryId: d.deliveryId, body, headers: { ...d.headers, 'content-length': body.length } };
  });
  let next = 0;
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * job.rate));
      while (next < due) {
        if (inFlight >= job.maxInFlight) {
          skippedForInFlightCap++;
          break;
        }
        const d = planned[next];
        next++;
        sent.push(d.deliveryId);
        inFlight++;
        maxSeenInFlight = Math.max(maxSeenInFlight, inFlight);
        const p = send(d)
          .then((r) => {
            const key = `${r.status} ${r.body.status ?? ''}`;
            statuses[key] = (statuses[key] ?? 0) + 1;
          })
          .catch(() => {
            statuses.networkError = (statuses.networkError ?? 0) + 1;
          })
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
      onTick();
      if (next >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const sendEnd = epochNow();
  await Promise.all([...pending]);
  const acceptedEnd = epochNow();
  const cpuMs = ownCpuMs() - cpu0;
  agent.destroy();
  return { sent, statuses, maxSeenInFlight, skippedForInFlightCap, start: performance.timeOrigin + t0, sendEnd, acceptedEnd, cpuMs };
}

/**
 * The load generator in its own process (`BENCH_LOADGEN=process`, the default): the webhook
 * senders are external actors, so they get their own event loop instead of taking turns with
 * the stack's; `BENCH_LOADGEN=inprocess` sends from the bench process itself.
 */
function openLoopInChild(job: OpenLoopJob): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    // fork keeps the parent's execArgv, so the child runs this file under tsx too.
    const child = fork(__filename, [], { env: { ...env, BENCH_ROLE: 'loadgen' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as OpenLoopResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
    child.send(job);
  });
}

async function throughputScenario() {
  const rate = num('BENCH_RATE', 300);
  const durationS = num('BENCH_DURATION_S', 60);
  const nApps = num('BENCH_APPS', 1000);
  const maxInFlight = num('BENCH_MAX_IN_FLIGHT', 512);
  const stack = await stackWith(seedApps(nApps));
  let refreshes = 0;
  watchActions(stack, () => refreshes++);
  await post(stack, delivery(0)); // warm-up: lists the apps once
  await stack.queue.drain();
  refreshes = 0;
  const warmStats = stack.queue.stats();
  const dynamoCalls = countDynamoCalls(stack.deps.doc);
  const stackCpu0 = ownCpuMs();
  const dynamoCpu0 = await dynamoCpuMs();

  let maxBacklog = 0;
  const sample = () => {
    const q = stack.queue.stats();
    maxBacklog = Math.max(maxBacklog, q.pending + q.inFlight);
  };
  const job: OpenLoopJob = { url: stack.url, rate, durationS, nApps, maxInFlight };
  let run: OpenLoopResult;
  if (loadgenMode() === 'process') {
    const sampler = setInterval(sample, 5);
    try {
      run = await openLoopInChild(job);
    } finally {
      clearInterval(sampler);
    }
  } else {
    run = await openLoop(job, sample);
  }
  const { sent, statuses, start } = run;
  // The load generator's clock and ours share the epoch: convert to this process' performance.now().
  const sendEnd = run.sendEnd - performance.timeOrigin;
  const acceptedEnd = run.acceptedEnd - performance.timeOrigin;
  const startAt = start - performance.timeOrigin;
  await stack.queue.drain();
  const drainedEnd = performance.now();
  const stackCpu = ownCpuMs() - stackCpu0;
  const dynamoCpu0End = await dynamoCpuMs();
  const dynamoCpu = dynamoCpu0End === undefined || dynamoCpu0 === undefined ? undefined : dynamoCpu0End - dynamoCpu0;
  const q = stack.queue.stats();
  const calls = { ...dynamoCalls };
  const audit = await auditCounts(stack);
  const received = audit.deliveries['webhook.received'] ?? new Map();
  const refreshed = audit.deliveries['app.refreshed'] ?? new Map();
  const lostDeliveries = sent.filter((id) => !refreshed.has(id)).length;
  const lostReceivedRecords = sent.filter((id) => !received.has(id)).length;
  await stack.close();
  const elapsedS = (drainedEnd - startAt) / 1000;
  return {
    offeredRatePerS: rate,
    durationS,
    apps: nApps,
    loadGenerator: loadgenMode() === 'process' ? 'own process (node:http, keep-alive)' : 'in the bench process (node:http, keep-alive)',
    sent: sent.length,
    sendSeconds: round((sendEnd - startAt) / 1000),
    acceptedRatePerS: round(sent.length / ((acceptedEnd - startAt) / 1000)),
    processedRatePerS: round((q.succeeded - warmStats.succeeded) / elapsedS),
    drainAfterLastSendMs: round(drainedEnd - sendEnd),
    maxQueueBacklog: maxBacklog,
    maxRequestsInFlight: run.maxSeenInFlight,
    ticksHeldBackByInFlightCap: run.skippedForInFlightCap,
    responses: statuses,
    simulatorRefreshes: refreshes,
    queue: { ...q, deadLettered: q.deadLettered },
    audit: audit.perKind,
    lostDeliveries,
    lostAuditRecords: lostReceivedRecords + lostDeliveries,
    duplicateAppRecords: [...refreshed.values()].filter((c) => c > 1).length,
    cost: costPerDelivery({ deliveries: sent.length, rate, stackCpu, dynamoCpu, loadgenCpu: loadgenMode() === 'process' ? run.cpuMs : undefined, calls }),
  };
}

/**
 * Where the CPU goes, per delivery, from start of sending to drained: the stack process (HTTP
 * adapter, webhook, queue, worker, simulator, AWS SDK), dynalite's process and the load
 * generator's; the DynamoDB calls the stack made; and the throughput those costs allow on this
 * machine's cores (`cores x 1000 / total ms`) next to the budget the offered rate leaves.
 */
function costPerDelivery(m: {
  deliveries: number;
  rate: number;
  stackCpu: number;
  dynamoCpu: number | undefined;
  loadgenCpu: number | undefined;
  calls: Record<string, number>;
}) {
  const per = (x: number | undefined) => (x === undefined ? undefined : Math.round((x / m.deliveries) * 100) / 100);
  const total = m.stackCpu + (m.dynamoCpu ?? 0) + (m.loadgenCpu ?? 0);
  const cores = cpus().length;
  const callsPerDelivery = Object.fromEntries(Object.entries(m.calls).map(([op, n]) => [op, Math.round((n / m.deliveries) * 100) / 100]));
  return {
    cpuMsPerDelivery: {
      stackProcess: per(m.stackCpu),
      dynalite: per(m.dynamoCpu) ?? 'in the stack process',
      loadGenerator: per(m.loadgenCpu) ?? 'in the stack process',
      total: per(total),
    },
    dynamodbCallsPerDelivery: { ...callsPerDelivery, all: Math.round((Object.values(m.calls).reduce((a, b) => a + b, 0) / m.deliveries) * 100) / 100 },
    cpuBudgetMsPerDeliveryAtOfferedRate: Math.round(((cores * 1000) / m.rate) * 100) / 100,
    cpuBoundCeilingPerS: Math.round((cores * 1000) / (total / m.deliveries)),
  };
}

const loadgenMode = () => ((env.BENCH_LOADGEN ?? 'process') === 'inprocess' ? 'inprocess' : 'process');

async function faultsScenario() {
  const requests = num('BENCH_FAULT_DELIVERIES', 10_000);
  const duplicateShare = 0.3;
  const unique = Math.round(requests * (1 - duplicateShare));
  const concurrency = num('BENCH_FAULT_CONCURRENCY', 64);
  const stack = await stackWith(seedApps(unique));
  const perApp = new Map<string, number>();
  watchActions(stack, (name) => perApp.set(name, (perApp.get(name) ?? 0) + 1));
  const sim = stack.simulators!.instances.default.sim;
  sim.injectFaults({ failRate: 0.1, failStatus: 503, latencyMs: num('BENCH_FAULT_LATENCY_MS', 10) });

  // Deliveries 0..unique-1, each to its own app; 30% of the requests re-send one already sent
  // (sometimes while the first is still in flight).
  const originals = Array.from({ length: unique }, (_, i) => delivery(i));
  // Exactly `unique` originals and `requests - unique` re-sends, each re-send placed at a
  // random point after its original (close behind it, so some arrive while it is in flight).
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pendingResends: Array<[at: number, original: number]> = [];
  for (let k = 0; k < requests - unique; k++) {
    const j = Math.floor(rnd() * unique);
    pendingResends.push([Math.min(unique - 1, j + Math.floor(rnd() * 50)), j]);
  }
  pendingResends.sort((a, b) => a[0] - b[0]);
  const plan: Array<ReturnType<typeof delivery>> = [];
  let r = 0;
  for (let i = 0; i < unique; i++) {
    plan.push(originals[i]);
    while (r < pendingResends.length && pendingResends[r][0] === i) plan.push(originals[pendingResends[r++][1]]);
  }
  if (plan.length !== requests) throw new Error(`plan has ${plan.length} requests, expected ${requests}`);
  const statuses: Record<string, number> = {};
  const start = performance.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (cursor < plan.length) {
        const d = plan[cursor++];
        const r = await post(stack, d).catch((): Awaited<ReturnType<typeof post>> => ({ status: 0, body: {} }));
        const key = `${r.status} ${r.body.status ?? ''}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  const sentEnd = performance.now();
  await stack.queue.drain();
  const drained = performance.now();
  const q = stack.queue.stats();
  const audit = await auditCounts(stack);
  const injected = sim.requests.filter((r) => r.status === 503).length;
  const counts = originals.map((_, i) => perApp.get(`app-${i}`) ?? 0);
  const accounted = originals.filter((d) => {
    const done = audit.deliveries['app.refreshed']?.get(d.deliveryId) ?? 0;
    const failed = audit.deliveries['app.failed']?.get(d.deliveryId) ?? 0;
    return (audit.deliveries['webhook.received']?.get(d.deliveryId) ?? 0) === 1 && done + failed === 1;
  }).length;
  await stack.close();
  return {
    requests,
    uniqueDeliveries: unique,
    duplicateRequests: requests - unique,
    simulatorFailRate: 0.1,
    simulatorLatencyMs: num('BENCH_FAULT_LATENCY_MS', 10),
    injected503sInLast10kRecordedRequests: injected,
    responses: statuses,
    sendSeconds: round((sentEnd - start) / 1000),
    totalSeconds: round((drained - start) / 1000),
    queue: q,
    actionsPerDeliveryApp: {
      exactlyOne: counts.filter((c) => c === 1).length,
      zero: counts.filter((c) => c === 0).length,
      moreThanOne: counts.filter((c) => c > 1).length,
    },
    audit: audit.perKind,
    deliveriesFullyAccounted: accounted,
    duplicatesAudited: audit.perKind['webhook.duplicate'] ?? 0,
  };
}

/**
 * Sync-on-push latency, syncing the branch (today) vs the payload's sha (before issue 12), one
 * delivery at a time, alternating, on one stack: both see the same machine and the same load.
 */
async function syncTargetScenario() {
  const n = num('BENCH_SYNC_TARGET_DELIVERIES', 200);
  // Odd apps are sync-on-push (seedApps marks i % 2 === 1); only they get deliveries.
  const stack = await stackWith(seedApps(2 * n + 2, 2));
  const client = stack.deps.argocd.get('default');
  // The worker's client (argocdFor(deps, 'worker') is deps.argocd without per-purpose tokens).
  // "before": the pre-issue-12 call, sync to the revision the payload named.
  const payloadSha = new Map<string, string>();
  const syncApplication = client.syncApplication.bind(client);
  client.syncApplication = (ref, options = {}) => {
    const sha = payloadSha.get(ref.name);
    return syncApplication(ref, sha ? { ...options, revision: sha } : options);
  };
  const waiting = new Map<string, (r: { at: number; revision?: string }) => void>();
  watchActions(stack, (name, kind, request) => {
    if (kind === 'sync') waiting.get(name)?.({ at: performance.now(), revision: request?.revision });
  });
  const times = { branch: [] as number[], payloadSha: [] as number[] };
  const received = { branch: { noRevision: 0, other: 0 }, payloadSha: { payloadRevision: 0, other: 0 } };
  // One warm-up delivery lists the apps (the index is cached afterwards).
  for (let i = -1; i < n; i++) {
    const app = 2 * (i + 1) + 1;
    const mode = i % 2 === 0 ? 'payloadSha' : 'branch';
    const d = delivery(app);
    const sha = (JSON.parse(d.body) as { after: string }).after;
    if (mode === 'payloadSha') payloadSha.set(`app-${app}`, sha);
    const arrived = new Promise<{ at: number; revision?: string }>((resolve) => waiting.set(`app-${app}`, resolve));
    const t0 = performance.now();
    const res = await post(stack, d);
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    const r = await arrived;
    waiting.delete(`app-${app}`);
    if (i < 0) continue;
    times[mode].push(r.at - t0);
    if (mode === 'branch') received.branch[r.revision === undefined || r.revision === '' ? 'noRevision' : 'other']++;
    else received.payloadSha[r.revision === sha ? 'payloadRevision' : 'other']++;
  }
  await stack.queue.drain();
  await stack.close();
  return {
    deliveries: n,
    note: 'payloadSha reproduces the pre-issue-12 call (sync to the payload sha) by wrapping the worker client; branch is the code as it is',
    webhookToSyncMs: { branch: summary(times.branch), payloadSha: summary(times.payloadSha) },
    simulatorReceived: received,
  };
}

/**
 * The intake's hot path before issue 12 (71da741^), reproduced for the before/after figures:
 * the same detect, verify and parse as today, then what Powertools Idempotency did around the
 * enqueue and the audit append (the package and that code are gone).
 */
function preIssue12Intake(doc: DynamoDBDocumentClient, table: string, secrets: EnvSecretsProvider, auditStore: DynamoDBAuditStore) {
  // makeIdempotent around enqueue + audit: a conditional PutItem (INPROGRESS) first, an UpdateItem (COMPLETED) after.
  return async (d: ReturnType<typeof delivery>) => {
    const provider = detectProvider(d.headers)!;
    const value = await secrets.get({ env: 'BENCH_GITHUB_SECRET' });
    if (!(await provider.verify(value, d.body, d.headers))) throw new Error('signature');
    const push = provider.parse(d.body, d.headers) as PushEvent;
    const bodySha256 = createHash('sha256').update(d.body).digest('hex');
    const id = `webhook#${createHash('md5').update(JSON.stringify(push.deliveryId)).digest('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { id, expiration: now + 86_400, in_progress_expiration: Date.now() + 30_000, status: 'INPROGRESS', validation: bodySha256 },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < ' +
          ':now_in_millis)',
        ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#in_progress_expiry': 'in_progress_expiration', '#status': 'status' },
        ExpressionAttributeValues: { ':now': now, ':now_in_millis': Date.now(), ':inprogress': 'INPROGRESS' },
      }),
    );
    const receivedAt = new Date().toISOString();
    // The enqueue (a no-op here, as in the after path) came first.
    await auditStore.append({
      kind: 'webhook.received',
      outcome: 'success',
      message: `queued ${push.ref}`,
      actor: `webhook:${push.provider}:${push.pusher}`,
      deliveryId: push.deliveryId,
      revision: push.revision,
      repo: push.repoUrls[0],
      ts: receivedAt,
    });
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { id },
        UpdateExpression: 'SET #response_data = :response_data, #expiry = :expiry, #status = :status',
        ExpressionAttributeNames: { '#response_data': 'data', '#expiry': 'expiration', '#status': 'status' },
        ExpressionAttributeValues: { ':response_data': JSON.stringify({ status: 'queued' }), ':expiry': now + 86_400, ':status': 'COMPLETED' },
      }),
    );
  };
}

/** CPU and DynamoDB calls per delivery of the intake alone, today's ledger vs the Powertools calls it replaced. */
async function intakeCostScenario() {
  const n = num('BENCH_INTAKE_DELIVERIES', 1000);
  const embedded = (await externalDynamo()) === undefined ? await startEmbeddedDynamo() : undefined;
  const client = localDynamoClient(embedded?.endpoint ?? (await externalDynamo())!);
  const tables = await ensureTables(client, `bench-intake-${randomUUID().slice(0, 6)}`);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const calls = countDynamoCalls(doc, true);
  const config = { webhook: { ...defaults.webhook, secrets: { github: { env: 'BENCH_GITHUB_SECRET' } } } };
  const secrets = new EnvSecretsProvider({ BENCH_GITHUB_SECRET: SECRET });
  const queue = { enqueue: async () => {} };
  const auditStore = new DynamoDBAuditStore({ tableName: tables.audit, client: doc });
  const ledger = new DynamoDBDeliveryLedgerStore({ doc, tableName: tables.idempotency });

  const after = async (d: ReturnType<typeof delivery>) => {
    const r = await receivePush({ rawBody: d.body, headers: d.headers }, { config, secrets, queue, auditStore, ledger });
    if (r.status !== 'queued') throw new Error(`intake answered ${r.status}`);
  };
  const before = preIssue12Intake(doc, tables.idempotency, secrets, auditStore);

  const measure = async (run: (d: ReturnType<typeof delivery>) => Promise<void>) => {
    // Deliveries are built and signed before the clock starts (GitHub signs on its own servers).
    const planned = Array.from({ length: n }, (_, i) => delivery(i));
    for (const d of planned.slice(0, 20)) await run(d); // warm-up: connections, caches, JIT
    for (const k of Object.keys(calls)) delete calls[k];
    const cpu0 = ownCpuMs();
    const dyn0 = await dynamoCpuMs();
    const t0 = performance.now();
    for (const d of planned.slice(20)) await run(d);
    const wall = performance.now() - t0;
    const count = n - 20;
    const dyn1 = await dynamoCpuMs();
    const per = (x: number) => Math.round((x / count) * 100) / 100;
    const byOp = Object.fromEntries(Object.entries(calls).map(([op, c]) => [op, per(c)]));
    return {
      deliveries: count,
      cpuMsPerDelivery: { intakeProcess: per(ownCpuMs() - cpu0), dynalite: dyn0 === undefined || dyn1 === undefined ? 'in process' : per(dyn1 - dyn0) },
      wallMsPerDelivery: per(wall),
      dynamodbCallsPerDelivery: {
        ...byOp,
        idempotencyTable: per(Object.entries(calls).reduce((a, [k, c]) => a + (k.endsWith(' idempotency') ? c : 0), 0)),
        all: per(Object.values(calls).reduce((a, b) => a + b, 0)),
      },
    };
  };
  // Alternating halves would share caches unevenly; each mode gets its own deliveries, before first.
  const beforeResult = await measure(before);
  const afterResult = await measure(after);
  client.destroy();
  await embedded?.close();
  return {
    note:
      'before reproduces the Powertools Idempotency calls (PutItem conditional + UpdateItem) that 71da741 replaced; after is receivePush as it is. ' +
      'Both: verify, parse, one audit append, no-op queue',
    before: beforeResult,
    after: afterResult,
    extraDynamoDBCallsPerDelivery: {
      idempotencyTable:
        Math.round((afterResult.dynamodbCallsPerDelivery.idempotencyTable - beforeResult.dynamodbCallsPerDelivery.idempotencyTable) * 100) / 100,
      all: Math.round((afterResult.dynamodbCallsPerDelivery.all - beforeResult.dynamodbCallsPerDelivery.all) * 100) / 100,
    },
  };
}

async function main() {
  const wanted = (env.BENCH_SCENARIOS ?? 'latency,throughput,faults,syncTarget,intakeCost').split(',').map((s) => s.trim());
  const scenarios: Record<string, unknown> = {};
  if (wanted.includes('latency')) scenarios.latency = await latencyScenario();
  if (wanted.includes('throughput')) scenarios.throughput = await throughputScenario();
  if (wanted.includes('faults')) scenarios.faults = await faultsScenario();
  if (wanted.includes('syncTarget')) scenarios.syncTarget = await syncTargetScenario();
  if (wanted.includes('intakeCost')) scenarios.intakeCost = await intakeCostScenario();
  dynamoChild?.child.kill();
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'push-e2e',
      node: process.version,
      cpus: cpus().length,
      dynamodb: dynamoChild ? 'dynalite in a child process' : 'dynalite in process',
      scenarios,
    })}\n`,
  );
}

if (env.BENCH_ROLE === 'loadgen') {
  // The throughput scenario's load generator (see openLoopInChild): one job in, one result out.
  process.once('message', (job) => {
    openLoop(job as OpenLoopJob).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`push-e2e load generator failed: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`push-e2e bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
