import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createArgoCDClients } from '../functions/lib/argocd';
import { DynamoDBAuditStore } from '../functions/lib/audit';
import { DynamoDBDriftStateStore } from '../functions/lib/drift';
import {
  ConfigError,
  DEFAULT_ARGOCD_NAMESPACE,
  insecureSettings,
  type InsecureSetting,
  type InstanceConfig,
  type SentinelConfig,
} from '../functions/lib/config';
import { loadLocalConfig } from '../functions/lib/config/local';
import { argocdFor, purposeRegistries, type CoreDeps } from '../functions/lib/runtime/core-deps';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { createSyncWorkerHandler } from '../functions/sync-worker/worker';
import { createWebhookHandler } from '../functions/webhook/handler';
import { DynamoDBDeliveryLedgerStore } from '../functions/lib/intake/dynamodb-delivery-ledger-store';
import { DynamoDBRefusalCounter } from '../functions/lib/intake/dynamodb-refusal-counter';
import type { OperatorApiRefusalReason } from '../functions/lib/intake/refusals';
import { createOperatorApiHandler, OPERATOR_ROUTES } from '../functions/operator-api/handler';
import { createLocalAnchor, type LocalAnchor } from './anchor';
import type { AnchorRunOptions } from '../functions/lib/anchor';
import { startSimulators, type StartedArgoCDSimulator, type StartedSimulators } from './argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo, type TableNames } from './dynamo';
import { createRequestListener, localActor, type HttpHandler, type LocalPrincipalToken, type Route } from './http-adapter';
import { ensureLocalToken, LOCAL_TOKEN_FILE, newLocalToken } from './local-token';
import { InProcessQueue } from './in-process-queue';
import { startScheduler, type Scheduler } from './scheduler';
import { createDriftScanHandler } from '../functions/drift-scan/handler';
import { createDeployTrackerHandler } from '../functions/deploy-tracker/worker';
import { createDeploymentTracker, type DeploymentTracker } from '../functions/lib/deploy/index';
import { createNotifierHandler } from '../functions/notifier/worker';
import { NotificationLedger, Notifier, heldChainsEvent, notificationPublisher, publishQuietly } from '../functions/lib/notify/index';
import { withNotifications } from '../functions/lib/runtime/core-deps';
import { watchRefusalSpikes } from '../functions/lib/intake/refusal-spikes';
import { startNotifyReceiver, type NotifyReceiver } from './notify-receiver';
import { createCommitStatusService, type CommitStatusService } from '../functions/lib/commit-status/index';
import { startFakeStatusApi, type FakeStatusApi } from './fake-status-api';
import { listenLocal } from './listen';

