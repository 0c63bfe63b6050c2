import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { createArgoCDClients } from '../functions/lib/argocd';
import { DynamoDBAuditStore } from '../functions/lib/audit';
import { type InstanceConfig, type SentinelConfig } from '../functions/lib/config';
import { loadLocalConfig } from '../functions/lib/config/local';
import type { CoreDeps } from '../functions/lib/runtime/core-deps';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { createSyncWorkerHandler } from '../functions/sync-worker/worker';
import { createWebhookHandler } from '../functions/webhook/handler';
import { createOperatorApiHandler, OPERATOR_ROUTES } from '../functions/operator-api/handler';
import { startSimulators, type StartedSimulators } from './argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo, type TableNames } from './dynamo';
import { createRequestListener, type HttpHandler, type Route } from './http-adapter';
import { InProcessQueue } from './in-process-queue';
import { startScheduler, type Scheduler } from './scheduler';
import { createDriftScanHandler } from '../functions/drift-scan/handler';

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
  /** Where status lines go. @default nothing */
  log?: (line: string) => void;
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
  /** The shared dependencies, as the handlers got them. */
  deps: CoreDeps;
  close(): Promise<void>;
}

const json = (statusCode: number, body: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Starts everything `npm start` runs: the embedded DynamoDB (tables created from the
 * shared definitions), the ArgoCD simulator unless an ArgoCD is configured, the in-process
 * queue, and the real Lambda handlers behind the HTTP adapter on 127.0.0.1.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? (() => {});
  let config = loadLocalConfig(env);
  const dataDir = options.dataDir === undefined ? join(process.cwd(), '.sentinel', 'data') : options.dataDir;
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };

  try {
    let simulators: StartedSimulators | undefined;
    if (config.instances.length === 0) {
      simulators = await startSimulators(options.simulatorSeed, { syncDurationMs: options.simulatorSyncMs ?? 2000 });
      closers.push(() => simulators!.close());
      const instances: InstanceConfig[] = Object.entries(simulators.instances).map(([name, s]) => {
        const variable = `SENTINEL_SIMULATOR_TOKEN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
        env[variable] = s.token;
        return { name, server: s.url, token: { env: variable }, insecure: false, namespace: 'argocd' };
      });
      config = { ...config, instances };
      log(`No ARGOCD_SERVER set: started the built-in ArgoCD simulator (${instances.map((i) => `${i.name} ${i.server}`).join(', ')}).`);
    }

    const dynamo = options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint, close: () => undefined } : await startEmbeddedDynamo({ path: dataDir ?? undefined });
    closers.push(() => dynamo.close());
    const client = localDynamoClient(dynamo.endpoint);
    closers.push(() => client.destroy());
    config = { ...config, storage: { ...config.storage, dynamodbEndpoint: dynamo.endpoint } };
    const tables = await ensureTables(client, config.storage.tablePrefix);
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const secrets = new EnvSecretsProvider(env);
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log(`warn: ${m}`),
      error: (m: string, e?: Record<string, unknown>) => log(`error: ${m}${e ? ` ${JSON.stringify(e)}` : ''}`),
    };
    // The local stack is the only writer of its audit table, so a cached chain head is never
    // stale: remember every chain (one per app plus the system shards) instead of the default
    // 1000, which a push load over 1000+ apps cycles through, missing on every append.
    const auditStore = new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger, headCacheSize: 1_000_000 });
    const argocd = createArgoCDClients(config, secrets, { logger });
    closers.push(() => argocd.close());
    const deps: CoreDeps = { config, doc, tables, auditStore, secrets, argocd, log: logger, now: () => new Date() };

    const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 1000, concurrency: 4 });
    closers.push(() => queue.stop());
    // The sync worker consumes the queue as the Lambda does SQS; same maxReceiveCount, so the
    // last receive audits undone actions as failed before the message goes to the dead letters.
    const worker = createSyncWorkerHandler(deps, { maxReceiveCount: 3 });
    queue.start((batch) => worker(batch));

    const webhook = createWebhookHandler({
      config,
      secrets,
      queue,
      auditStore,
      idempotency: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }),
      log: logger,
    });

    const operatorApi = createOperatorApiHandler(deps);

    let scheduler: Scheduler<unknown> | undefined;
    if (options.driftScheduler) {
      // No metrics sink locally: EMF lines would flood the terminal.
      const driftScan = createDriftScanHandler(deps);
      scheduler = startScheduler({
        intervalMs: config.drift.scheduleMinutes * 60_000,
        runAtStart: true,
        run: () => driftScan({ 'detail-type': 'Scheduled Event' }),
        onError: (e) => log(`drift scan failed: ${e instanceof Error ? e.message : String(e)}`),
      });
      closers.push(() => scheduler!.stop());
    }

    const healthz: HttpHandler = async () => {
      await client.send(new DescribeTableCommand({ TableName: tables.audit }));
      return json(200, { status: 'ok', instances: config.instances.map((i) => ({ name: i.name, server: i.server })), queue: queue.stats() });
    };
    const routes: Route[] = [
      { method: 'GET', path: '/healthz', handler: healthz },
      { method: 'ANY', path: '/api/webhook', handler: (event) => webhook(event) },
      // The operator API: one handler behind each of its routes, as API Gateway routes them.
      ...OPERATOR_ROUTES.filter((r) => r.path !== '/healthz').map((r): Route => ({ method: r.method, path: r.path, handler: (event) => operatorApi(event) })),
    ];

    const server: Server = createServer(createRequestListener(routes, (error) => log(`handler error: ${error instanceof Error ? error.message : String(error)}`)));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.port, '127.0.0.1', () => resolve());
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, port, config, tables, dynamodbEndpoint: dynamo.endpoint, dataDir, simulators, queue, deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}
