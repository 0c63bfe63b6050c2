/**
 * The stack's functions, the configuration parameter they read, and their grants on the
 * tables, secrets and that parameter. Grants the anchor, deploy tracker and notifier add
 * are with those parts (anchor.ts, consumers.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, STATE_TABLE } from '../../functions/lib/config/tables';
import { handlerEntry, type FunctionName } from '../bundling';
import type { DeploymentSettings, FunctionSizing } from '../config';
import { SentinelFunction, type DynamoDBAction } from '../constructs/sentinel-function';
import type { FunctionNetwork } from './network';
import type { SentinelQueues } from './queues';
import type { SentinelSecrets } from './secrets';
import type { SentinelTables } from './tables';

/** The functions of a stack, by role. */
export interface SentinelFunctions {
  /** `POST /api/webhook`: verify, parse, dedupe, enqueue. */
  webhook: SentinelFunction;
  /** Queue consumer: match pushes to apps, refresh or sync them. */
  syncWorker: SentinelFunction;
  /** Scheduled drift scan and policy repair. */
  driftScan: SentinelFunction;
  /** The IAM-authorised operator routes. */
  operatorApi: SentinelFunction;
  /** Scheduled anchoring: signs digests of the audit chain heads; the only signer and digest writer. */
  anchor: SentinelFunction;
  /** Follow-up queue consumer: deployment checks. */
  deployTracker: SentinelFunction;
  /** Notification queue consumer: sends to Slack, generic webhooks, SNS and EventBridge. */
  notifier: SentinelFunction;
}

/**
 * DynamoDB actions each function's code sends, per table: the grants, and what the stack test
 * holds every role to (an action added in code needs a line here; an unused one is a finding).
 * The audit table is granted by `bindAuditTable` (writers: conditional PutItem + Query only).
 * Every function that follows the configuration parameter writes a `config-seen` marker (a
 * conditional PutItem on the state table).
 */
export const TABLE_ACTIONS = {
  // The delivery ledger (consistent BatchGet, conditional Put, BatchWrite, Delete of a failed
  // enqueue's claim); refusal counters (UpdateItem ADD) and the config marker on the state table.
  webhook: { idempotency: ['BatchGetItem', 'PutItem', 'BatchWriteItem', 'DeleteItem'], state: ['UpdateItem', 'PutItem'] },
  // The action ledger: a conditional put claims an action, a consistent get reads a claim.
  syncWorker: { state: ['GetItem', 'PutItem'] },
  // Reads an instance's drift state, writes and deletes app states, writes the scan summary.
  driftScan: { state: ['Query', 'PutItem', 'DeleteItem'] },
  // Drift and scan reads, one app's state (clear-flapping), and "scan now", which runs the scan in process.
  operatorApi: { state: ['Query', 'GetItem', 'PutItem', 'DeleteItem'] },
  // Deployment checks: a conditional update claims each step and records the outcome. Commit
  // statuses: a consistent get of the deployment (a retried `pending` after its outcome is
  // dropped), a get and a conditional put of a provider's token refusal.
  deployTracker: { state: ['UpdateItem', 'GetItem', 'PutItem'] },
  // The notification ledger: conditional puts claim and complete each (event, app, revision, channel).
  notifier: { state: ['PutItem'] },
} as const satisfies Record<string, Partial<Record<'state' | 'idempotency', readonly DynamoDBAction[]>>>;

/**
 * The configuration parameter (advanced tier, up to 8 KB, gzipped above that), read through
 * Powertools Parameters and re-read every `configRefreshSeconds`: a changed access policy takes
 * effect without a function deploy (a deploy that changes only the parameter).
 */
export function configParameter(scope: Construct, settings: DeploymentSettings, value: string): ssm.StringParameter {
  return new ssm.StringParameter(scope, 'ConfigParameter', {
    parameterName: `/gitops-sentinel/${settings.stage}/config`,
    description: 'gitops-sentinel configuration (validated at synth; JSON, or gz: + base64 of gzipped JSON)',
    stringValue: value,
    tier: ssm.ParameterTier.ADVANCED,
  });
}

/** What {@link sentinelFunctions} builds the functions from. */
export interface FunctionsInput {
  readonly settings: DeploymentSettings;
  /** Table name prefix: the functions find their tables by it (`tableNames`). */
  readonly prefix: string;
  readonly retention: logs.RetentionDays;
  readonly configParameter: ssm.StringParameter;
  readonly queues: SentinelQueues;
  /** The VPC placement of the ArgoCD-facing functions (worker, scan, operator API, tracker). */
  readonly network: FunctionNetwork;
}

/**
 * The seven functions, directly under `scope` (the stack) with the ids of every earlier deploy,
 * each with the variables it reads (docs/deploy.md) and no grants yet.
 */