/** Options of `startLocalStack`. */
export interface LocalStackOptions {
  /** Environment to read the configuration from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Port to listen on; 0 picks a free one. @default config.port (8080) */
  port?: number;
  /**
   * Folder for the embedded DynamoDB's data; `null` keeps it in memory.
   * @default `.sentinel/data` under the working directory
   */
  dataDir?: string | null;
  /** Seed of the ArgoCD simulator (YAML path or object) when no ArgoCD is configured. @default local/seed/demo-apps.yaml */
  simulatorSeed?: Parameters<typeof startSimulators>[0];
  /** Simulated sync duration in ms. @default 2000 */
  simulatorSyncMs?: number;
  /**
   * With the simulator: start a simulated ApplicationSet controller webhook per instance and wire
   * `applicationSetWebhook` to it, so every verified push is forwarded there as deployed
   * (docs/applicationset-webhook.md). Off by default so tests decide what their trail holds;
   * `npm start` turns it on. @default false
   */
  simulatedApplicationSetWebhooks?: boolean;
  /**
   * A DynamoDB (or dynalite) already running elsewhere, e.g. in its own process so that it does
   * not share the stack's event loop (benchmarks); then `dataDir` is ignored. @default start the embedded one
   */
  dynamodbEndpoint?: string;
  /**
   * Run the drift scan on its schedule (`drift.scheduleMinutes`), the first one at start, as
   * EventBridge does when deployed. Off by default so tests decide when scans run; `npm start` turns it on.
   * @default false
   */
  driftScheduler?: boolean;
  /**
   * Folder of the local anchor key (`anchor-key.pem`) and digests (`anchors/`); `null` turns
   * anchoring off. @default `.sentinel` under the working directory, or `null` when `dataDir` is `null`
   */
  anchorDir?: string | null;
  /**
   * Options of every local anchor run (sweep size, part size, checkpoint interval), for tests
   * that need small parts or slices. @default the anchor run's defaults
   */
  anchorRunOptions?: AnchorRunOptions;
  /**
   * Anchor the audit chains every `anchorIntervalMs` (a signed digest of the changed chain
   * heads), as the deployed schedule does; a last run at a clean `close()` happens whenever
   * anchoring is on. Off by default so tests decide when digests are written; `npm start` turns it on.
   * @default false
   */
  anchorScheduler?: boolean;
  /** Interval of the anchor scheduler. @default 60_000 */
  anchorIntervalMs?: number;
  /**
   * Start a fake GitHub commit status API on 127.0.0.1 and point `gitApis.github` at it (unless
   * the configuration sets `gitApis.github`), so a push's `pending` and `success` can be seen
   * locally; `npm start` turns it on. @default false
   */
  fakeStatusApi?: boolean;
  /** Where status lines go. @default nothing */
  log?: (line: string) => void;
  /**
   * The local notification receiver (Slack-shaped and generic webhook, local/notify-receiver.ts):
   * started when `notify.channels` has any channel, unless `false`. It fills
   * `SENTINEL_LOCAL_SLACK_URL` (its Slack URL) and `SENTINEL_LOCAL_WEBHOOK_SECRET` (a random HMAC
   * secret it checks signatures with) unless they are set, so a config can name them.
   * @default { port: 0 } (`npm start`: 8099)
   */
  notifyReceiver?: { port?: number } | false;
  /**
   * File holding the local admin token (created, mode 0600, when missing); `null` keeps a fresh
   * random token in memory (tests read it from `LocalStack.token`).
   * @default `.sentinel/local-token` under the working directory with the default `dataDir`
   *   (`npm start`); in memory when the caller chose its own `dataDir` or `null` (tests)
   */
  tokenFile?: string | null;
}

/** A running local stack. */
export interface LocalStack {
  url: string;
  port: number;
  config: SentinelConfig;
  tables: TableNames;
  dynamodbEndpoint: string;
  dataDir: string | null;
  /** Present when the stack started the ArgoCD simulator (no `ARGOCD_SERVER`, no instances configured). */
  simulators?: StartedSimulators;
  /** The in-process stand-in for the SQS queue between webhook and worker. */
  queue: InProcessQueue;
  /** The in-process stand-in for the follow-up queue (delayed deployment checks). */
  followUps: InProcessQueue;
  /** Deployment tracking, unless `deploy.enabled` is false. */
  tracker?: DeploymentTracker;
  /** The in-process stand-in for the notification queue (and, in `deadLetters()`, its dead-letter queue). */
  notifications: InProcessQueue;
  /** The local notification receiver, when started. */
  notifyReceiver?: NotifyReceiver;
  /** Commit statuses, when a provider has them on (`gitApis.<provider>.token`). */
  statuses?: CommitStatusService;
  /** The fake GitHub status API, when `fakeStatusApi` started it. */
  statusApi?: FakeStatusApi;
  /** The shared dependencies, as the handlers got them. */
  deps: CoreDeps;
  /** The admin bearer token (principal {@link LocalStack.adminPrincipal}). */
  token: string;
  /** Where the admin token is kept, unless in memory. */
  tokenFile?: string;
  /** True when this start created the token file. */
  tokenCreated: boolean;
  /** The admin token's principal: `local:<os user>`. */
  adminPrincipal: string;
  /** `Authorization` header with the admin token, for requests to {@link LocalStack.url}. */
  authHeaders: { authorization: string };
  /** The local anchoring (key and digest files), when on. */
  anchor?: LocalAnchor;
  /**
   * Settings of the configuration that a deployment refuses unless acknowledged (an `http://`
   * or TLS-unverified ArgoCD, unsigned deliveries): the banner warns for each. The built-in
   * simulator, on 127.0.0.1 over http, is not among them.
   */
  insecure: InsecureSetting[];
  close(): Promise<void>;
}

/**
 * The bearer tokens of the local API: the admin token, plus `access.localTokens` (each read
 * through the secrets provider, so from an environment variable).
 * @throws ConfigError naming the key of a token that is unset, short or used twice
 */
