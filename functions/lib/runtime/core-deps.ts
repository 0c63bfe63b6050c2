/**
 * The dependencies the ArgoCD-facing functions (sync-worker, drift-scan, operator-api)
 * share, built once per cold start. The webhook function does not use this module: it
 * must not bundle the ArgoCD client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createArgoCDClients, type ArgoCDRegistry } from '../argocd/index';
import type { AnchorService } from '../anchor/anchor-service';
import type { AuditStore } from '../audit/audit-store';
import { DynamoDBAuditStore } from '../audit/dynamodb-audit-store';
import type { DriftStateStore } from '../drift/state-store';
import { loadConfig, type SentinelConfig, type TokenPurpose } from '../config/index';
import { tableNames, type TableNames } from '../config/tables';
import { asSimpleLogger, createLogger, type SimpleLogger } from '../observability/logger';
import { SecretsManagerProvider } from '../secrets/secrets-manager-provider';
import { configuredDeps } from './configured-deps';
import type { DepsOrBuilder } from './lazy';
import type { SecretsProvider } from '../secrets/types';
import { createDeploymentTracker } from '../deploy/index';
import { createCommitStatusService } from '../commit-status/index';
import type { DeploymentStarter } from '../deploy/types';
import { SQSFollowUpQueue } from '../queue/sqs-follow-up-queue';
import { SQSNotificationQueue } from '../queue/sqs-notification-queue';
import { notificationPublisher, type NotificationPublisher } from '../notify/publisher';
import { NotifyingAuditStore } from '../notify/notifying-audit-store';

/**
 * What the ArgoCD-facing functions that read drift state get (drift-scan, operator API): the
 * {@link BaseCoreDeps} plus the drift state store. Local mode and tests build the same shape.
 */
export interface CoreDeps {
  config: SentinelConfig;
  /** Document client for the state table (and anything else but the audit trail). */
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  auditStore: AuditStore;
  /** Drift state per app and scan summaries (the STATE table when deployed). */
  driftState: DriftStateStore;
  secrets: SecretsProvider;
  argocd: ArgoCDRegistry;
  log: SimpleLogger;
  /** Clock. @default () => new Date() */
  now: () => Date;
  /**
   * Clients with another purpose's ArgoCD token (`instances[].tokens`), built on first use.
   * @default `argocd` for every purpose
   */
  argocdByPurpose?: (purpose: TokenPurpose) => ArgoCDRegistry;
  /**
   * Signed digests of the audit chains (verify against them, export proofs, anchor now).
   * Absent where no anchor is configured: verify then checks the hash chains alone and says so.
   */
  anchor?: AnchorService;
  /** Deployment tracking (needs the follow-up queue). @default none: deployments are not followed */
  deployments?: DeploymentStarter;
  /**
   * Queues the notifications of events that write no audit record (a push dead-lettered, a failed
   * verify); records the rules name are queued by the audit store itself (`withNotifications`).
   * @default none: no rules or no notification queue
   */
  notify?: NotificationPublisher;
}

/**
 * What {@link buildCoreDeps} builds for every ArgoCD-facing function: {@link CoreDeps} without
 * the drift state store, which only drift-scan and the operator API use: their handler modules
 * add it, so the other functions do not bundle the DynamoDB drift adapter (2.7 KB). Nor does it
 * build `argocdByPurpose`: only the operator API acts with other purposes' tokens (scan now,
 * import), and it adds {@link purposeRegistries} itself.
 */
export type BaseCoreDeps = Omit<CoreDeps, 'driftState'>;

/**
 * The ArgoCD clients to use for one purpose: the instance's token for that purpose when it has
 * one, else its one token (then these are `deps.argocd` itself).
 */
export function argocdFor(deps: Pick<CoreDeps, 'argocd' | 'argocdByPurpose'>, purpose: TokenPurpose): ArgoCDRegistry {
  return deps.argocdByPurpose?.(purpose) ?? deps.argocd;
}

/**
 * A per-purpose registry builder for {@link CoreDeps.argocdByPurpose}: one registry per purpose
 * whose instances have a token of their own for it, built once; `fallback` otherwise.
 */
