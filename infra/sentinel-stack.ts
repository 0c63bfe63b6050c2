import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { defaults } from '../functions/lib/config/index';
import { commitStatusSummary } from '../functions/lib/commit-status/index';
import { driftScheduleMinutes, type SentinelDeployment } from './config';
import { sentinelAnchor } from './stack/anchor';
import { sentinelHttpApi } from './stack/api';
import { acknowledgeVpcAccess, driftScanSchedule, wireDeployTracker, wireNotifier, wirePushConsumer, type ConsumersInput } from './stack/consumers';
import { bindDataAccess, configParameter, sentinelFunctions, type SentinelFunctions } from './stack/functions';
import { functionNetwork } from './stack/network';
import { sentinelAlarms, sentinelDashboard } from './stack/operations';
import { sentinelQueues } from './stack/queues';
import { sentinelSecrets } from './stack/secrets';
import { sentinelTables, type SentinelTables } from './stack/tables';

/** Props of {@link SentinelStack}. */
export interface SentinelStackProps extends StackProps {
  /** Validated settings and application config, from `loadDeployment`. */
  readonly deployment: SentinelDeployment;
}

/**
 * The whole of gitops-sentinel in one region: the three tables (from `tables.ts`), the push,
 * follow-up and notification queues with their DLQs, the seven functions with least-privilege
 * grants to tables and existing secrets, the anchor bucket and signing key, the drift and anchor
 * schedules, the HTTP API, alarms to an SNS topic and a dashboard. One stack per stage and region.
 * Each part is a function in `infra/stack/` (tables, queues, secrets, network, functions, anchor,
 * consumers, api, operations) that creates its resources under this stack.
 */
export class SentinelStack extends Stack {
  /** Tables by definition id. */
  readonly tables: SentinelTables;
  /** The functions. */
  readonly functions: SentinelFunctions;
  /** Pushes waiting for the sync worker. */
  readonly queue: sqs.Queue;
  /** Pushes the worker failed `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Delayed follow-ups (deployment checks); standard, because FIFO queues ignore per-message delays. */
  readonly followUpQueue: sqs.Queue;
  /** Follow-ups the tracker failed `maxReceiveCount` times. */
  readonly followUpDeadLetterQueue: sqs.Queue;
  /** Notifications, one message per (event, channel); standard, retries are delayed messages. */
  readonly notifyQueue: sqs.Queue;
  /** Notifications that failed `notify.maxAttempts` times (moved by the notifier) or did not parse (redrive). */
  readonly notifyDeadLetterQueue: sqs.Queue;
  /** The HTTP API. */
  readonly api: apigwv2.HttpApi;
  /** One line on the access policy (printed at synth). */
  readonly accessSummary: string;
  /** Insecure settings the configuration acknowledges (printed at synth). */
  readonly acknowledged: SentinelDeployment['acknowledged'];
  /** The configuration check's line on commit statuses: which providers get them, which have no token (printed at synth). */
  readonly commitStatusSummary: string;
  /** The configuration parameter (advanced tier) every function reads. */
  readonly configParameter: ssm.StringParameter;
  /** Its `$default` stage (throttled, access-logged). */
  readonly apiStage: apigwv2.HttpStage;
  /** Alarm notifications go here. */
  readonly alarmTopic: sns.Topic;
  /** Every alarm, for tests and for adding actions. */
  readonly alarms: cloudwatch.Alarm[];
  /** Signed digests: versioned, Object Lock in compliance mode, written by the anchor function only. */
  readonly anchorBucket: s3.Bucket;
  /** The digest signing key (ECC_NIST_P256, SIGN_VERIFY); only the anchor function may sign. */
  readonly anchorKey: kms.Key;