async function localTokens(config: SentinelConfig, secrets: EnvSecretsProvider, admin: LocalPrincipalToken): Promise<LocalPrincipalToken[]> {
  const tokens = [admin];
  for (const [n, t] of config.access.localTokens.entries()) {
    const key = `access.localTokens.${n}.token`;
    let token: string;
    try {
      token = await secrets.get(t.token);
    } catch (error) {
      throw new ConfigError(key, 'SENTINEL_CONFIG', error instanceof Error ? error.message : 'cannot read the token');
    }
    if (token.length < 16) throw new ConfigError(key, 'SENTINEL_CONFIG', 'a local token must be at least 16 characters');
    if (tokens.some((o) => o.token === token)) throw new ConfigError(key, 'SENTINEL_CONFIG', 'this token is already used by another principal');
    tokens.push({ principal: t.principal, token });
  }
  return tokens;
}

/**
 * Wires a simulated instance's ApplicationSet webhook: fresh random controller secrets (set on
 * the simulated controller and, as environment references, in the instance's config), so every
 * verified push is forwarded to it as deployed (docs/applicationset-webhook.md).
 */
function simulatedAppSetWebhook(s: StartedArgoCDSimulator, suffix: string, env: Record<string, string | undefined>): Partial<InstanceConfig> {
  if (!s.appsetWebhook) return {};
  const secret = (key: string) => {
    const variable = `SENTINEL_SIMULATOR_APPSET_${key}_${suffix}`;
    env[variable] = randomBytes(24).toString('hex');
    return { variable, value: env[variable] };
  };
  const [github, gitlab, user, password] = ['GITHUB', 'GITLAB', 'AZURE_USER', 'AZURE_PASSWORD'].map(secret);
  s.appsetWebhook.receiver.setSecrets({ github: github.value, gitlab: gitlab.value, azureDevOpsUsername: user.value, azureDevOpsPassword: password.value });
  return {
    applicationSetWebhook: {
      url: s.appsetWebhook.url,
      secrets: {
        github: { env: github.variable },
        gitlab: { env: gitlab.variable },
        azureDevOpsUsername: { env: user.variable },
        azureDevOpsPassword: { env: password.variable },
      },
    },
  };
}

