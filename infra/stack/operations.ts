/**
 * Operations: alarms to an encrypted, TLS-only SNS topic, and the dashboard. Every custom metric
 * is a Powertools metric in {@link METRICS_NAMESPACE} with the `service` dimension.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { COMMIT_STATUS_REFUSED_METRIC } from '../../functions/lib/commit-status/index';
import { REFUSED_METRIC, SECRET_UNAVAILABLE_METRIC } from '../../functions/lib/intake/refusals';
import type { DeploymentSettings } from '../config';
import { METRICS_NAMESPACE } from '../constructs/sentinel-function';
import type { SentinelFunctions } from './functions';
import type { SentinelQueues } from './queues';

/** Refused webhook requests per 5 minutes above which the refusal alarm fires. */
export const WEBHOOK_REFUSAL_ALARM_THRESHOLD = 100;

/** A custom metric of the deployment's service: name, statistic (default Maximum), period (default 5 minutes). */
type MetricOf = (metricName: string, statistic?: string, period?: Duration) => cloudwatch.Metric;

const metricOf =
  (settings: DeploymentSettings): MetricOf =>
  (metricName, statistic = 'Maximum', period = Duration.minutes(5)) =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: settings.serviceName }, statistic, period });

/** Adds one alarm (missing data is not breaching unless the props say so) that notifies the topic. */
type AddAlarm = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

/** Alarm props for "at least one" of a metric in one period. */
const atLeastOne = (alarmDescription: string, metric: cloudwatch.IMetric): cloudwatch.AlarmProps => ({
  alarmDescription,
  metric,
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
});

/** Alarm props for "none" of a metric over its period, missing data included: a schedule that stopped. */
const noneWithin = (alarmDescription: string, metric: cloudwatch.IMetric): cloudwatch.AlarmProps => ({
  alarmDescription,
  metric,
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
});

/** What the alarms watch. */
export interface AlarmsInput {
  readonly settings: DeploymentSettings;
  readonly functions: SentinelFunctions;
  readonly queues: SentinelQueues;
  /** Minutes between drift scans (`drift.scheduleMinutes`). */
  readonly scheduleMinutes: number;
}

/** The alarm topic and every alarm. */
export interface SentinelAlarms {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[];
}

/** The alarm topic (its own key, `alarmEmail` subscribed) and every alarm, under `scope` (the stack). */
export function sentinelAlarms(scope: Construct, input: AlarmsInput): SentinelAlarms {
  const alarmTopic = encryptedAlarmTopic(scope, input.settings);
  const notify = new cwActions.SnsAction(alarmTopic);
  const alarms: cloudwatch.Alarm[] = [];
  const alarm: AddAlarm = (id, props) => {
    const a = new cloudwatch.Alarm(scope, id, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...props });
    a.addAlarmAction(notify);
    alarms.push(a);
    return a;
  };
  const metric = metricOf(input.settings);
  deadLetterAlarms(alarm, input.queues);
  functionAlarms(alarm, input.functions);
  driftAlarms(alarm, metric, input);
  webhookAlarms(alarm, metric);
  anchorAlarms(alarm, metric, input.settings.anchor.scheduleMinutes);
  // A Git provider refused the commit status token: counted once per provider and token (the
  // tracker stops calling that provider for a cool-down, so this is not a retry storm).
  alarm(
    'CommitStatusTokenRefused',
    atLeastOne(
      'A Git provider refused the commit status token (401/403): no statuses for that provider until the token changes or the cool-down ends (see the ' +
        'commit-status.refused audit record).',
      metric(COMMIT_STATUS_REFUSED_METRIC, 'Sum'),
    ),
  );
  alarm('InstancesUnreachable', atLeastOne('A drift scan could not reach at least one ArgoCD instance.', metric('UnreachableInstances')));
  return { alarmTopic, alarms };
}

/** The alarm topic, encrypted with a key CloudWatch may use, TLS only. */
function encryptedAlarmTopic(scope: Construct, settings: DeploymentSettings): sns.Topic {
  const topicKey = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'gitops-sentinel alarm topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // CloudWatch alarms publish to an encrypted topic only if the key lets them (an AWS
  // managed key would not). In a key policy "*" means this key.
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', { displayName: `gitops-sentinel ${settings.stage} alarms`, masterKey: topicKey, enforceSSL: true });
  if (settings.alarmEmail) topic.addSubscription(new snsSubscriptions.EmailSubscription(settings.alarmEmail));
  return topic;
}

/** Any message in a dead-letter queue: work that failed for the last time. */
function deadLetterAlarms(alarm: AddAlarm, queues: SentinelQueues): void {
  const visible = (q: SentinelQueues['deadLetterQueue']) => q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
  alarm(
    'DeadLetterQueueNotEmpty',
    atLeastOne('Pushes the sync worker failed repeatedly are waiting in the dead-letter queue.', visible(queues.deadLetterQueue)),
  );
  alarm(
    'FollowUpDeadLetterQueueNotEmpty',
    atLeastOne('Deployment checks the tracker failed repeatedly are waiting in the follow-up dead-letter queue.', visible(queues.followUpDeadLetterQueue)),
  );
  alarm(
    'NotifyDeadLetterQueueNotEmpty',
    atLeastOne(
      'Notifications that failed notify.maxAttempts times are waiting in the notification dead-letter queue (each also audited as notify.failed).',
      visible(queues.notifyDeadLetterQueue),
    ),
  );
}

/** `<Name>Errors` and `<Name>Throttles` for every function. */
function functionAlarms(alarm: AddAlarm, functions: SentinelFunctions): void {
  for (const [name, f] of Object.entries(functions)) {
    const title = name[0].toUpperCase() + name.slice(1);
    alarm(`${title}Errors`, atLeastOne(`The ${name} function failed.`, f.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })));
    alarm(`${title}Throttles`, atLeastOne(`The ${name} function was throttled.`, f.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' })));
  }
}

