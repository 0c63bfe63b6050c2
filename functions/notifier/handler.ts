/**
 * The notifier Lambda: consumes the notification queue and sends each (event, channel) at most
 * once to Slack, a generic webhook, SNS or EventBridge. It holds the channel secrets and the
 * SNS/EventBridge grants, and no ArgoCD token: it never calls ArgoCD (no ArgoCD client in its bundle).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBAuditStore } from '../lib/audit/dynamodb-audit-store';
import type { SentinelConfig } from '../lib/config/types';
import { tableNames } from '../lib/config/tables';
import { NotificationLedger } from '../lib/notify/ledger';
import { Notifier } from '../lib/notify/notifier';
import { asSimpleLogger, createLogger } from '../lib/observability/logger';
import { SQSNotificationQueue } from '../lib/queue/sqs-notification-queue';
import { configuredDeps } from '../lib/runtime/configured-deps';
import { SecretsManagerProvider } from '../lib/secrets/secrets-manager-provider';
import { createNotifierHandler, type NotifierHandler, type NotifierHandlerDeps } from './worker';

export { createNotifierHandler, type NotifierHandler, type NotifierHandlerDeps, type NotifyEvent, type NotifyRecord } from './worker';

/** One client per region, built on first use. */
function perRegion<T>(build: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = build(region)));
    return c;
  };
}

/** The deployed dependencies for one configuration. */
function build(config: SentinelConfig, env: Record<string, string | undefined>): NotifierHandlerDeps {
  const log = asSimpleLogger(createLogger('notifier'));
  if (!config.notifyQueueUrl) throw new TypeError('[gitops-sentinel/notifier] SENTINEL_NOTIFY_QUEUE_URL is not set');
  const { region, dynamodbEndpoint } = config.storage;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region, ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}) }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tables = tableNames(config.storage.tablePrefix);
  const notifier = new Notifier({
    config,
    ledger: new NotificationLedger({ doc, tableName: tables.state, dedupeHours: config.notify.dedupeHours }),
    queue: new SQSNotificationQueue({
      queueUrl: config.notifyQueueUrl,
      ...(config.notifyDeadLetterQueueUrl ? { deadLetterQueueUrl: config.notifyDeadLetterQueueUrl } : {}),
      clientConfig: { region },
    }),
    auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger: log }),
    channels: {
      secrets: new SecretsManagerProvider({ env }),
      region,
      sns: perRegion((r) => new SNSClient({ region: r })),
      eventBridge: perRegion((r) => new EventBridgeClient({ region: r })),
    },
    log,
  });
  return { notifier, log };
}

/** The Lambda entry point (SQS event source with `ReportBatchItemFailures`). */
export const handler: NotifierHandler = createNotifierHandler(
  configuredDeps<NotifierHandlerDeps>('notifier', process.env, (config) => build(config, process.env)),
);