const json = (statusCode: number, body: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** What stops the parts started so far; run in reverse by `close()`, so a part stops before what it uses. */
type Closers = Array<() => Promise<void> | void>;

/** What every start step shares: the options, the environment the config reads, the status line sink and the closers. */
interface StartContext {
  options: LocalStackOptions;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  closers: Closers;
}

/** Without a configured ArgoCD: the simulators, and the config naming them (tokens as environment references). */
async function startSimulatorsIfNone(ctx: StartContext, config: SentinelConfig): Promise<{ config: SentinelConfig; simulators?: StartedSimulators }> {
  if (config.instances.length !== 0) return { config };
  const { options, env, closers } = ctx;
  const simulators = await startSimulators(options.simulatorSeed, {
    syncDurationMs: options.simulatorSyncMs ?? 2000,
    ...(options.simulatedApplicationSetWebhooks ? { applicationSetWebhook: {} } : {}),
  });
  closers.push(() => simulators.close());
  const instances: InstanceConfig[] = Object.entries(simulators.instances).map(([name, s]) => {
    const suffix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const variable = `SENTINEL_SIMULATOR_TOKEN_${suffix}`;
    env[variable] = s.token;
    return {
      name,
      server: s.url,
      token: { env: variable },
      insecure: false,
      namespace: DEFAULT_ARGOCD_NAMESPACE,
      ...simulatedAppSetWebhook(s, suffix, env),
    };
  });
  ctx.log(`No ARGOCD_SERVER set: started the built-in ArgoCD simulator (${instances.map((i) => `${i.name} ${i.server}`).join(', ')}).`);
  return { config: { ...config, instances }, simulators };
}

/** The local notification receiver, when a channel is configured (it fills the variables a config may name). */
async function startNotifyReceiverIfUsed(ctx: StartContext, config: SentinelConfig): Promise<NotifyReceiver | undefined> {
  const { options, env } = ctx;
  if (options.notifyReceiver === false || config.notify.channels.length === 0) return undefined;
  env.SENTINEL_LOCAL_WEBHOOK_SECRET ||= randomBytes(24).toString('base64url');
  const notifyReceiver = await startNotifyReceiver({
    port: options.notifyReceiver?.port ?? 0,
    webhookSecret: env.SENTINEL_LOCAL_WEBHOOK_SECRET,
    print: (line) => ctx.log(line),
  });
  ctx.closers.push(() => notifyReceiver.close());
  env.SENTINEL_LOCAL_SLACK_URL ||= `${notifyReceiver.url}/slack/local`;
  ctx.log(`Notifications: local receiver on ${notifyReceiver.url} (/slack/..., /webhook/...).`);
  return notifyReceiver;
}

/** The fake GitHub status API when asked for (and GitHub is not configured), and the config pointing `gitApis.github` at it. */
async function startFakeStatusApiIfAsked(ctx: StartContext, config: SentinelConfig): Promise<{ config: SentinelConfig; statusApi?: FakeStatusApi }> {
  if (!ctx.options.fakeStatusApi || config.gitApis?.github) return { config };
  // A token of its own that only the fake accepts, read like any other through the secrets provider.
  ctx.env.SENTINEL_FAKE_GITHUB_TOKEN = newLocalToken();
  const statusApi = await startFakeStatusApi({
    token: ctx.env.SENTINEL_FAKE_GITHUB_TOKEN,
    onStatus: (r) => ctx.log(`fake GitHub status API: ${r.state} ${r.context} on ${r.repo}@${r.sha.slice(0, 7)}: ${r.description ?? ''}`),
  });
  ctx.closers.push(() => statusApi.close());
  const gitApis = { ...config.gitApis, github: { apiUrl: statusApi.url, token: { env: 'SENTINEL_FAKE_GITHUB_TOKEN' } } };
  return { config: { ...config, gitApis }, statusApi };
}

/** The embedded DynamoDB (or the given endpoint), its clients and the tables, and the config pointing at it. */
async function startStorage(ctx: StartContext, config: SentinelConfig, dataDir: string | null) {
  const { options, closers } = ctx;
  const dynamo = options.dynamodbEndpoint
    ? { endpoint: options.dynamodbEndpoint, close: () => undefined }
    : await startEmbeddedDynamo({ path: dataDir ?? undefined });
  closers.push(() => dynamo.close());
  const client = localDynamoClient(dynamo.endpoint);
  closers.push(() => client.destroy());
  const stored = { ...config, storage: { ...config.storage, dynamodbEndpoint: dynamo.endpoint } };
  const tables = await ensureTables(client, stored.storage.tablePrefix);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { config: stored, dynamo, client, tables, doc };
}

/**
 * The admin token (kept in a file for `npm start`, in memory for tests), the other principals'
 * tokens, and the config with an admin rule first when access rules are set.
 */
async function localAccess(options: LocalStackOptions, config: SentinelConfig, secrets: EnvSecretsProvider) {
  const tokenFile = options.tokenFile === undefined ? (options.dataDir === undefined ? join(process.cwd(), LOCAL_TOKEN_FILE) : null) : options.tokenFile;
  const admin = tokenFile ? ensureLocalToken(tokenFile) : { token: newLocalToken(), created: false, path: undefined };
  const adminPrincipal = localActor();
  const tokens = await localTokens(config, secrets, { principal: adminPrincipal, token: admin.token });
  if (!config.access.rules) return { config, admin, adminPrincipal, tokens };
  // The admin token is what its name says, whatever the rules grant the other principals.
  const adminRule = { principals: [adminPrincipal], instances: ['*'], projects: ['*'], actions: ['admin' as const] };
  return { config: { ...config, access: { ...config.access, rules: [adminRule, ...config.access.rules] } }, admin, adminPrincipal, tokens };
}

/** Status lines for warnings and errors only: the local stack's terminal is for what matters. */
function localLogger(log: (line: string) => void) {
  return {
    debug: () => {},
    info: () => {},
    warn: (m: string) => log(`warn: ${m}`),
    error: (m: string, e?: Record<string, unknown>) => log(`error: ${m}${e ? ` ${JSON.stringify(e)}` : ''}`),
  };
}

/** The local anchoring, unless off; a last digest at a clean shutdown. */
function startLocalAnchor(ctx: StartContext, dataDir: string | null, auditStore: DynamoDBAuditStore, logger: ReturnType<typeof localLogger>) {
  const { options } = ctx;
  const anchorDir = options.anchorDir === undefined ? (dataDir === null ? null : join(process.cwd(), '.sentinel')) : options.anchorDir;
  if (!anchorDir) return undefined;
  const anchor = createLocalAnchor({
    dir: anchorDir,
    reader: auditStore,
    log: logger,
    ...(options.anchorRunOptions ? { runOptions: options.anchorRunOptions } : {}),
  });
  // A last digest at a clean shutdown, so what was recorded up to then is anchored. Pushed
  // here, before the queue and the server, so it runs after they stopped (closers run in reverse).
  ctx.closers.push(async () => {
    const result = await anchor.anchorNow().catch((e: unknown) => ctx.log(`anchor at shutdown failed: ${e instanceof Error ? e.message : String(e)}`));
    if (result) ctx.log(`anchored the audit trail: digest ${result.seq} (${result.kind}), ${result.newRecords} new record(s)`);
  });
  return anchor;
}

/**
 * Notifications have their own queue, as deployed: appending a record a rule names queues one
 * message per channel; the notifier consumes them (retries are delayed messages).
 */
function startNotifications(
  ctx: StartContext,
  input: { config: SentinelConfig; doc: DynamoDBDocumentClient; tables: TableNames; auditStore: DynamoDBAuditStore; secrets: EnvSecretsProvider },
  logger: ReturnType<typeof localLogger>,
) {
  const { config, doc, tables, auditStore, secrets } = input;
  const notifications = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 1000, concurrency: 2, queueName: 'gitops-sentinel-notify' });
  ctx.closers.push(() => notifications.stop());
  const notifier = new Notifier({
    config,
    ledger: new NotificationLedger({ doc, tableName: tables.state, dedupeHours: config.notify.dedupeHours }),
    queue: notifications,
    auditStore,
    // SNS and EventBridge channels are deployed only: locally their sends fail and end in the dead letters.
    channels: { secrets, region: config.storage.region },
    log: logger,
  });
  const consumeNotifications = createNotifierHandler({ notifier, log: logger });
  notifications.start((batch) => consumeNotifications(batch));
  return { notifications, notify: notificationPublisher(config, notifications, logger) };
}

