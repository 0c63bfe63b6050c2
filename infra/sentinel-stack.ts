import { createHash } from 'node:crypto';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { InstanceConfig, SecretRef, TokenPurpose } from '../functions/lib/config/types';
import { defaults, secretRefsOf, tokenFor } from '../functions/lib/config/index';
import { AUDIT_TABLE, IDEMPOTENCY_TABLE, STATE_TABLE, tableName, type KeyAttribute, type TableDefinition } from '../functions/lib/config/tables';
import { REFUSED_METRIC, SECRET_UNAVAILABLE_METRIC } from '../functions/lib/intake/refusals';
import { COMMIT_STATUS_REFUSED_METRIC, commitStatusSummary } from '../functions/lib/commit-status/index';
import { OPERATOR_ROUTES as API_ROUTES } from '../functions/operator-api/routes';
import { handlerEntry, type FunctionName } from './bundling';
import { driftScheduleMinutes, type FunctionSizing, type SentinelDeployment } from './config';
import { METRICS_NAMESPACE, SentinelFunction, type DynamoDBAction } from './constructs/sentinel-function';

/** Refused webhook requests per 5 minutes above which the refusal alarm fires. */
export const WEBHOOK_REFUSAL_ALARM_THRESHOLD = 100;

/** Props of {@link SentinelStack}. */
export interface SentinelStackProps extends StackProps {
  /** Validated settings and application config, from `loadDeployment`. */
  readonly deployment: SentinelDeployment;
}

/**
 * Operator API routes, all IAM (SigV4) authorised when deployed: taken from the operator
 * API's own route table, so a route added there is deployed too.
 */
export const OPERATOR_ROUTES: readonly { path: string; method: apigwv2.HttpMethod }[] = API_ROUTES.map((r) => ({
  path: r.path,
  method: apigwv2.HttpMethod[r.method],
}));

/** The public webhook route, the same path as ArgoCD's own webhook endpoint. */
// ANY, not POST: the function itself answers 405 to other methods (DESIGN.md), where API
// Gateway would answer a bare 404.
export const WEBHOOK_ROUTE = { path: '/api/webhook', method: apigwv2.HttpMethod.ANY } as const;

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
 * The whole of gitops-sentinel in one region: HTTP API, push queue with its DLQ,
 * the functions (webhook, sync worker, drift scan, operator API, deploy tracker), the follow-up queue, the drift schedule, the three tables (from `tables.ts`), grants to
 * existing secrets, alarms to an SNS topic and a dashboard. One stack per stage and region.
 */
export class SentinelStack extends Stack {
  /** Tables by definition id. */
  readonly tables: Record<TableDefinition['id'], dynamodb.Table>;
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
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Signed digests: versioned, Object Lock in compliance mode, written by the anchor function only. */
  readonly anchorBucket: s3.Bucket;
  /** The digest signing key (ECC_NIST_P256, SIGN_VERIFY); only the anchor function may sign. */
  readonly anchorKey: kms.Key;

  // eslint-disable-next-line max-lines-per-function -- the stack's wiring (tables, functions, grants, API, alarms) in declaration order, as CDK stacks are read
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

    // Tables, built from the same definitions the local stack creates its tables from.
    this.tables = {
      // The audit trail is the evidence: point-in-time recovery, deletion protection, and
      // kept when the stack goes.
      audit: tableFrom(this, 'AuditTable', AUDIT_TABLE, prefix, { pitr: true, deletionProtection: true, removalPolicy: RemovalPolicy.RETAIN }),
      state: tableFrom(this, 'StateTable', STATE_TABLE, prefix, { pitr: true, deletionProtection: false, removalPolicy: RemovalPolicy.RETAIN }),
      idempotency: tableFrom(this, 'IdempotencyTable', IDEMPOTENCY_TABLE, prefix, {
        pitr: false,
        deletionProtection: false,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    };
    Validations.of(this.tables.idempotency).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'Idempotency records expire by TTL within a day and are rebuilt by retries; restoring them to a point in time has no value.',
    });