  constructor(scope: Construct, id: string, props: SentinelStackProps) {
    super(scope, id, props);
    const { settings, config, configParameterValue } = props.deployment;
    this.accessSummary = props.deployment.accessSummary;
    this.acknowledged = props.deployment.acknowledged;
    this.commitStatusSummary = `gitops-sentinel: ${commitStatusSummary({
      gitApis: config.gitApis,
      commitStatus: { ...defaults.commitStatus, ...config.commitStatus },
    })}`;
    const prefix = `${config.storage?.tablePrefix ?? 'gitops-sentinel'}-${settings.stage}`;
    const retention = retentionDays(settings.logRetentionDays);

    // Every part is created directly under this stack, with the construct ids it always had, so
    // logical IDs (and with them the deployed resources) stay as they were. The parts run in the
    // order each role's policy statements were always added in: the template is unchanged.
    this.tables = sentinelTables(this, prefix);
    const queues = sentinelQueues(this, settings);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue, followUpQueue: this.followUpQueue } = queues);
    ({ followUpDeadLetterQueue: this.followUpDeadLetterQueue, notifyQueue: this.notifyQueue, notifyDeadLetterQueue: this.notifyDeadLetterQueue } = queues);
    const secrets = sentinelSecrets(this, config);
    const network = functionNetwork(this, settings.vpc);
    this.configParameter = configParameter(this, settings, configParameterValue);
    this.functions = sentinelFunctions(this, { settings, prefix, retention, configParameter: this.configParameter, queues, network });
    const { functions, tables } = this;
    bindDataAccess(functions, { tables, secrets, queues, configParameter: this.configParameter, kmsKeyArns: settings.secretsKmsKeyArns });
    const anchor = sentinelAnchor(this, { settings, auditTable: tables.audit, anchor: functions.anchor, operatorApi: functions.operatorApi });
    this.anchorBucket = anchor.bucket;
    this.anchorKey = anchor.key;

    const consumers: ConsumersInput = { settings, functions, tables, queues, secrets };
    wireDeployTracker(consumers);
    wireNotifier(this, consumers, config);
    wirePushConsumer(consumers);
    acknowledgeVpcAccess(consumers);
    const scheduleMinutes = driftScheduleMinutes(config);
    driftScanSchedule(this, functions, scheduleMinutes);

    ({ api: this.api, apiStage: this.apiStage } = sentinelHttpApi(this, {
      settings,
      retention,
      webhook: functions.webhook,
      operatorApi: functions.operatorApi,
    }));
    const operations = sentinelAlarms(this, { settings, functions, queues, scheduleMinutes });
    this.alarmTopic = operations.alarmTopic;
    this.alarms = operations.alarms;
    sentinelDashboard(this, { settings, functions, queues, apiStage: this.apiStage });
    addOutputs(this);
  }
}

/** The stack's outputs: the endpoints, queues, table, topic, parameter and anchor an operator needs. */
function addOutputs(stack: SentinelStack): void {
  new CfnOutput(stack, 'ApiUrl', { value: stack.apiStage.url, description: 'Base URL; point Git webhooks at <url>api/webhook' });
  new CfnOutput(stack, 'QueueUrl', { value: stack.queue.queueUrl });
  new CfnOutput(stack, 'FollowUpQueueUrl', { value: stack.followUpQueue.queueUrl });
  new CfnOutput(stack, 'NotifyDeadLetterQueueUrl', { value: stack.notifyDeadLetterQueue.queueUrl, description: 'Notifications that failed for the last time' });
  new CfnOutput(stack, 'AuditTableName', { value: stack.tables.audit.tableName });
  new CfnOutput(stack, 'AlarmTopicArn', { value: stack.alarmTopic.topicArn });
  new CfnOutput(stack, 'ApiArn', {
    value: stack.formatArn({ service: 'execute-api', resource: stack.api.apiId }),
    description: 'execute-api ARN of the HTTP API, for per-route IAM policies: <ApiArn>/$default/<METHOD>/<path> (docs/deploy.md)',
  });
  new CfnOutput(stack, 'ConfigParameterName', { value: stack.configParameter.parameterName, description: 'Where the functions read the configuration from' });
  new CfnOutput(stack, 'AnchorBucketName', { value: stack.anchorBucket.bucketName, description: 'Signed audit digests (Object Lock)' });
  new CfnOutput(stack, 'AnchorKeyArn', {
    value: stack.anchorKey.keyArn,
    description: 'Digest signing key; kms get-public-key gives auditors the verification key',
  });
}

/** The `logs.RetentionDays` value for a number of days, or the next longer one CloudWatch offers. */
export function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && Number(v) > 0)
    .sort((a, b) => a - b);
  return allowed.find((v) => v >= days) ?? logs.RetentionDays.INFINITE;
}