export function sentinelFunctions(scope: Construct, input: FunctionsInput): SentinelFunctions {
  const { settings, queues, network } = input;
  const common = { serviceName: settings.serviceName, tracingEnabled: settings.tracing, logRetention: input.retention };
  // Every variable a function gets is read by loadConfig / configParameterOf (functions/lib/config).
  // The table names follow from the prefix (tableNames), as they do for the local stack.
  const tableEnv = { SENTINEL_TABLE_PREFIX: input.prefix };
  const configEnv = {
    SENTINEL_CONFIG_PARAMETER: input.configParameter.parameterName,
    SENTINEL_CONFIG_MAX_AGE_SECONDS: String(settings.configRefreshSeconds),
  };
  const fn = (
    idName: string,
    name: FunctionName,
    sizing: FunctionSizing,
    extra: Partial<ConstructorParameters<typeof SentinelFunction>[2]> = {},
    readsConfig = true,
  ) =>
    new SentinelFunction(scope, idName, {
      ...common,
      entry: handlerEntry(name),
      description: `gitops-sentinel ${name} (${settings.stage})`,
      memorySize: sizing.memoryMb,
      timeout: Duration.seconds(sizing.timeoutSeconds),
      ...extra,
      environment: { ...tableEnv, ...(readsConfig ? configEnv : {}), ...extra.environment },
    });
  const sizes = settings.functions;
  const notifyEnv = { SENTINEL_NOTIFY_QUEUE_URL: queues.notifyQueue.queueUrl };
  // Every function that starts deployments (pushes, repairs, rollbacks) schedules their checks.
  const followUpEnv = { SENTINEL_FOLLOWUP_QUEUE_URL: queues.followUpQueue.queueUrl };
  return {
    // The notification queue: a refusal spike queues one webhook.refused-spike (never sent from here).
    webhook: fn('Webhook', 'webhook', sizes.webhook, { environment: { SENTINEL_QUEUE_URL: queues.queue.queueUrl, ...notifyEnv } }),
    // The worker audits undone actions as failed on the last receive, so it must know the redrive limit.
    syncWorker: fn('SyncWorker', 'sync-worker', sizes.syncWorker, {
      ...network,
      // The notification queue: the last receive of a push left undone queues delivery.dead-lettered.
      environment: { SENTINEL_MAX_RECEIVE_COUNT: String(settings.queue.maxReceiveCount), ...followUpEnv, ...notifyEnv },
    }),
    driftScan: fn('DriftScan', 'drift-scan', sizes.driftScan, {
      ...network,
      environment: { ...followUpEnv, ...notifyEnv },
      // One scan at a time: overlapping scans would double-count drift and race on repairs.
      reservedConcurrentExecutions: settings.driftScanReservedConcurrency || undefined,
    }),
    operatorApi: fn('OperatorApi', 'operator-api', sizes.operatorApi, { ...network, environment: { ...followUpEnv, ...notifyEnv } }),
    // The anchor reads no configuration: the audit table (by prefix) and its SENTINEL_ANCHOR_* are all it needs.
    anchor: fn('Anchor', 'anchor', sizes.anchor, {}, false),
    // The follow-up queue's redrive limit: a check or status failing on its last receive queues delivery.dead-lettered.
    deployTracker: fn('DeployTracker', 'deploy-tracker', sizes.deployTracker, {
      ...network,
      environment: { SENTINEL_MAX_RECEIVE_COUNT: String(settings.queue.maxReceiveCount), ...followUpEnv, ...notifyEnv },
    }),
    // Outside the VPC: it reaches Slack and webhooks on the Internet and AWS APIs, never ArgoCD.
    notifier: fn('Notifier', 'notifier', sizes.notifier, {
      environment: { ...notifyEnv, SENTINEL_NOTIFY_DLQ_URL: queues.notifyDeadLetterQueue.queueUrl },
    }),
  };
}

/**
 * The push path's and the operator API's grants: tables, secrets, the push queue, and the
 * configuration parameter for every function that reads it (nothing else in Parameter Store).
 */
export function bindDataAccess(
  functions: SentinelFunctions,
  input: { tables: SentinelTables; secrets: SentinelSecrets; queues: SentinelQueues; configParameter: ssm.StringParameter; kmsKeyArns: string[] },
): void {
  const { webhook, syncWorker, driftScan, operatorApi, deployTracker, notifier } = functions;
  const { tables, secrets, kmsKeyArns } = input;
  const { audit, state, idempotency } = tables;
  webhook
    .bindAuditTable({ table: audit, access: 'append' })
    .bindTable({ table: idempotency, definition: IDEMPOTENCY_TABLE, actions: TABLE_ACTIONS.webhook.idempotency })
    .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.webhook.state })
    .bindSecrets(secrets.webhook, kmsKeyArns);
  input.queues.queue.grantSendMessages(webhook);
  syncWorker
    .bindAuditTable({ table: audit, access: 'append' })
    .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.syncWorker.state })
    .bindSecrets([...new Set([...secrets.argocdTokens('worker'), ...secrets.appset, ...secrets.gitApiTokens])], kmsKeyArns);
  driftScan
    .bindAuditTable({ table: audit, access: 'append' })
    .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.driftScan.state })
    .bindSecrets(secrets.argocdTokens('scanner'), kmsKeyArns);
  operatorApi
    .bindAuditTable({ table: audit, access: 'read' })
    .bindAuditTable({ table: audit, access: 'append' })
    // The by-kind index lists scan summaries (GET /api/drift, /api/stats).
    .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.operatorApi.state, queryIndexes: true })
    // The operator API runs scans now and imports, with those purposes' tokens.
    .bindSecrets(secrets.argocdTokens('operator', 'scanner', 'importer'), kmsKeyArns);
  for (const f of [webhook, syncWorker, driftScan, operatorApi, deployTracker, notifier]) {
    f.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [input.configParameter.parameterArn] }));
  }
}