/** Drift at or above the threshold, and a scan that stopped completing. */
function driftAlarms(alarm: AddAlarm, metric: MetricOf, { settings, scheduleMinutes }: AlarmsInput): void {
  alarm('DriftAboveThreshold', {
    ...atLeastOne(
      `The latest drift scan found at least ${settings.driftAlarmThreshold} drifted app(s).`,
      metric('DriftedApps', 'Maximum', Duration.minutes(Math.min(Math.max(scheduleMinutes, 5), 1440))),
    ),
    threshold: settings.driftAlarmThreshold,
  });
  // A scan that fails, times out or never starts records no ScanDurationMs: missing data
  // over two schedule periods is the alarm (function errors alone miss a schedule that stopped).
  alarm(
    'DriftScanNotCompleting',
    noneWithin(
      'No drift scan completed within two schedule periods.',
      metric('ScanDurationMs', 'SampleCount', Duration.minutes(Math.min(2 * scheduleMinutes, 1440))),
    ),
  );
}

/** Refusal spikes and unloadable webhook secrets. */
function webhookAlarms(alarm: AddAlarm, metric: MetricOf): void {
  // Refused webhook requests are counted, not audited (anyone can send them): a spike means a
  // misconfigured hook (rotated secret, wrong URL) or someone probing the endpoint.
  alarm('WebhookRefusalSpike', {
    alarmDescription:
      `More than ${WEBHOOK_REFUSAL_ALARM_THRESHOLD} webhook requests were refused within 5 minutes (see the WebhookRefused metric per ` +
      `provider and reason).`,
    metric: metric(REFUSED_METRIC, 'Sum'),
    threshold: WEBHOOK_REFUSAL_ALARM_THRESHOLD,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
  });
  // A configured secret that cannot be loaded refuses every delivery of its provider with 503.
  alarm(
    'WebhookSecretUnavailable',
    atLeastOne(
      'A configured webhook secret could not be loaded; deliveries of its provider are refused with 503 until it is back.',
      metric(SECRET_UNAVAILABLE_METRIC, 'Sum'),
    ),
  );
}

/**
 * A run that fails raises AnchorErrors (function errors) and AnchorRunFailed; a schedule that
 * stopped writes no DigestsWritten at all: missing data over 3 intervals alarms.
 */
function anchorAlarms(alarm: AddAlarm, metric: MetricOf, scheduleMinutes: number): void {
  alarm(
    'AnchorRunFailed',
    atLeastOne(
      'An audit anchor run failed (KMS or S3 unreachable, or the table could not be read); the next run covers the gap.',
      metric('AnchorRunFailed', 'Sum', Duration.minutes(scheduleMinutes)),
    ),
  );
  alarm(
    'AnchorDigestMissing',
    noneWithin(
      'No audit digest was written for 3 anchor intervals: records since then are not provable.',
      metric('DigestsWritten', 'Sum', Duration.minutes(Math.min(3 * scheduleMinutes, 1440))),
    ),
  );
  alarm(
    'AnchorChainsHeld',
    atLeastOne(
      'An anchor run found chains that no longer extend their anchor (records edited or deleted after anchoring): run sentinel audit verify.',
      metric('AnchorHeldChains', 'Maximum', Duration.minutes(scheduleMinutes)),
    ),
  );
}

/** What the dashboard shows. */
export interface DashboardInput {
  readonly settings: DeploymentSettings;
  readonly functions: SentinelFunctions;
  readonly queues: SentinelQueues;
  readonly apiStage: apigwv2.HttpStage;
}

/** The dashboard: consistency and drift, scans and pushes, the queue, functions and the API. */
export function sentinelDashboard(scope: Construct, { settings, functions, queues, apiStage }: DashboardInput): cloudwatch.Dashboard {
  const metric = metricOf(settings);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `gitops-sentinel-${settings.stage}-${Stack.of(scope).region}`.replace(/[^A-Za-z0-9_-]/g, '-'),
  });
  const graph = (title: string, metrics: cloudwatch.IMetric[], right?: cloudwatch.IMetric[]) =>
    new cloudwatch.GraphWidget({ title, left: metrics, right, width: 8 });
  dashboard.addWidgets(
    graph('Consistency % (Git = cluster)', [metric('ConsistencyPercent', 'Minimum')]),
    graph('Drifted apps', [metric('DriftedApps')], [metric('UnreachableInstances')]),
    graph('Repairs and skips', [metric('Repairs', 'Sum'), metric('Skips', 'Sum')]),
  );
  const { queue, deadLetterQueue } = queues;
  dashboard.addWidgets(
    graph('Scan duration (ms)', [metric('ScanDurationMs', 'p50'), metric('ScanDurationMs', 'p99'), metric('ScanDurationMs', 'Maximum')]),
    graph('Pushes and actions', [metric('PushesReceived', 'Sum'), metric('ActionsTriggered', 'Sum')]),
    graph(
      'Queue',
      [queue.metricApproximateNumberOfMessagesVisible(), queue.metricApproximateAgeOfOldestMessage()],
      [deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
    ),
  );
  dashboard.addWidgets(
    graph(
      'Function errors',
      Object.values(functions).map((f) => f.metricErrors({ label: f.node.id })),
    ),
    graph(
      'Function duration p99',
      Object.values(functions).map((f) => f.metricDuration({ statistic: 'p99', label: f.node.id })),
    ),
    graph('API requests and 5xx', [apiStage.metricCount()], [apiStage.metricServerError()]),
  );
  return dashboard;
}