/**
 * Follow-ups (deployment checks) have their own queue, as deployed: delayed messages, a
 * consumer of their own, so a push burst never waits behind them or they behind it.
 */
function startFollowUps(ctx: StartContext, core: CoreDeps, logger: ReturnType<typeof localLogger>) {
  const followUps = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 1000, concurrency: 2, queueName: 'gitops-sentinel-follow-up' });
  ctx.closers.push(() => followUps.stop());
  // The tracker reads apps with the worker's token, as the deployed deploy-tracker function does.
  // Commit statuses travel on the follow-up queue too: queued when a deployment is accepted or
  // ends, set by the follow-up consumer, never on the push path.
  const statuses = createCommitStatusService(core, followUps);
  const tracker = createDeploymentTracker({ ...core, argocd: argocdFor(core, 'worker') }, followUps, statuses ? [statuses.listener] : []);
  const deps: CoreDeps = tracker ? { ...core, deployments: tracker } : core;
  const consumeFollowUps = createDeployTrackerHandler({
    tracker,
    log: logger,
    ...(statuses ? { statuses } : {}),
    // Same limit as the queue: a check or status failing on its last receive queues delivery.dead-lettered.
    maxReceiveCount: 3,
    ...(core.notify ? { notify: core.notify } : {}),
  });
  followUps.start((batch) => consumeFollowUps(batch));
  return { followUps, statuses, tracker, deps };
}

