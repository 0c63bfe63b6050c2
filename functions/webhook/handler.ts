/**
 * `POST /api/webhook`: API Gateway HTTP API (payload v2) → `receivePush` → HTTP response.
 * Thin by design: it verifies, parses, dedupes and enqueues through `functions/lib`, and never
 * talks to ArgoCD (nor bundles axios or the ArgoCD client; a bundle test checks it).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDBAuditStore } from '../lib/audit/dynamodb-audit-store';
import { ConfigError, loadConfig, type SentinelConfig } from '../lib/config/index';
import { tableNames } from '../lib/config/tables';
import { asSimpleLogger, createLogger } from '../lib/observability/logger';
import { completeLogger } from '../lib/observability/simple-logger';
import { DynamoDBDeliveryLedgerStore } from '../lib/intake/dynamodb-delivery-ledger-store';
import { DynamoDBRefusalCounter } from '../lib/intake/dynamodb-refusal-counter';
import { receivePush, type ReceivePushDeps, type Refusal, type RefusalCounter } from '../lib/intake/index';
import { REFUSED_METRIC, SECRET_UNAVAILABLE_METRIC } from '../lib/intake/refusals';
import { createMetrics } from '../lib/observability/metrics';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';
import { configuredDeps } from '../lib/runtime/configured-deps';
import { SQSPushQueue } from '../lib/queue/sqs-push-queue';
import { SQSNotificationQueue } from '../lib/queue/sqs-notification-queue';
import { notificationPublisher } from '../lib/notify/publisher';
import { watchRefusalSpikes } from '../lib/intake/refusal-spikes';
import { SecretsManagerProvider } from '../lib/secrets/secrets-manager-provider';
import { errorResponse, methodNotAllowed, resultResponse } from './responses';

/** What the webhook function needs: exactly `receivePush`'s dependencies. */
export type WebhookHandlerDeps = ReceivePushDeps;

/** The handler's signature (the Lambda context is optional so the local stack can omit it). */
export type WebhookHandler = (event: APIGatewayProxyEventV2, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Builds a webhook handler around injected dependencies. The local stack passes the
 * dynalite-backed stores, `EnvSecretsProvider` and the `InProcessQueue`; tests pass in-memory ones.
 * @param deps the dependencies, or a function building them on first use (then cached; a
 *   failed build is retried on the next request)
 * @example
 * const handler = createWebhookHandler({ config, secrets: new EnvSecretsProvider(), queue, auditStore, idempotency });
 * const response = await handler(event);
 */
export function createWebhookHandler(deps: DepsOrBuilder<WebhookHandlerDeps>): WebhookHandler {
  const getDeps = lazyDeps(deps);

  return async (event, context) => {
    let resolved: WebhookHandlerDeps | undefined;
    try {
      const method = event?.requestContext?.http?.method ?? 'POST';
      if (method.toUpperCase() !== 'POST') return methodNotAllowed(method);
      resolved = await getDeps();
      const result = await receivePush(
        {
          rawBody: typeof event.body === 'string' ? event.body : '',
          // receivePush lower-cases the names (API Gateway v2 already does; the local adapter and tests may not).
          headers: event.headers ?? {},
          isBase64: event.isBase64Encoded === true,
          ...(context?.getRemainingTimeInMillis ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
        },
        resolved,
      );
      return resultResponse(result);
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode === 500) {
        // Name and a safe message only: never the event, its headers (Authorization) or a stack.
        completeLogger(resolved?.log).error('webhook request failed', {
          error: error instanceof Error ? error.name : 'UnknownError',
          ...(error instanceof ConfigError ? { reason: error.message } : {}),
        });
      }
      return response;
    }
  };
}

/**
 * Counts a refusal twice over: in the state table (read by `/api/stats`) and as CloudWatch
 * metrics (EMF on stdout, no API call): the total `WebhookRefused`, which the spike alarm
 * watches, and the same per `provider` and `reason`.
 */
export function withRefusalMetrics(counter: RefusalCounter): RefusalCounter {
  // Dimension `service` only, as the stack's alarms expect.
  const metrics = createMetrics();
  return {
    async count(refusal: Refusal) {
      metrics.addMetric(REFUSED_METRIC, MetricUnit.Count, 1);
      if (refusal.reason === 'secret-unavailable') metrics.addMetric(SECRET_UNAVAILABLE_METRIC, MetricUnit.Count, 1);
      const single = metrics.singleMetric();
      single.addDimensions({ provider: refusal.provider, reason: refusal.reason });
      single.addMetric(REFUSED_METRIC, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      await counter.count(refusal);
    },
  };
}

/**
 * The deployed dependencies, from the configuration (`loadConfig`): the audit, idempotency
 * (delivery ledger) and state (refusal counts) tables named by `storage.tablePrefix`
 * (`SENTINEL_TABLE_PREFIX`), Secrets Manager, the SQS queue (`SENTINEL_QUEUE_URL`), the notification
 * queue when there is one (`SENTINEL_NOTIFY_QUEUE_URL`, for refusal spikes) and the Powertools logger.
 * @throws ConfigError when the configuration is invalid or the queue URL is missing
 */
export function buildDeployedDeps(env: Record<string, string | undefined> = process.env, config: SentinelConfig = loadConfig(env)): WebhookHandlerDeps {
  if (!config.queueUrl) throw new ConfigError('SENTINEL_QUEUE_URL', 'environment', 'required by the webhook function');
  const log = asSimpleLogger(createLogger('webhook'));
  const { region, dynamodbEndpoint, tablePrefix } = config.storage;
  const tables = tableNames(tablePrefix);
  const dynamo = new DynamoDBClient({ region, ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}) });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const counter = new DynamoDBRefusalCounter({ doc, tableName: tables.state });
  return {
    config,
    log,
    secrets: new SecretsManagerProvider({ clientConfig: { region } }),
    queue: new SQSPushQueue({ queueUrl: config.queueUrl, clientConfig: { region } }),
    auditStore: new DynamoDBAuditStore({
      tableName: tables.audit,
      client: doc,
      logger: log,
    }),
    ledger: new DynamoDBDeliveryLedgerStore({ doc, tableName: tables.idempotency }),
    // A refusal spike queues one `webhook.refused-spike` per provider and window (when a rule names it).
    refusals: watchRefusalSpikes(withRefusalMetrics(counter), {
      windows: counter,
      publisher: notificationPublisher(
        config,
        config.notifyQueueUrl ? new SQSNotificationQueue({ queueUrl: config.notifyQueueUrl, clientConfig: { region } }) : undefined,
        log,
      ),
      settings: config.notify.refusedSpike,
      log,
    }),
  };
}

/**
 * The Lambda entry point. Dependencies are built once per cold start, on the first request
 * (so importing this module never reads the environment or opens a client).
 */
export const handler: WebhookHandler = createWebhookHandler(configuredDeps('webhook', process.env, (config) => buildDeployedDeps(process.env, config)));