export function purposeRegistries(
  config: SentinelConfig,
  secrets: SecretsProvider,
  fallback: ArgoCDRegistry,
  logger?: SimpleLogger,
): (purpose: TokenPurpose) => ArgoCDRegistry {
  const built = new Map<TokenPurpose, ArgoCDRegistry>();
  return (purpose) => {
    if (!config.instances.some((i) => i.tokens?.[purpose])) return fallback;
    let registry = built.get(purpose);
    if (!registry) built.set(purpose, (registry = createArgoCDClients(config, secrets, { logger, purpose })));
    return registry;
  };
}

/** The ArgoCD token purpose of each function's own calls. */
const FUNCTION_PURPOSE: Record<string, TokenPurpose> = {
  'sync-worker': 'worker',
  'drift-scan': 'scanner',
  'operator-api': 'operator',
  'deploy-tracker': 'worker',
};

/**
 * Builds the deployed dependencies from the Lambda environment (`SENTINEL_CONFIG_JSON`,
 * `SENTINEL_TABLE_PREFIX`, ...): real DynamoDB, Secrets Manager, one ArgoCD client per instance.
 * @param functionName added to every log line
 */
export function buildCoreDeps(
  functionName: string,
  env: Record<string, string | undefined> = process.env,
  config: SentinelConfig = loadConfig(env),
): BaseCoreDeps {
  const log = asSimpleLogger(createLogger(functionName));
  const client = new DynamoDBClient({
    region: config.storage.region,
    ...(config.storage.dynamodbEndpoint ? { endpoint: config.storage.dynamodbEndpoint } : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = tableNames(config.storage.tablePrefix);
  const secrets = new SecretsManagerProvider({ env });
  const purpose = FUNCTION_PURPOSE[functionName] ?? 'operator';
  const argocd = createArgoCDClients(config, secrets, { logger: log, purpose });
  const notifyQueue = config.notifyQueueUrl
    ? new SQSNotificationQueue({ queueUrl: config.notifyQueueUrl, clientConfig: { region: config.storage.region } })
    : undefined;
  const notify = notificationPublisher(config, notifyQueue, log);
  const core: BaseCoreDeps = {
    config,
    doc,
    tables,
    auditStore: withNotifications(new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger: log }), notify, log),
    ...(notify ? { notify } : {}),
    secrets,
    argocd,
    log,
    now: () => new Date(),
  };
  // Functions that start deployments (sync worker, drift scan, operator API) and the tracker
  // itself get the follow-up queue's URL; without it nothing is tracked.
  const followUps = config.followUpQueueUrl
    ? new SQSFollowUpQueue({ queueUrl: config.followUpQueueUrl, clientConfig: { region: config.storage.region } })
    : undefined;
  // Deployment listeners: commit statuses are queued on the follow-up queue, set by the deploy tracker.
  const statuses = createCommitStatusService(core, followUps);
  const deployments = createDeploymentTracker(core, followUps, statuses ? [statuses.listener] : []);
  return deployments ? { ...core, deployments } : core;
}

/**
 * The audit store, wrapped so that appending a record some notification rule names queues its
 * notifications (`NotifyingAuditStore`); unchanged without a publisher.
 */
export function withNotifications(store: AuditStore, publisher: NotificationPublisher | undefined, log?: SimpleLogger): AuditStore {
  return publisher ? new NotifyingAuditStore(store, publisher, log) : store;
}

/**
 * The deployed dependencies of an ArgoCD-facing function, following the configuration: from
 * Parameter Store when `SENTINEL_CONFIG_PARAMETER` is set (rebuilt, and audited as
 * `config.changed`, when a new version appears), else from `SENTINEL_CONFIG_JSON` once.
 * @param extend adds what only this function uses to the shared dependencies, on every rebuild
 *   (the operator API adds its drift state store); a function that needs nothing more passes nothing
 * @example const getDeps = lazyDeps(deployedCoreDeps('sync-worker'));
 */
export function deployedCoreDeps<T extends BaseCoreDeps = BaseCoreDeps>(
  functionName: string,
  env: Record<string, string | undefined> = process.env,
  extend: (core: BaseCoreDeps) => T = (core) => core as T,
): DepsOrBuilder<T> {
  return configuredDeps<T>(functionName, env, (config, previous) => {
    // The replaced clients' keep-alive sockets are closed; Lambda runs one invocation at a time per instance.
    if (previous) for (const purpose of ['worker', 'scanner', 'importer', 'operator'] as const) argocdFor(previous, purpose).close();
    return extend(buildCoreDeps(functionName, env, config));
  });
}