/** The drift scan and anchor schedules, when asked for, as EventBridge runs them when deployed. */
function startSchedulers(ctx: StartContext, deps: CoreDeps, anchor: LocalAnchor | undefined, logger: ReturnType<typeof localLogger>): void {
  const { options, closers, log } = ctx;
  if (options.driftScheduler) {
    // No metrics sink locally: EMF lines would flood the terminal.
    const driftScan = createDriftScanHandler({ ...deps, argocd: argocdFor(deps, 'scanner') });
    const scheduler: Scheduler<unknown> = startScheduler({
      intervalMs: deps.config.drift.scheduleMinutes * 60_000,
      runAtStart: true,
      run: () => driftScan({ 'detail-type': 'Scheduled Event' }),
      onError: (e) => log(`drift scan failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    closers.push(() => scheduler.stop());
  }
  if (anchor && options.anchorScheduler) {
    const anchorScheduler = startScheduler({
      intervalMs: options.anchorIntervalMs ?? 60_000,
      // Chains held at their anchor (edited or deleted after anchoring) are news: audit.verify-failed.
      run: async () => {
        const result = await anchor.anchorNow();
        await publishQuietly(deps.notify, heldChainsEvent(result.held, 'scheduler', new Date().toISOString()), logger);
      },
      onError: (e) => log(`audit anchor run failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    closers.push(() => anchorScheduler.stop());
  }
}

/**
 * The HTTP server on 127.0.0.1: bearer tokens, the Host check against DNS rebinding, refusals
 * counted. Resolves once it listens.
 */
async function startHttpServer(
  ctx: StartContext,
  routes: Route[],
  access: { tokens: LocalPrincipalToken[]; port: number; onRefused: (reason: OperatorApiRefusalReason) => void },
): Promise<number> {
  let port = 0;
  // The addresses this server answers to; any other Host is a rebound name (DNS rebinding).
  const hosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const server: Server = createServer(
    createRequestListener(routes, (error) => ctx.log(`handler error: ${error instanceof Error ? error.message : String(error)}`), {
      tokens: access.tokens,
      hosts,
      onRefused: access.onRefused,
    }),
  );
  server.keepAliveTimeout = 5_000;
  await listenLocal(server, access.port);
  ctx.closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  port = (server.address() as AddressInfo).port;
  return port;
}

/**
 * The push path and the operator API, as deployed: the in-process queue and the sync worker
 * consuming it, the webhook handler with its refusal counter, the operator API, and the routes.
 */
function startHandlers(
  ctx: StartContext,
  input: { deps: CoreDeps; doc: DynamoDBDocumentClient; tables: TableNames; client: ReturnType<typeof localDynamoClient>; auditStore: DynamoDBAuditStore },
  logger: ReturnType<typeof localLogger>,
) {
  const { deps, doc, tables, client } = input;
  const { config, secrets, notify } = deps;
  const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 1000, concurrency: 4 });
  ctx.closers.push(() => queue.stop());
  // The sync worker consumes the queue as the Lambda does SQS; same maxReceiveCount, so the
  // last receive audits undone actions as failed before the message goes to the dead letters.
  const worker = createSyncWorkerHandler({ ...deps, argocd: argocdFor(deps, 'worker') }, { maxReceiveCount: 3 });
  queue.start((batch) => worker(batch));

  // The same counter as deployed (state table), so /api/stats shows refusals locally too.
  const refusals = new DynamoDBRefusalCounter({ doc, tableName: tables.state });
  const webhook = createWebhookHandler({
    config,
    secrets,
    queue,
    auditStore: input.auditStore,
    ledger: new DynamoDBDeliveryLedgerStore({ doc, tableName: tables.idempotency }),
    // Refusal spikes queue `webhook.refused-spike` as deployed (the operator API's refusals are not webhook refusals).
    refusals: watchRefusalSpikes(refusals, { windows: refusals, publisher: notify, settings: config.notify.refusedSpike, log: logger }),
    log: logger,
  });
  // Requests the operator API refuses before authenticating or authorizing them (no or wrong
  // token, foreign Host/Origin, not JSON): anyone, a web page included, can send them, so they are
  // counted (provider "operator-api" in /api/stats), never written to the hash-chained trail.
  const countRefusal = (reason: OperatorApiRefusalReason) => {
    refusals
      .count({ provider: 'operator-api', reason, at: new Date() })
      .catch((e: unknown) => ctx.log(`could not count a refused request: ${e instanceof Error ? e.name : 'Error'}`));
  };
  const operatorApi = createOperatorApiHandler({ ...deps, argocd: argocdFor(deps, 'operator') }, { onRefused: countRefusal });
  const healthz: HttpHandler = async () => {
    await client.send(new DescribeTableCommand({ TableName: tables.audit }));
    return json(200, { status: 'ok', instances: config.instances.map((i) => ({ name: i.name, server: i.server })), queue: queue.stats() });
  };
  const routes: Route[] = [
    { method: 'GET', path: '/healthz', handler: healthz, guard: 'local' },
    { method: 'ANY', path: '/api/webhook', handler: (event) => webhook(event), guard: 'public' },
    // The operator API: one handler behind each of its routes, as API Gateway routes them.
    ...OPERATOR_ROUTES.filter((r) => r.path !== '/healthz').map((r): Route => ({ method: r.method, path: r.path, handler: (event) => operatorApi(event) })),
  ];
  return { queue, routes, countRefusal };
}

/**
 * The shared dependencies of every handler, as `buildCoreDeps` builds them when deployed, on
 * the local DynamoDB and the configured (or simulated) ArgoCD instances.
 */
function localCoreDeps(
  ctx: StartContext,
  input: { config: SentinelConfig; doc: DynamoDBDocumentClient; tables: TableNames; secrets: EnvSecretsProvider; dataDir: string | null },
  logger: ReturnType<typeof localLogger>,
) {
  const { config, doc, tables, secrets } = input;
  // The local stack is the only writer of its audit table, so a cached chain head is never
  // stale: remember every chain (one per app plus the system shards) instead of the default
  // 1000, which a push load over 1000+ apps cycles through, missing on every append.
  const auditStore = new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger, headCacheSize: 1_000_000 });
  const argocd = createArgoCDClients(config, secrets, { logger });
  ctx.closers.push(() => argocd.close());
  const anchor = startLocalAnchor(ctx, input.dataDir, auditStore, logger);
  const driftState = new DynamoDBDriftStateStore(doc, tables.state);
  const { notifications, notify } = startNotifications(ctx, { config, doc, tables, auditStore, secrets }, logger);
  const core: CoreDeps = {
    config,
    doc,
    tables,
    auditStore: withNotifications(auditStore, notify, logger),
    ...(notify ? { notify } : {}),
    driftState,
    secrets,
    argocd,
    argocdByPurpose: purposeRegistries(config, secrets, argocd, logger),
    log: logger,
    now: () => new Date(),
    ...(anchor ? { anchor } : {}),
  };
  ctx.closers.push(() => {
    for (const p of ['worker', 'scanner', 'importer', 'operator'] as const) if (argocdFor(core, p) !== argocd) argocdFor(core, p).close();
  });
  return { core, auditStore, anchor, notifications };
}