    // Queue: SQS-managed encryption, TLS only. AWS guidance: visibility timeout at least six
    // times the consumer's timeout (plus the batching window), so a slow batch is not
    // handed to a second worker while the first still runs.
    this.deadLetterQueue = new sqs.Queue(this, 'PushDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const worker = settings.functions.syncWorker;
    this.queue = new sqs.Queue(this, 'PushQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * worker.timeoutSeconds + settings.queue.maxBatchingWindowSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.queue.maxReceiveCount },
    });

    // Follow-ups: delayed deployment checks (SQS DelaySeconds, so no Lambda waits). A queue of
    // their own: a push burst must not delay them, and they must not be coalesced with pushes.
    const tracker = settings.functions.deployTracker;
    this.followUpDeadLetterQueue = new sqs.Queue(this, 'FollowUpDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.followUpQueue = new sqs.Queue(this, 'FollowUpQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * tracker.timeoutSeconds),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.followUpDeadLetterQueue, maxReceiveCount: settings.queue.maxReceiveCount },
    });

    // Notifications: one message per (event, channel), fed by the functions that write the records
    // rules name; the notifier's retries are delayed messages, its last failures go to the DLQ.
    const notifierSizing = settings.functions.notifier;
    this.notifyDeadLetterQueue = new sqs.Queue(this, 'NotifyDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.notifyQueue = new sqs.Queue(this, 'NotifyQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * notifierSizing.timeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.notifyDeadLetterQueue, maxReceiveCount: settings.queue.maxReceiveCount },
    });
    const notifyEnv = { SENTINEL_NOTIFY_QUEUE_URL: this.notifyQueue.queueUrl };

    // Secrets: existing ones, by name or ARN. The webhook reads webhook secrets only; the
    // functions that call ArgoCD read the ArgoCD tokens only.
    const secretCache = new Map<string, secretsmanager.ISecret>();
    const secretFor = (ref: SecretRef) => {
      const secretId = ref.secretId as string;
      let secret = secretCache.get(secretId);
      if (!secret) {
        secret = importSecret(this, `Secret${createHash('sha256').update(secretId).digest('hex').slice(0, 8)}`, secretId);
        secretCache.set(secretId, secret);
      }
      return secret;
    };
    const webhookSecrets = Object.values(config.webhook?.secrets ?? {})
      .flatMap((setting) => secretRefsOf(setting))
      .map(secretFor);
    // The ApplicationSet controllers' webhook secrets: the sync worker forwards pushes, so it
    // alone reads them (the webhook function only carries the body in the queue message).
    const appsetSecrets = [
      ...new Set(
        (config.instances ?? []).flatMap((i) =>
          Object.values(i.applicationSetWebhook?.secrets ?? {})
            .filter((ref): ref is SecretRef => ref !== undefined)
            .map(secretFor),
        ),
      ),
    ];
    // Each function reads only the ArgoCD tokens of its purposes (instances[].tokens, else the one token).
    const argocdTokens = (...purposes: TokenPurpose[]) => [
      ...new Set((config.instances ?? []).flatMap((i) => purposes.map((p) => secretFor(tokenFor(i as InstanceConfig, p))))),
    ];

    // The Git providers' API tokens (gitApis): the sync worker asks the compare APIs for changed
    // files, the deploy tracker sets commit statuses; no other function reads them.
    const gitApiTokens = [
      ...new Set(
        Object.values(config.gitApis ?? {})
          .flatMap((api) => (typeof api === 'object' && api.token ? [api.token] : []))
          .map(secretFor),
      ),
    ];

    // Network: an existing VPC, for an ArgoCD reachable only on a private network.
    let network: Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'> = {};
    if (settings.vpc) {
      // Lambda places its network interfaces by subnet id, so the VPC's zone list is never
      // read; it is only required to be non-empty. No lookup: synth stays offline.
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: settings.vpc.vpcId, availabilityZones: [Fn.select(0, Fn.getAzs())] });
      const securityGroups = settings.vpc.securityGroupIds.length
        ? settings.vpc.securityGroupIds.map((sg, n) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${n}`, sg))
        : [
            new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
              vpc,
              description: 'gitops-sentinel functions: outbound to ArgoCD and AWS APIs',
              allowAllOutbound: true,
            }),
          ];
      network = {
        vpc,
        vpcSubnets: { subnets: settings.vpc.subnetIds.map((s, n) => ec2.Subnet.fromSubnetId(this, `Subnet${n}`, s)) },
        securityGroups,
      };
    }

    const common = {
      serviceName: settings.serviceName,
      tracingEnabled: settings.tracing,
      logRetention: retention,
    };
    // The configuration lives in an advanced-tier parameter (up to 8 KB, gzipped above that), read
    // through Powertools Parameters and re-read every configRefreshSeconds: a changed access
    // policy takes effect without a function deploy (a deploy that changes only the parameter).
    this.configParameter = new ssm.StringParameter(this, 'ConfigParameter', {
      parameterName: `/gitops-sentinel/${settings.stage}/config`,
      description: 'gitops-sentinel configuration (validated at synth; JSON, or gz: + base64 of gzipped JSON)',
      stringValue: configParameterValue,
      tier: ssm.ParameterTier.ADVANCED,
    });
    // Every variable a function gets is read by loadConfig / configParameterOf (functions/lib/config).
    // The table names follow from the prefix (tableNames), as they do for the local stack.
    const tableEnv = { SENTINEL_TABLE_PREFIX: prefix };
    const configEnv = {
      SENTINEL_CONFIG_PARAMETER: this.configParameter.parameterName,
      SENTINEL_CONFIG_MAX_AGE_SECONDS: String(settings.configRefreshSeconds),
    };
    const fn = (
      idName: string,
      name: FunctionName,
      sizing: FunctionSizing,
      extra: Partial<ConstructorParameters<typeof SentinelFunction>[2]> = {},
      readsConfig = true,
    ) =>
      new SentinelFunction(this, idName, {
        ...common,
        entry: handlerEntry(name),
        description: `gitops-sentinel ${name} (${settings.stage})`,
        memorySize: sizing.memoryMb,
        timeout: Duration.seconds(sizing.timeoutSeconds),
        ...extra,
        environment: { ...tableEnv, ...(readsConfig ? configEnv : {}), ...extra.environment },
      });

    // The notification queue: a refusal spike queues one webhook.refused-spike (never sent from here).
    const webhook = fn('Webhook', 'webhook', settings.functions.webhook, { environment: { SENTINEL_QUEUE_URL: this.queue.queueUrl, ...notifyEnv } });
    // Every function that starts deployments (pushes, repairs, rollbacks) schedules their checks.
    const followUpEnv = { SENTINEL_FOLLOWUP_QUEUE_URL: this.followUpQueue.queueUrl };
    // The worker audits undone actions as failed on the last receive, so it must know the redrive limit.
    const syncWorker = fn('SyncWorker', 'sync-worker', settings.functions.syncWorker, {
      ...network,
      // The notification queue: the last receive of a push left undone queues delivery.dead-lettered.
      environment: { SENTINEL_MAX_RECEIVE_COUNT: String(settings.queue.maxReceiveCount), ...followUpEnv, ...notifyEnv },
    });
    const driftScan = fn('DriftScan', 'drift-scan', settings.functions.driftScan, {
      ...network,
      environment: { ...followUpEnv, ...notifyEnv },
      // One scan at a time: overlapping scans would double-count drift and race on repairs.
      reservedConcurrentExecutions: settings.driftScanReservedConcurrency || undefined,
    });
    const operatorApi = fn('OperatorApi', 'operator-api', settings.functions.operatorApi, {
      ...network,
      environment: { ...followUpEnv, ...notifyEnv },
    });
    // The anchor reads no configuration: the audit table (by prefix) and its SENTINEL_ANCHOR_* are all it needs.
    const anchor = fn('Anchor', 'anchor', settings.functions.anchor, {}, false);
    const deployTracker = fn('DeployTracker', 'deploy-tracker', tracker, { ...network, environment: { ...followUpEnv, ...notifyEnv } });
    // Outside the VPC: it reaches Slack and webhooks on the Internet and AWS APIs, never ArgoCD.
    const notifier = fn('Notifier', 'notifier', notifierSizing, {
      environment: { ...notifyEnv, SENTINEL_NOTIFY_DLQ_URL: this.notifyDeadLetterQueue.queueUrl },
    });
    this.functions = { webhook, syncWorker, driftScan, operatorApi, anchor, deployTracker, notifier };

    const { audit, state, idempotency } = this.tables;
    webhook
      .bindAuditTable({ table: audit, access: 'append' })
      .bindTable({ table: idempotency, definition: IDEMPOTENCY_TABLE, actions: TABLE_ACTIONS.webhook.idempotency })
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.webhook.state })
      .bindSecrets(webhookSecrets, settings.secretsKmsKeyArns);
    this.queue.grantSendMessages(webhook);
    syncWorker
      .bindAuditTable({ table: audit, access: 'append' })
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.syncWorker.state })
      .bindSecrets([...new Set([...argocdTokens('worker'), ...appsetSecrets, ...gitApiTokens])], settings.secretsKmsKeyArns);
    driftScan
      .bindAuditTable({ table: audit, access: 'append' })
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.driftScan.state })
      .bindSecrets(argocdTokens('scanner'), settings.secretsKmsKeyArns);
    operatorApi
      .bindAuditTable({ table: audit, access: 'read' })
      .bindAuditTable({ table: audit, access: 'append' })
      // The by-kind index lists scan summaries (GET /api/drift, /api/stats).
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.operatorApi.state, queryIndexes: true })
      // The operator API runs scans now and imports, with those purposes' tokens.
      .bindSecrets(argocdTokens('operator', 'scanner', 'importer'), settings.secretsKmsKeyArns);
    // Every function reads the configuration parameter, and nothing else in Parameter Store.
    for (const f of [webhook, syncWorker, driftScan, operatorApi, deployTracker, notifier]) {
      f.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.configParameter.parameterArn] }));
    }
    anchor.bindAuditTable({ table: audit, access: 'read' });

    // Anchoring (docs/audit-table.md): digests in a bucket nobody can rewrite before retention
    // ends (Object Lock, compliance mode: not even the account root), signed with a KMS key only
    // the anchor function may sign with. Granted to it alone, and denied to every other principal
    // by the bucket and key policies, so a grant added elsewhere by mistake still cannot sign or write.
    const anchorLogs = new s3.Bucket(this, 'AnchorAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(settings.anchor.retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.anchorBucket = new s3.Bucket(this, 'AnchorBucket', {
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(settings.anchor.retentionDays)),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: anchorLogs,
      serverAccessLogsPrefix: 'digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.anchorKey = new kms.Key(this, 'AnchorKey', {
      description: 'gitops-sentinel audit digest signing key',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const notAnchor = { ArnNotEquals: { 'aws:PrincipalArn': anchor.role!.roleArn } };
    this.anchorKey.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: notAnchor,
      }),
    );
    this.anchorBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.anchorBucket.arnForObjects('*')],
        conditions: notAnchor,
      }),
    );
    anchor.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [this.anchorKey.keyArn] }));
    // digests/: the signed digests; parts/: the heads of big digests (checkpoints), named by hash in them.
    anchor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [this.anchorBucket.arnForObjects('digests/*'), this.anchorBucket.arnForObjects('parts/*')],
      }),
    );
    anchor.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.anchorBucket.bucketArn] }));
    operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [this.anchorKey.keyArn] }));
    operatorApi.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.anchorBucket.arnForObjects('digests/*'), this.anchorBucket.arnForObjects('parts/*')],
      }),
    );
    operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.anchorBucket.bucketArn] }));
    // "Anchor now" invokes the anchor function, the only one that can sign.
    operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [anchor.functionArn] }));
    const anchorEnv = {
      SENTINEL_ANCHOR_BUCKET: this.anchorBucket.bucketName,
      SENTINEL_ANCHOR_KEY_ID: this.anchorKey.keyArn,
      SENTINEL_ANCHOR_CHECKPOINT_MINUTES: String(settings.anchor.checkpointMinutes),
    };
    for (const [k, val] of Object.entries(anchorEnv)) {
      anchor.addEnvironment(k, val);
      operatorApi.addEnvironment(k, val);
    }
    operatorApi.addEnvironment('SENTINEL_ANCHOR_FUNCTION', anchor.functionName);
    for (const f of [anchor, operatorApi]) {
      const bucketArn = `<${Stack.of(this).getLogicalId(this.anchorBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
      Validations.of(f.role!).acknowledge(
        {
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/digests/*]`,
          reason: 'Digests are one object per digest seq under digests/; the grant is limited to that prefix of the one anchor bucket.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/parts/*]`,
          reason: 'Big digests keep their heads in parts, one object per part named by its hash under parts/; the grant is limited to that prefix.',
        },
      );
    }
    new events.Rule(this, 'AnchorSchedule', {
      description: `gitops-sentinel audit anchor every ${settings.anchor.scheduleMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(settings.anchor.scheduleMinutes)),
      // The next tick covers what a missed run would have: no retries, no old events.
      targets: [new eventTargets.LambdaFunction(anchor, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, settings.anchor.scheduleMinutes)) })],
    });
    // The deploy tracker claims check steps and records outcomes; every function that starts a
    // deployment (push, repair, rollback) schedules its checks on the follow-up queue.
    // It also sets commit statuses: the Git provider API tokens (gitApis.<provider>.token).
    deployTracker
      .bindAuditTable({ table: audit, access: 'append' })
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.deployTracker.state })
      .bindSecrets([...new Set([...argocdTokens('worker'), ...gitApiTokens])], settings.secretsKmsKeyArns);
    for (const f of [syncWorker, driftScan, operatorApi, deployTracker]) this.followUpQueue.grantSendMessages(f);
    deployTracker.addEventSource(
      new SqsEventSource(this.followUpQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: settings.queue.maxConcurrency }),
    );
    // The notifier: the channel secrets, the configured topics and buses, and nothing of ArgoCD.
    // Only the functions that write the records rules may name queue notifications.
    const channels = config.notify?.channels ?? [];
    const channelSecrets = channels
      .flatMap((c) => (c.type === 'slack' ? [c.url] : c.type === 'webhook' ? [c.secret] : []))
      .filter((ref): ref is SecretRef => 'secretId' in ref)
      .map(secretFor);
    notifier
      .bindAuditTable({ table: audit, access: 'append' })
      .bindTable({ table: state, definition: STATE_TABLE, actions: TABLE_ACTIONS.notifier.state })
      .bindSecrets([...new Set(channelSecrets)], settings.secretsKmsKeyArns);
    const topics = [...new Set(channels.flatMap((c) => (c.type === 'sns' ? [c.topicArn] : [])))];
    if (topics.length) notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topics }));
    const buses = [
      ...new Set(
        channels.flatMap((c) =>
          c.type !== 'eventbridge'
            ? []
            : [c.eventBusName === 'default' ? this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }) : c.eventBusName],
        ),
      ),
    ];
    if (buses.length) notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: buses }));
    this.notifyQueue.grantSendMessages(notifier); // retries
    this.notifyDeadLetterQueue.grantSendMessages(notifier); // the last failure
    for (const f of [webhook, syncWorker, driftScan, operatorApi, deployTracker]) this.notifyQueue.grantSendMessages(f);
    notifier.addEventSource(
      new SqsEventSource(this.notifyQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: settings.queue.maxConcurrency }),
    );

    // "Scan now" starts the scan function asynchronously; granted on the function ARN
    // alone (grantInvoke would add `<arn>:*` for every version and alias).
    operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [driftScan.functionArn] }));

    // Partial batch responses: only the failed pushes are retried. maxConcurrency caps
    // simultaneous workers, and with them the calls made to ArgoCD.
    syncWorker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.queue.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: settings.queue.maxConcurrency,
        maxBatchingWindow: settings.queue.maxBatchingWindowSeconds ? Duration.seconds(settings.queue.maxBatchingWindowSeconds) : undefined,
      }),
    );

    if (settings.vpc) {
      for (const f of [syncWorker, driftScan, operatorApi, deployTracker]) {
        Validations.of(f.role!).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason: 'Lambda needs the ENI permissions of this AWS managed policy to attach to the configured VPC; they allow no resource-level restriction.',
        });
      }
    }

    // Schedule: the drift scan every `drift.scheduleMinutes` (default 5). No retries: the
    // next tick is the retry, and an old scan event is worth less than a fresh one.
    const scheduleMinutes = driftScheduleMinutes(config);
    new events.Rule(this, 'DriftScanSchedule', {
      description: `gitops-sentinel drift scan every ${scheduleMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [new eventTargets.LambdaFunction(driftScan, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, Math.min(scheduleMinutes, 1440))) })],
    });

    // HTTP API: the webhook is public (the function verifies the provider's signature before
    // it parses anything); everything else needs SigV4.
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `gitops-sentinel-${settings.stage}`,
      description: 'gitops-sentinel: Git push webhooks and the operator API',
      createDefaultStage: false,
    });
    this.apiStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.api.throttleRateLimit, burstLimit: settings.api.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            user: '$context.identity.userArn',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const [webhookRoute] = this.api.addRoutes({
      path: WEBHOOK_ROUTE.path,
      methods: [WEBHOOK_ROUTE.method],
      integration: new HttpLambdaIntegration('WebhookIntegration', webhook),
    });
    Validations.of(webhookRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Git providers cannot sign requests with SigV4; the webhook function verifies each provider’s HMAC signature or token before parsing and answers 401 otherwise.',
    });
    const iamAuthorizer = new HttpIamAuthorizer();
    const operatorIntegration = new HttpLambdaIntegration('OperatorIntegration', operatorApi);
    for (const route of OPERATOR_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration: operatorIntegration, authorizer: iamAuthorizer });
    }

    // Operations: alarms to an encrypted, TLS-only topic.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
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
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: `gitops-sentinel ${settings.stage} alarms`, masterKey: topicKey, enforceSSL: true });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(settings.alarmEmail));
    const notify = new cwActions.SnsAction(this.alarmTopic);
    const alarm = (id: string, props: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, id, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...props });
      a.addAlarmAction(notify);
      this.alarms.push(a);
      return a;
    };

    alarm('DeadLetterQueueNotEmpty', {
      alarmDescription: 'Pushes the sync worker failed repeatedly are waiting in the dead-letter queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('FollowUpDeadLetterQueueNotEmpty', {
      alarmDescription: 'Deployment checks the tracker failed repeatedly are waiting in the follow-up dead-letter queue.',
      metric: this.followUpDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('NotifyDeadLetterQueueNotEmpty', {
      alarmDescription:
        'Notifications that failed notify.maxAttempts times are waiting in the notification dead-letter queue (each also audited as notify.failed).',
      metric: this.notifyDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [name, f] of Object.entries(this.functions)) {
      const title = name[0].toUpperCase() + name.slice(1);
      alarm(`${title}Errors`, {
        alarmDescription: `The ${name} function failed.`,
        metric: f.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${title}Throttles`, {
        alarmDescription: `The ${name} function was throttled.`,
        metric: f.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    const metric = (metricName: string, statistic = 'Maximum', period = Duration.minutes(5)) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: settings.serviceName }, statistic, period });
    alarm('DriftAboveThreshold', {
      alarmDescription: `The latest drift scan found at least ${settings.driftAlarmThreshold} drifted app(s).`,
      metric: metric('DriftedApps', 'Maximum', Duration.minutes(Math.min(Math.max(scheduleMinutes, 5), 1440))),
      threshold: settings.driftAlarmThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    // A scan that fails, times out or never starts records no ScanDurationMs: missing data
    // over two schedule periods is the alarm (function errors alone miss a schedule that stopped).
    alarm('DriftScanNotCompleting', {
      alarmDescription: 'No drift scan completed within two schedule periods.',
      metric: metric('ScanDurationMs', 'SampleCount', Duration.minutes(Math.min(2 * scheduleMinutes, 1440))),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Refused webhook requests are counted, not audited (anyone can send them): a spike means a
    // misconfigured hook (rotated secret, wrong URL) or someone probing the endpoint.
    alarm('WebhookRefusalSpike', {
      alarmDescription: `More than ${WEBHOOK_REFUSAL_ALARM_THRESHOLD} webhook requests were refused within 5 minutes (see the WebhookRefused metric per provider and reason).`,
      metric: metric(REFUSED_METRIC, 'Sum'),
      threshold: WEBHOOK_REFUSAL_ALARM_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    // A configured secret that cannot be loaded refuses every delivery of its provider with 503.
    alarm('WebhookSecretUnavailable', {
      alarmDescription: 'A configured webhook secret could not be loaded; deliveries of its provider are refused with 503 until it is back.',
      metric: metric(SECRET_UNAVAILABLE_METRIC, 'Sum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    // A run that fails raises AnchorErrors (function errors, above) and AnchorRunFailed; a
    // schedule that stopped writes no DigestsWritten at all: missing data over 3 intervals alarms.
    alarm('AnchorRunFailed', {
      alarmDescription: 'An audit anchor run failed (KMS or S3 unreachable, or the table could not be read); the next run covers the gap.',
      metric: metric('AnchorRunFailed', 'Sum', Duration.minutes(settings.anchor.scheduleMinutes)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('AnchorDigestMissing', {
      alarmDescription: 'No audit digest was written for 3 anchor intervals: records since then are not provable.',
      metric: metric('DigestsWritten', 'Sum', Duration.minutes(Math.min(3 * settings.anchor.scheduleMinutes, 1440))),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    alarm('AnchorChainsHeld', {
      alarmDescription: 'An anchor run found chains that no longer extend their anchor (records edited or deleted after anchoring): run sentinel audit verify.',
      metric: metric('AnchorHeldChains', 'Maximum', Duration.minutes(settings.anchor.scheduleMinutes)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    // A Git provider refused the commit status token: counted once per provider and token (the
    // tracker stops calling that provider for a cool-down, so this is not a retry storm).
    alarm('CommitStatusTokenRefused', {
      alarmDescription:
        'A Git provider refused the commit status token (401/403): no statuses for that provider until the token changes or the cool-down ends (see the commit-status.refused audit record).',
      metric: metric(COMMIT_STATUS_REFUSED_METRIC, 'Sum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('InstancesUnreachable', {
      alarmDescription: 'A drift scan could not reach at least one ArgoCD instance.',
      metric: metric('UnreachableInstances'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `gitops-sentinel-${settings.stage}-${this.region}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    });
    const graph = (title: string, metrics: cloudwatch.IMetric[], right?: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left: metrics, right, width: 8 });
    dashboard.addWidgets(
      graph('Consistency % (Git = cluster)', [metric('ConsistencyPercent', 'Minimum')]),
      graph('Drifted apps', [metric('DriftedApps')], [metric('UnreachableInstances')]),
      graph('Repairs and skips', [metric('Repairs', 'Sum'), metric('Skips', 'Sum')]),
    );
    dashboard.addWidgets(
      graph('Scan duration (ms)', [metric('ScanDurationMs', 'p50'), metric('ScanDurationMs', 'p99'), metric('ScanDurationMs', 'Maximum')]),
      graph('Pushes and actions', [metric('PushesReceived', 'Sum'), metric('ActionsTriggered', 'Sum')]),
      graph(
        'Queue',
        [this.queue.metricApproximateNumberOfMessagesVisible(), this.queue.metricApproximateAgeOfOldestMessage()],
        [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
      ),
    );
    dashboard.addWidgets(
      graph(
        'Function errors',
        Object.values(this.functions).map((f) => f.metricErrors({ label: f.node.id })),
      ),
      graph(
        'Function duration p99',
        Object.values(this.functions).map((f) => f.metricDuration({ statistic: 'p99', label: f.node.id })),
      ),
      graph('API requests and 5xx', [this.apiStage.metricCount()], [this.apiStage.metricServerError()]),
    );

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL; point Git webhooks at <url>api/webhook' });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(this, 'FollowUpQueueUrl', { value: this.followUpQueue.queueUrl });
    new CfnOutput(this, 'NotifyDeadLetterQueueUrl', { value: this.notifyDeadLetterQueue.queueUrl, description: 'Notifications that failed for the last time' });
    new CfnOutput(this, 'AuditTableName', { value: audit.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'ApiArn', {
      value: this.formatArn({ service: 'execute-api', resource: this.api.apiId }),
      description: 'execute-api ARN of the HTTP API, for per-route IAM policies: <ApiArn>/$default/<METHOD>/<path> (docs/deploy.md)',
    });
    new CfnOutput(this, 'ConfigParameterName', { value: this.configParameter.parameterName, description: 'Where the functions read the configuration from' });
    new CfnOutput(this, 'AnchorBucketName', { value: this.anchorBucket.bucketName, description: 'Signed audit digests (Object Lock)' });
    new CfnOutput(this, 'AnchorKeyArn', {
      value: this.anchorKey.keyArn,
      description: 'Digest signing key; kms get-public-key gives auditors the verification key',
    });
  }
}

/** Options for {@link tableFrom} beyond the definition. */
interface TableOptions {
  pitr: boolean;
  deletionProtection: boolean;
  removalPolicy: RemovalPolicy;
}

const attribute = (a: KeyAttribute): dynamodb.Attribute => ({
  name: a.name,
  type: a.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
});

/**
 * A DynamoDB table from a shared {@link TableDefinition}: keys, GSIs (projected ALL),
 * TTL attribute and name (`<prefix>-<id>`), on-demand billing, as the local stack's
 * `toCreateTableInput` builds them.
 */
export function tableFrom(scope: Construct, id: string, def: TableDefinition, prefix: string, options: TableOptions): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    tableName: tableName(prefix, def),
    partitionKey: attribute(def.partitionKey),
    sortKey: def.sortKey ? attribute(def.sortKey) : undefined,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: def.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: options.pitr },
    deletionProtection: options.deletionProtection,
    removalPolicy: options.removalPolicy,
  });
  for (const index of def.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

/**
 * An existing secret by name or ARN. A complete ARN (ending in the six-character suffix
 * Secrets Manager adds) is imported as is; a partial ARN or a name gets the `-??????`
 * suffix pattern in grants.
 */
export function importSecret(scope: Construct, id: string, secretId: string): secretsmanager.ISecret {
  if (secretId.startsWith('arn:')) {
    return /:secret:.+-[A-Za-z0-9]{6}$/.test(secretId)
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, secretId)
      : secretsmanager.Secret.fromSecretPartialArn(scope, id, secretId);
  }
  return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
}

/** The `logs.RetentionDays` value for a number of days, or the next longer one CloudWatch offers. */
export function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && Number(v) > 0)
    .sort((a, b) => a - b);
  return allowed.find((v) => v >= days) ?? logs.RetentionDays.INFINITE;
}
