/**
 * What starts each function besides the HTTP API: the queue consumers (sync worker, deploy
 * tracker, notifier) with the grants of their queues, and the drift scan's schedule.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import type { SecretRef } from '../../functions/lib/config/types';
import type { ConfigFile } from '../../functions/lib/config/schema';
import { STATE_TABLE } from '../../functions/lib/config/tables';
import type { DeploymentSettings } from '../config';
import { TABLE_ACTIONS, type SentinelFunctions } from './functions';
import type { SentinelQueues } from './queues';
import type { SentinelSecrets } from './secrets';
import type { SentinelTables } from './tables';

/** What the consumers are wired from. */
export interface ConsumersInput {
  readonly settings: DeploymentSettings;
  readonly functions: SentinelFunctions;
  readonly tables: SentinelTables;
  readonly queues: SentinelQueues;
  readonly secrets: SentinelSecrets;
}

/**
 * The deploy tracker claims check steps and records outcomes; every function that starts a
 * deployment (push, repair, rollback) schedules its checks on the follow-up queue. It also sets
 * commit statuses: the Git provider API tokens (gitApis.<provider>.token).
 */
export function wireDeployTracker({ settings, functions, tables, queues, secrets }: ConsumersInput): void {
  const { syncWorker, driftScan, operatorApi, deployTracker } = functions;
  deployTracker
    .bindAuditTable({ table: tables.audit, access: 'append' })
    .bindTable({ table: tables.state, definition: STATE_TABLE, actions: TABLE_ACTIONS.deployTracker.state })
    .bindSecrets([...new Set([...secrets.argocdTokens('worker'), ...secrets.gitApiTokens])], settings.secretsKmsKeyArns);
  for (const f of [syncWorker, driftScan, operatorApi, deployTracker]) queues.followUpQueue.grantSendMessages(f);
  deployTracker.addEventSource(
    new SqsEventSource(queues.followUpQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: settings.queue.maxConcurrency }),
  );
}

/**
 * The notifier: the channel secrets, the configured topics and buses, and nothing of ArgoCD.
 * Only the functions that write the records rules may name queue notifications.
 */
export function wireNotifier(scope: Construct, { settings, functions, tables, queues, secrets }: ConsumersInput, config: ConfigFile): void {
  const { webhook, syncWorker, driftScan, operatorApi, deployTracker, notifier } = functions;
  const channels = config.notify?.channels ?? [];
  const channelSecrets = channels
    .flatMap((c) => (c.type === 'slack' ? [c.url] : c.type === 'webhook' ? [c.secret] : []))
    .filter((ref): ref is SecretRef => 'secretId' in ref)
    .map(secrets.secretFor);
  notifier
    .bindAuditTable({ table: tables.audit, access: 'append' })
    .bindTable({ table: tables.state, definition: STATE_TABLE, actions: TABLE_ACTIONS.notifier.state })
    .bindSecrets([...new Set(channelSecrets)], settings.secretsKmsKeyArns);
  const topics = [...new Set(channels.flatMap((c) => (c.type === 'sns' ? [c.topicArn] : [])))];
  if (topics.length) notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topics }));
  const defaultBus = () => Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
  const buses = [...new Set(channels.flatMap((c) => (c.type !== 'eventbridge' ? [] : [c.eventBusName === 'default' ? defaultBus() : c.eventBusName])))];
  if (buses.length) notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: buses }));
  queues.notifyQueue.grantSendMessages(notifier); // retries
  queues.notifyDeadLetterQueue.grantSendMessages(notifier); // the last failure
  for (const f of [webhook, syncWorker, driftScan, operatorApi, deployTracker]) queues.notifyQueue.grantSendMessages(f);
  notifier.addEventSource(
    new SqsEventSource(queues.notifyQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: settings.queue.maxConcurrency }),
  );
}

/**
 * The sync worker consumes the push queue with partial batch responses: only the failed pushes
 * are retried. maxConcurrency caps simultaneous workers, and with them the calls made to ArgoCD.
 */
export function wirePushConsumer({ settings, functions, queues }: ConsumersInput): void {
  functions.syncWorker.addEventSource(
    new SqsEventSource(queues.queue, {
      batchSize: settings.queue.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: settings.queue.maxConcurrency,
      maxBatchingWindow: settings.queue.maxBatchingWindowSeconds ? Duration.seconds(settings.queue.maxBatchingWindowSeconds) : undefined,
    }),
  );
}

/** cdk-nag: the functions placed in the configured VPC need the AWS managed ENI policy. */
export function acknowledgeVpcAccess({ settings, functions }: ConsumersInput): void {
  if (!settings.vpc) return;
  const { syncWorker, driftScan, operatorApi, deployTracker } = functions;
  for (const f of [syncWorker, driftScan, operatorApi, deployTracker]) {
    Validations.of(f.role!).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'Lambda needs the ENI permissions of this AWS managed policy to attach to the configured VPC; they allow no resource-level restriction.',
    });
  }
}

/**
 * The drift scan every `drift.scheduleMinutes` (default 5). No retries: the next tick is the
 * retry, and an old scan event is worth less than a fresh one.
 */
export function driftScanSchedule(scope: Construct, functions: SentinelFunctions, scheduleMinutes: number): void {
  new events.Rule(scope, 'DriftScanSchedule', {
    description: `gitops-sentinel drift scan every ${scheduleMinutes} minute(s)`,
    schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
    targets: [
      new eventTargets.LambdaFunction(functions.driftScan, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, Math.min(scheduleMinutes, 1440))) }),
    ],
  });
}