/**
 * Starts everything `npm start` runs: the embedded DynamoDB (tables created from the
 * shared definitions), the ArgoCD simulator unless an ArgoCD is configured, the in-process
 * queue, and the real Lambda handlers behind the HTTP adapter on 127.0.0.1. The parts start
 * in the order the deployed stack depends on them, and `close()` stops them in reverse.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? (() => {});
  let config = loadLocalConfig(env);
  // Found before the simulator's own instances are added: those never leave 127.0.0.1.
  const insecure = insecureSettings(config, env);
  const dataDir = options.dataDir === undefined ? join(process.cwd(), '.sentinel', 'data') : options.dataDir;
  const closers: Closers = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };
  const ctx: StartContext = { options, env, log, closers };

  try {
    let simulators: StartedSimulators | undefined;
    ({ config, simulators } = await startSimulatorsIfNone(ctx, config));
    const notifyReceiver = await startNotifyReceiverIfUsed(ctx, config);
    let statusApi: FakeStatusApi | undefined;
    ({ config, statusApi } = await startFakeStatusApiIfAsked(ctx, config));
    const storage = await startStorage(ctx, config, dataDir);
    const { dynamo, client, tables, doc } = storage;
    const secrets = new EnvSecretsProvider(env);
    const access = await localAccess(options, storage.config, secrets);
    config = access.config;
    const { admin, adminPrincipal } = access;
    const logger = localLogger(log);
    const { core, auditStore, anchor, notifications } = localCoreDeps(ctx, { config, doc, tables, secrets, dataDir }, logger);
    const { followUps, statuses, tracker, deps } = startFollowUps(ctx, core, logger);
    const { queue, routes, countRefusal } = startHandlers(ctx, { deps, doc, tables, client, auditStore }, logger);
    startSchedulers(ctx, deps, anchor, logger);
    const port = await startHttpServer(ctx, routes, { tokens: access.tokens, port: options.port ?? config.port, onRefused: countRefusal });
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      config,
      tables,
      dynamodbEndpoint: dynamo.endpoint,
      dataDir,
      simulators,
      queue,
      followUps,
      ...(tracker ? { tracker } : {}),
      notifications,
      ...(notifyReceiver ? { notifyReceiver } : {}),
      ...(statuses ? { statuses } : {}),
      ...(statusApi ? { statusApi } : {}),
      deps,
      ...(anchor ? { anchor } : {}),
      token: admin.token,
      ...(admin.path ? { tokenFile: admin.path } : {}),
      tokenCreated: admin.created,
      adminPrincipal,
      insecure,
      authHeaders: { authorization: `Bearer ${admin.token}` },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
