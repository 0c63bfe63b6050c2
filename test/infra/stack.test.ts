import { Match, Template } from 'aws-cdk-lib/assertions';
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { AUDIT_TABLE, IDEMPOTENCY_TABLE, STATE_TABLE, tableNames } from '../../functions/lib/config/tables';
import { loadConfig } from '../../functions/lib/config/index';
import { decodeConfigValue } from '../../functions/lib/config/parameter-source';
import type { SentinelStack } from '../../infra/sentinel-stack';
import { OPERATOR_ROUTES, WEBHOOK_ROUTE } from '../../infra/stack/api';
import { SECRETS_KEY_ARN, synthApp, TEST_CONFIG, TEST_CONTEXT } from './synth';

type Resources = Record<string, { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

/** Every (role logical id → statements) pair of the template's IAM policies. */
function statementsByRole(template: Template): Map<string, any[]> {
  const out = new Map<string, any[]>();
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const role of policy.Properties.Roles as { Ref: string }[]) {
      out.set(role.Ref, [...(out.get(role.Ref) ?? []), ...policy.Properties.PolicyDocument.Statement]);
    }
  }
  return out;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Logical id of the one resource of a type whose id starts with a prefix. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function roleOf(template: Template, fnPrefix: string): string {
  const fn = template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', fnPrefix)];
  return fn.Properties.Role['Fn::GetAtt'][0];
}

/** Acknowledged rules (id → reason) recorded anywhere under a construct. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}

describe('SentinelStack (two instances, 10-minute schedule, maxReceiveCount 7)', () => {
  let app: App;
  let stack: SentinelStack;
  let template: Template;
  let resources: Resources;

  beforeAll(() => {
    ({
      app,
      stacks: [stack],
    } = synthApp(TEST_CONTEXT));
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
  });

  describe('functions', () => {
    it('runs all seven functions on nodejs24.x, arm64, bundled as ESM', () => {
      const fns = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(fns)).toHaveLength(7);
      for (const fn of Object.values(fns)) {
        expect(fn.Properties.Runtime).toBe('nodejs24.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.Handler).toBe('index.handler');
        expect(fn.Properties.Environment.Variables).toMatchObject({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'gitops-sentinel',
          POWERTOOLS_METRICS_NAMESPACE: 'GitOpsSentinel',
          SENTINEL_TABLE_PREFIX: 'gitops-sentinel-test',
        });
        expect(fn.Properties.TracingConfig).toBeUndefined();
        expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      }
    });

    it('keeps the configuration in an advanced SSM parameter that loadConfig accepts, named to every function with its refresh interval', () => {
      const params = Object.values(template.findResources('AWS::SSM::Parameter'));
      expect(params).toHaveLength(1);
      expect(params[0].Properties).toMatchObject({ Tier: 'Advanced', Type: 'String', Name: '/gitops-sentinel/test/config' });
      const config = loadConfig({ SENTINEL_CONFIG_JSON: decodeConfigValue(params[0].Properties.Value) });
      expect(config.instances.map((i) => i.name)).toEqual(['prod-eu', 'prod-us']);
      expect(config.drift.scheduleMinutes).toBe(10);
      // Every function but the anchor, which reads no configuration (see the next test).
      for (const id of ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker']) {
        const fn = resources[logicalId(template, 'AWS::Lambda::Function', id)];
        expect(fn.Properties.Environment.Variables).toMatchObject({ SENTINEL_CONFIG_MAX_AGE_SECONDS: '60' });
        expect(fn.Properties.Environment.Variables.SENTINEL_CONFIG_JSON).toBeUndefined();
        expect(fn.Properties.Environment.Variables.SENTINEL_CONFIG_PARAMETER).toBeDefined();
      }
    });

    it("gives each function only variables its code reads, and loadConfig finds the stack's own tables and settings in them (issue 16 item 5)", () => {
      const common = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'SENTINEL_TABLE_PREFIX'];
      const configEnv = ['SENTINEL_CONFIG_MAX_AGE_SECONDS', 'SENTINEL_CONFIG_PARAMETER'];
      const anchorEnv = ['SENTINEL_ANCHOR_BUCKET', 'SENTINEL_ANCHOR_CHECKPOINT_MINUTES', 'SENTINEL_ANCHOR_KEY_ID'];
      const own: Record<string, string[]> = {
        Webhook: [...configEnv, 'SENTINEL_QUEUE_URL', 'SENTINEL_NOTIFY_QUEUE_URL'],
        SyncWorker: [...configEnv, 'SENTINEL_FOLLOWUP_QUEUE_URL', 'SENTINEL_MAX_RECEIVE_COUNT', 'SENTINEL_NOTIFY_QUEUE_URL'],
        DriftScan: [...configEnv, 'SENTINEL_FOLLOWUP_QUEUE_URL', 'SENTINEL_NOTIFY_QUEUE_URL'],
        OperatorApi: [...configEnv, 'SENTINEL_FOLLOWUP_QUEUE_URL', 'SENTINEL_NOTIFY_QUEUE_URL', ...anchorEnv, 'SENTINEL_ANCHOR_FUNCTION'],
        // The anchor reads no configuration parameter (and may not: no ssm:GetParameter).
        Anchor: anchorEnv,
        DeployTracker: [...configEnv, 'SENTINEL_FOLLOWUP_QUEUE_URL', 'SENTINEL_MAX_RECEIVE_COUNT', 'SENTINEL_NOTIFY_QUEUE_URL'],
        Notifier: [...configEnv, 'SENTINEL_NOTIFY_QUEUE_URL', 'SENTINEL_NOTIFY_DLQ_URL'],
      };
      const physicalTables = Object.values(template.findResources('AWS::DynamoDB::Table')).map((t) => t.Properties.TableName as string);
      for (const [fn, names] of Object.entries(own)) {
        const variables: Record<string, unknown> = resources[logicalId(template, 'AWS::Lambda::Function', fn)].Properties.Environment.Variables;
        // No per-table names, no stage, nothing the code ignores.
        expect([fn, Object.keys(variables).sort()]).toEqual([fn, [...common, ...names].sort()]);
        // CloudFormation references stand in as placeholders; loadConfig parses the rest as the function will.
        const config = loadConfig(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`])));
        expect(Object.values(tableNames(config.storage.tablePrefix)).sort()).toEqual([...physicalTables].sort());
        if (fn === 'SyncWorker' || fn === 'DeployTracker') expect(config.maxReceiveCount).toBe(7);
        if (fn === 'Notifier')
          expect(config).toMatchObject({ notifyQueueUrl: 'resolved-SENTINEL_NOTIFY_QUEUE_URL', notifyDeadLetterQueueUrl: 'resolved-SENTINEL_NOTIFY_DLQ_URL' });
        if (anchorEnv.every((k) => names.includes(k))) expect(config.anchor).toMatchObject({ checkpointMinutes: 60 });
        else expect(config.anchor).toBeUndefined();
      }
    });

    it('lets every function read the configuration parameter, and nothing else in Parameter Store', () => {
      const rs = statementsByRole(template);
      const paramId = logicalId(template, 'AWS::SSM::Parameter', 'ConfigParameter');
      for (const fn of ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi']) {
        const ssm = rs.get(roleOf(template, fn))!.filter((st) => asList<string>(st.Action).some((a) => a.startsWith('ssm:')));
        expect(ssm).toHaveLength(1);
        expect(ssm[0].Action).toBe('ssm:GetParameter');
        expect(JSON.stringify(ssm[0].Resource)).toContain(paramId);
      }
    });

    it('outputs the API ARN for per-route execute-api policies', () => {
      const outputs = template.toJSON().Outputs;
      expect(JSON.stringify(outputs.ApiArn.Value)).toContain('execute-api');
      expect(JSON.stringify(outputs.ApiArn.Value)).toContain(logicalId(template, 'AWS::ApiGatewayV2::Api', 'HttpApi'));
    });

    it('gives each function the timeout and memory of its role, and the webhook the queue URL', () => {
      const props = (prefix: string) => resources[logicalId(template, 'AWS::Lambda::Function', prefix)].Properties;
      expect(props('Webhook')).toMatchObject({ Timeout: 10, MemorySize: 512 });
      expect(props('Webhook').Environment.Variables.SENTINEL_QUEUE_URL).toBeDefined();
      expect(props('SyncWorker')).toMatchObject({ Timeout: 60 });
      expect(props('DriftScan')).toMatchObject({ Timeout: 240, ReservedConcurrentExecutions: 1 });
      expect(props('OperatorApi')).toMatchObject({ Timeout: 29 });
    });

    it('keeps every function log group for a bounded time', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThanOrEqual(5);
      groups.forEach((g) => expect(g.Properties.RetentionInDays).toBe(30));
    });
  });

  describe('queue', () => {
    it('sends a push to the dead-letter queue after maxReceiveCount receives', () => {
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'PushDeadLetterQueue');
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 7 },
      });
    });

    it('encrypts every queue and refuses plain HTTP', () => {
      const queues = Object.values(template.findResources('AWS::SQS::Queue'));
      expect(queues).toHaveLength(6);
      queues.forEach((q) => expect(q.Properties.SqsManagedSseEnabled).toBe(true));
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      expect(policies).toHaveLength(6);
      policies.forEach((p) =>
        expect(p.Properties.PolicyDocument.Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ),
      );
    });

    it('keeps messages invisible for at least six times the worker timeout', () => {
      const queue = resources[logicalId(template, 'AWS::SQS::Queue', 'PushQueue')];
      const worker = resources[logicalId(template, 'AWS::Lambda::Function', 'SyncWorker')];
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    });

    it('feeds the worker with partial batch responses and a concurrency cap', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'SyncWorker') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 4 },
        BatchSize: 10,
      });
    });
  });

  describe('follow-up queue (deployment checks)', () => {
    it('is a standard queue (FIFO ignores per-message DelaySeconds) with its own dead-letter queue', () => {
      const queue = resources[logicalId(template, 'AWS::SQS::Queue', 'FollowUpQueue')];
      expect(queue.Properties.FifoQueue).toBeUndefined();
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'FollowUpDeadLetterQueue');
      expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 7 });
      const tracker = resources[logicalId(template, 'AWS::Lambda::Function', 'DeployTracker')];
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * tracker.Properties.Timeout);
    });

    it('feeds the deploy tracker with partial batch responses; the functions that start deployments get its URL and may send', () => {
      const queueRef = { Ref: logicalId(template, 'AWS::SQS::Queue', 'FollowUpQueue') };
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'DeployTracker') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const queueArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'FollowUpQueue'), 'Arn'] };
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));
      for (const name of ['SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker']) {
        const fn = resources[logicalId(template, 'AWS::Lambda::Function', name)];
        expect(fn.Properties.Environment.Variables.SENTINEL_FOLLOWUP_QUEUE_URL).toEqual(queueRef);
        const role = fn.Properties.Role['Fn::GetAtt'][0];
        const statements = policies
          .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
          .flatMap((p) => p.Properties.PolicyDocument.Statement);
        expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']), Resource: queueArn }));
      }
      const webhook = resources[logicalId(template, 'AWS::Lambda::Function', 'Webhook')];
      expect(webhook.Properties.Environment.Variables.SENTINEL_FOLLOWUP_QUEUE_URL).toBeUndefined();
    });
  });

  describe('notifications', () => {
    const roles = () => statementsByRole(template);
    const statementsOf = (fn: string) => roles().get(roleOf(template, fn))!;
    const ALL = ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'Anchor', 'DeployTracker', 'Notifier'];

    it('has a standard notification queue with its own dead-letter queue, feeding the notifier with partial batch responses', () => {
      const queue = resources[logicalId(template, 'AWS::SQS::Queue', 'NotifyQueue')];
      expect(queue.Properties.FifoQueue).toBeUndefined();
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'NotifyDeadLetterQueue');
      expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 7 });
      const notifier = resources[logicalId(template, 'AWS::Lambda::Function', 'Notifier')];
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * notifier.Properties.Timeout);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', 'Notifier') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(notifier.Properties.Environment.Variables).toMatchObject({
        SENTINEL_NOTIFY_QUEUE_URL: { Ref: logicalId(template, 'AWS::SQS::Queue', 'NotifyQueue') },
        SENTINEL_NOTIFY_DLQ_URL: { Ref: dlq },
      });
    });

    it('lets only the sources of notification events queue them, and only the notifier dead-letter them', () => {
      const sendsTo = (fn: string, queue: string) =>
        statementsOf(fn).some(
          (s) =>
            asList<string>(s.Action).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(`"${logicalId(template, 'AWS::SQS::Queue', queue)}"`),
        );
      // Webhook: refusal spikes; SyncWorker: dead-lettered pushes; the others: drift, deploy and verify events.
      expect(ALL.filter((fn) => sendsTo(fn, 'NotifyQueue'))).toEqual(['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker', 'Notifier']);
      expect(ALL.filter((fn) => sendsTo(fn, 'NotifyDeadLetterQueue'))).toEqual(['Notifier']);
      const queueRef = { Ref: logicalId(template, 'AWS::SQS::Queue', 'NotifyQueue') };
      for (const fn of ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker']) {
        expect(resources[logicalId(template, 'AWS::Lambda::Function', fn)].Properties.Environment.Variables.SENTINEL_NOTIFY_QUEUE_URL).toEqual(queueRef);
      }
      // The anchor reads no configuration, so it has no rules to queue by (its held-chains alarm stands in).
      expect(resources[logicalId(template, 'AWS::Lambda::Function', 'Anchor')].Properties.Environment.Variables.SENTINEL_NOTIFY_QUEUE_URL).toBeUndefined();
    });

    it('lets only the notifier read the channel secrets, and it reads no ArgoCD token or webhook secret', () => {
      const secretsOf = (fn: string) =>
        statementsOf(fn)
          .filter((s) => asList<string>(s.Action).includes('secretsmanager:GetSecretValue'))
          .map((s) => JSON.stringify(s.Resource))
          .join(' ');
      const notifier = secretsOf('Notifier');
      expect(notifier).toContain('secret:gitops-sentinel/slack-webhook-url-??????');
      expect(notifier).toContain('secret:gitops-sentinel/notify-hmac-??????');
      expect(notifier).not.toContain('argocd/');
      expect(notifier).not.toContain('webhook-??????');
      for (const fn of ALL.filter((f) => f !== 'Notifier')) {
        expect(secretsOf(fn)).not.toContain('slack-webhook-url');
        expect(secretsOf(fn)).not.toContain('notify-hmac');
      }
    });

    it('lets only the notifier publish to the configured topic and put events on the configured buses', () => {
      const grants = (fn: string, action: string) => statementsOf(fn).filter((s) => asList<string>(s.Action).includes(action));
      expect(ALL.filter((fn) => grants(fn, 'sns:Publish').length)).toEqual(['Notifier']);
      expect(ALL.filter((fn) => grants(fn, 'events:PutEvents').length)).toEqual(['Notifier']);
      expect(grants('Notifier', 'sns:Publish').flatMap((s) => asList(s.Resource))).toEqual(['arn:aws:sns:eu-west-1:123456789012:gitops-sentinel-events']);
      const buses = grants('Notifier', 'events:PutEvents')
        .flatMap((s) => asList(s.Resource))
        .map((r) => JSON.stringify(r));
      expect(buses).toHaveLength(2);
      expect(buses.join(' ')).toContain(':event-bus/default');
      expect(buses).toContain(JSON.stringify('arn:aws:events:eu-west-1:123456789012:event-bus/audit'));
    });
  });

  describe('tables', () => {
    it('builds the three tables from the shared definitions', () => {
      for (const def of [AUDIT_TABLE, STATE_TABLE, IDEMPOTENCY_TABLE]) {
        const table = Object.values(template.findResources('AWS::DynamoDB::Table')).find((t) => t.Properties.TableName === `gitops-sentinel-test-${def.id}`);
        expect(table).toBeDefined();
        expect(table!.Properties.KeySchema[0]).toEqual({ AttributeName: def.partitionKey.name, KeyType: 'HASH' });
        expect((table!.Properties.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(
          def.indexes.map((i) => i.indexName).sort(),
        );
        if (def.ttlAttribute) expect(table!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
        expect(table!.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      }
    });

    it('protects the audit table: PITR, deletion protection, retained on stack delete', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({
          TableName: 'gitops-sentinel-test-audit',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('IAM', () => {
    const roles = () => statementsByRole(template);
    const auditId = () => logicalId(template, 'AWS::DynamoDB::Table', 'AuditTable');
    const actionsOn = (statements: any[], needle: string) =>
      statements.filter((s) => JSON.stringify(s.Resource).includes(needle)).flatMap((s) => asList<string>(s.Action));

    it('never lets anyone update, delete or batch-write the audit table', () => {
      for (const [, statements] of roles()) {
        const actions = actionsOn(statements, auditId());
        for (const forbidden of [
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:*',
          'dynamodb:DeleteTable',
          'dynamodb:UpdateTable',
        ]) {
          expect(actions).not.toContain(forbidden);
        }
      }
    });

    it('gives writers PutItem and Query on the audit table only, readers Query on the table and its indexes', () => {
      const rs = roles();
      for (const fn of ['Webhook', 'SyncWorker', 'DriftScan']) {
        expect(new Set(actionsOn(rs.get(roleOf(template, fn))!, auditId()))).toEqual(new Set(['dynamodb:PutItem', 'dynamodb:Query']));
        const indexed = rs
          .get(roleOf(template, fn))!
          .filter((s) => JSON.stringify(s.Resource).includes(`${auditId()}`) && JSON.stringify(s.Resource).includes('/index/'));
        expect(indexed).toEqual([]);
      }
      const operator = rs.get(roleOf(template, 'OperatorApi'))!;
      const reader = operator.find((s) => s.Action === 'dynamodb:Query' && JSON.stringify(s.Resource).includes('/index/by-app'));
      expect(asList(reader.Resource)).toHaveLength(1 + AUDIT_TABLE.indexes.length);
    });

    it('uses no wildcard resource anywhere but the digest and part prefixes of the anchor bucket', () => {
      const bucket = logicalId(template, 'AWS::S3::Bucket', 'AnchorBucket');
      const prefixes = ['/digests/*', '/parts/*'].map((p) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, p]] }));
      for (const [role, statements] of roles()) {
        for (const s of statements) {
          for (const r of asList(s.Resource)) {
            if (prefixes.includes(JSON.stringify(r))) continue;
            expect({ role, resource: typeof r === 'string' ? r : JSON.stringify(r) }).not.toEqual(
              expect.objectContaining({ resource: expect.stringContaining('*') }),
            );
          }
        }
      }
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('lets the webhook read webhook secrets but no ArgoCD token, and the others the reverse', () => {
      const rs = roles();
      const secretsOf = (fn: string) =>
        rs
          .get(roleOf(template, fn))!
          .filter((s) => asList<string>(s.Action).includes('secretsmanager:GetSecretValue'))
          .map((s) => JSON.stringify(s.Resource));
      const webhook = secretsOf('Webhook').join(' ');
      expect(webhook).toContain('secret:gitops-sentinel/github-webhook-??????');
      expect(webhook).toContain('secret:gitops-sentinel/github-webhook-previous-??????');
      expect(webhook).toContain('gitops-sentinel/gitlab-webhook');
      expect(webhook).not.toContain('argocd/');
      for (const fn of ['SyncWorker', 'DriftScan', 'OperatorApi']) {
        const got = secretsOf(fn).join(' ');
        expect(got).toContain('argocd/prod-eu-token');
        expect(got).toContain(TEST_CONFIG.instances[1].token.secretId);
        expect(got).not.toContain('webhook');
      }
    });

    it('lets every function that reads secrets decrypt them with the configured key, only through Secrets Manager', () => {
      const rs = roles();
      for (const fn of ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi']) {
        const decrypt = rs.get(roleOf(template, fn))!.filter((s) => asList<string>(s.Action).includes('kms:Decrypt'));
        expect(decrypt).toHaveLength(1);
        expect(decrypt[0].Resource).toBe(SECRETS_KEY_ARN);
        expect(decrypt[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
      }
    });

    it('grants each function exactly the DynamoDB actions its code uses, per table, and nothing else', () => {
      // The expected table: (function, table) -> actions. A grant not listed here fails the test.
      const expected: Record<string, Record<string, string[]>> = {
        Webhook: { audit: ['PutItem', 'Query'], idempotency: ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'PutItem'], state: ['PutItem', 'UpdateItem'] },
        SyncWorker: { audit: ['PutItem', 'Query'], state: ['GetItem', 'PutItem'] },
        DriftScan: { audit: ['PutItem', 'Query'], state: ['DeleteItem', 'PutItem', 'Query'] },
        OperatorApi: { audit: ['PutItem', 'Query'], 'audit/index': ['Query'], state: ['DeleteItem', 'GetItem', 'PutItem', 'Query'], 'state/index': ['Query'] },
        Anchor: { audit: ['Query'], 'audit/index': ['Query'] },
        // Commit statuses: a consistent read of the deployment, the token refusal (get, conditional put).
        DeployTracker: { audit: ['PutItem', 'Query'], state: ['GetItem', 'PutItem', 'UpdateItem'] },
        Notifier: { audit: ['PutItem', 'Query'], state: ['PutItem'] },
      };
      const tables = { audit: 'AuditTable', state: 'StateTable', idempotency: 'IdempotencyTable' };
      const ids = Object.fromEntries(Object.entries(tables).map(([k, prefix]) => [logicalId(template, 'AWS::DynamoDB::Table', prefix), k]));
      const rs = roles();
      const got: Record<string, Record<string, string[]>> = {};
      for (const fn of Object.keys(expected)) {
        const grants: Record<string, Set<string>> = {};
        for (const st of rs.get(roleOf(template, fn))!) {
          for (const action of asList<string>(st.Action).filter((a) => a.startsWith('dynamodb:'))) {
            for (const r of asList(st.Resource)) {
              const text = JSON.stringify(r);
              const table = Object.keys(ids).find((id) => text.includes(`"${id}"`));
              // A DynamoDB action on anything but one of our tables would be a grant too wide.
              const key = table ? `${ids[table]}${text.includes('/index/') ? '/index' : ''}` : `unknown:${text}`;
              (grants[key] ??= new Set()).add(action.replace('dynamodb:', ''));
            }
          }
        }
        got[fn] = Object.fromEntries(Object.entries(grants).map(([k, v]) => [k, [...v].sort()]));
      }
      expect(got).toEqual(expected);
    });

    it('lets only the anchor function sign with the anchor key and write the digest bucket (IAM and resource policies)', () => {
      const bucket = logicalId(template, 'AWS::S3::Bucket', 'AnchorBucket');
      const key = logicalId(template, 'AWS::KMS::Key', 'AnchorKey');
      const anchorRole = roleOf(template, 'Anchor');
      for (const [role, statements] of roles()) {
        const sign = statements.filter((st) => asList<string>(st.Action).some((a) => a === 'kms:Sign' || a === 'kms:*' || a === '*'));
        const put = statements.filter((st) =>
          asList<string>(st.Action).some((a) => a === 's3:PutObject' || a === 's3:*' || a === '*' || a.startsWith('s3:Put')),
        );
        if (role === anchorRole) {
          expect(sign.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [key, 'Arn'] }]);
          expect(put.map((st) => JSON.stringify(st.Resource))).toEqual([expect.stringContaining(bucket)]);
        } else {
          expect({ role, sign, put }).toEqual({ role, sign: [], put: [] });
        }
      }
      // Resource policies deny every other principal, so a grant added elsewhere by mistake still fails.
      const anchorArn = { 'Fn::GetAtt': [anchorRole, 'Arn'] };
      template.hasResourceProperties('AWS::KMS::Key', {
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'kms:Sign', Condition: { ArnNotEquals: { 'aws:PrincipalArn': anchorArn } } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:PutObject', Condition: { ArnNotEquals: { 'aws:PrincipalArn': anchorArn } } }),
          ]),
        },
      });
    });

    it('keeps the digests in a versioned, Object Lock (compliance, 365 days), private, TLS-only bucket', () => {
      const bucket = logicalId(template, 'AWS::S3::Bucket', 'AnchorBucket');
      expect(resources[bucket]).toMatchObject({ DeletionPolicy: 'Retain' });
      expect(resources[bucket].Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: expect.any(Object),
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      const env = resources[logicalId(template, 'AWS::Lambda::Function', 'Anchor')].Properties.Environment.Variables;
      expect(env).toMatchObject({ SENTINEL_ANCHOR_BUCKET: { Ref: bucket }, SENTINEL_ANCHOR_CHECKPOINT_MINUTES: '60' });
    });

    it('lets only the webhook send to the push queue, only deployment starters to the follow-up queue, and only the operator API invoke a function (the anchor)', () => {
      const rs = roles();
      const has = (fn: string, action: string) => rs.get(roleOf(template, fn))!.some((s) => asList<string>(s.Action).includes(action));
      const sendsTo = (fn: string, queue: string) =>
        rs
          .get(roleOf(template, fn))!
          .some(
            (s) => asList<string>(s.Action).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(logicalId(template, 'AWS::SQS::Queue', queue)),
          );
      const all = ['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker'];
      expect(all.filter((fn) => sendsTo(fn, 'PushQueue'))).toEqual(['Webhook']);
      expect(all.filter((fn) => sendsTo(fn, 'FollowUpQueue'))).toEqual(['SyncWorker', 'DriftScan', 'OperatorApi', 'DeployTracker']);
      expect(['Webhook', 'SyncWorker', 'DriftScan', 'OperatorApi', 'Anchor', 'DeployTracker'].filter((fn) => has(fn, 'lambda:InvokeFunction'))).toEqual([
        'OperatorApi',
      ]);
      // "Scan now" runs the scan inside the operator API: it invokes the anchor function (the only signer) and nothing else.
      const invoked = rs
        .get(roleOf(template, 'OperatorApi'))!
        .filter((s) => asList<string>(s.Action).includes('lambda:InvokeFunction'))
        .map((s) => JSON.stringify(s.Resource));
      expect(invoked).toHaveLength(1);
      expect(invoked[0]).toContain(logicalId(template, 'AWS::Lambda::Function', 'Anchor'));
      expect(invoked[0]).not.toContain(logicalId(template, 'AWS::Lambda::Function', 'DriftScan'));
    });
  });

  describe('HTTP API', () => {
    const routes = () => Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);

    it('leaves /api/webhook public, every method reaching the function (it answers 405 itself)', () => {
      expect(WEBHOOK_ROUTE.method).toBe('ANY');
      const webhook = routes().find((r) => r.RouteKey === `${WEBHOOK_ROUTE.method} ${WEBHOOK_ROUTE.path}`);
      expect(webhook).toBeDefined();
      expect(webhook!.AuthorizationType ?? 'NONE').toBe('NONE');
    });

    it('requires IAM (SigV4) on every other route: those of DESIGN.md and the rest of the operator API', () => {
      const design = [
        'GET /api/audit',
        'GET /api/drift',
        'POST /api/drift/scan',
        'GET /api/stats',
        'POST /api/apps/{instance}/{namespace}/{name}/rollback',
        'GET /healthz',
      ];
      const keys = OPERATOR_ROUTES.map((r) => `${r.method} ${r.path}`);
      expect(keys).toEqual(expect.arrayContaining(design));
      expect(keys).toEqual(expect.arrayContaining(['GET /api/audit/verify', 'GET /api/apps', 'GET /api/export', 'POST /api/import']));
      for (const key of keys) expect(routes().find((r) => r.RouteKey === key)).toMatchObject({ AuthorizationType: 'AWS_IAM' });
      expect(routes()).toHaveLength(keys.length + 1);
    });

    it('throttles the stage and writes access logs', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      });
    });
  });

  it('runs the drift scan on the configured rate', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'DriftScan'), 'Arn'] } })],
    });
  });

  describe('operations', () => {
    const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    it('alarms on the DLQ, errors and throttles of each function, drift, scans, reachability, webhook refusals, unavailable secrets and refused commit status tokens', () => {
      const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic');
      expect(alarms()).toHaveLength(3 + 7 * 2 + 3 + 2 + 3 + 1);
      alarms().forEach((a) => expect(a.AlarmActions).toEqual([{ Ref: topic }]));
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'PushDeadLetterQueue');
      expect(alarms().find((a) => JSON.stringify(a.Dimensions ?? []).includes(dlq))).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
      expect(alarms().filter((a) => a.MetricName === 'Errors')).toHaveLength(7);
      expect(alarms().filter((a) => a.MetricName === 'Throttles')).toHaveLength(7);
      const notifyDlq = logicalId(template, 'AWS::SQS::Queue', 'NotifyDeadLetterQueue');
      expect(alarms().find((a) => JSON.stringify(a.Dimensions ?? []).includes(notifyDlq))).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
      });
      // Anchoring: a failed run, and no digest for 3 intervals of 5 minutes (missing data counts).
      expect(alarms().find((a) => a.MetricName === 'AnchorRunFailed')).toMatchObject({ Threshold: 1, Period: 300 });
      expect(alarms().find((a) => a.MetricName === 'DigestsWritten')).toMatchObject({
        TreatMissingData: 'breaching',
        Period: 900,
        Statistic: 'Sum',
        ComparisonOperator: 'LessThanThreshold',
      });
      expect(alarms().find((a) => a.MetricName === 'AnchorHeldChains')).toMatchObject({ Threshold: 1 });
      expect(alarms().find((a) => a.MetricName === 'DriftedApps')).toMatchObject({
        Namespace: 'GitOpsSentinel',
        Threshold: 1,
        Dimensions: [{ Name: 'service', Value: 'gitops-sentinel' }],
      });
      expect(alarms().find((a) => a.MetricName === 'ScanDurationMs')).toMatchObject({ TreatMissingData: 'breaching', Period: 1200 });
      const service = [{ Name: 'service', Value: 'gitops-sentinel' }];
      expect(alarms().find((a) => a.MetricName === 'WebhookRefused')).toMatchObject({
        Namespace: 'GitOpsSentinel',
        Statistic: 'Sum',
        Threshold: 100,
        Period: 300,
        Dimensions: service,
      });
      expect(alarms().find((a) => a.MetricName === 'WebhookSecretUnavailable')).toMatchObject({
        Namespace: 'GitOpsSentinel',
        Statistic: 'Sum',
        Threshold: 1,
        Dimensions: service,
      });
      expect(alarms().find((a) => a.MetricName === 'CommitStatusTokenRefused')).toMatchObject({
        Namespace: 'GitOpsSentinel',
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: service,
      });
    });

    it('encrypts the alarm topic with a rotating key CloudWatch may use, and refuses plain HTTP', () => {
      const key = logicalId(template, 'AWS::KMS::Key', 'AlarmTopicKey');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    it('draws the Powertools metrics on a dashboard', () => {
      const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      for (const m of [
        'DriftedApps',
        'Repairs',
        'Skips',
        'UnreachableInstances',
        'ConsistencyPercent',
        'ScanDurationMs',
        'PushesReceived',
        'ActionsTriggered',
      ]) {
        expect(body).toContain(m);
      }
      expect(body).toContain('GitOpsSentinel');
    });
  });

  describe('cdk-nag', () => {
    it('reports no unacknowledged AwsSolutions finding', () => {
      const report = new AwsSolutionsChecks().validateScope(app);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
      expect(report.success).toBe(true);
    });

    it('gives every acknowledgement a written reason', () => {
      const acks = acknowledgements(app);
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
    });

    it('would fail without its acknowledgements (the checks really run)', () => {
      // Build the same app with acknowledge() doing nothing.
      const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
      let bare: App;
      try {
        bare = synthApp(TEST_CONTEXT).app;
      } finally {
        spy.mockRestore();
      }
      const rules = new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName);
      expect(rules.sort()).toEqual([
        'AwsSolutions-APIG4',
        'AwsSolutions-DDB3',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<AnchorBucket[0-9A-F]+\.Arn>\/digests\/\*\]$/),
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<AnchorBucket[0-9A-F]+\.Arn>\/parts\/\*\]$/),
      ]);
    });
  });
});

describe('SentinelStack variants', () => {
  it('grants each function only the ArgoCD tokens of its purposes', () => {
    const instances = [
      {
        name: 'prod',
        server: 'https://argocd.example.com',
        token: { secretId: 'argocd/operator' },
        tokens: { worker: { secretId: 'argocd/worker' }, scanner: { secretId: 'argocd/scanner' }, importer: { secretId: 'argocd/importer' } },
      },
    ];
    const template = Template.fromStack(synthApp({ sentinel: { stage: 'tok', config: { instances } } }).stacks[0]);
    const rs = statementsByRole(template);
    const secretsOf = (fn: string) =>
      rs
        .get(roleOf(template, fn))!
        .filter((st) => asList<string>(st.Action).includes('secretsmanager:GetSecretValue'))
        .map((st) => JSON.stringify(st.Resource))
        .join(' ');
    const names = (fn: string) => ['operator', 'worker', 'scanner', 'importer'].filter((p) => secretsOf(fn).includes(`argocd/${p}-`));
    expect(names('SyncWorker')).toEqual(['worker']);
    expect(names('DriftScan')).toEqual(['scanner']);
    expect(names('OperatorApi')).toEqual(['operator', 'scanner', 'importer']);
    expect(names('Webhook')).toEqual([]);
  });

  it('lets only the sync worker read the ApplicationSet webhook secrets (it forwards; the webhook only carries the body)', () => {
    const instances = [
      {
        name: 'prod',
        server: 'https://argocd.example.com',
        token: { secretId: 'argocd/token' },
        applicationSetWebhook: {
          url: 'https://appset.example.com/api/webhook',
          secrets: { github: { secretId: 'argocd/appset', jsonKey: 'webhook.github.secret' }, gitlab: { secretId: 'argocd/appset-gitlab' } },
        },
      },
    ];
    const template = Template.fromStack(synthApp({ sentinel: { stage: 'aps', config: { instances } } }).stacks[0]);
    const rs = statementsByRole(template);
    const secretsOf = (fn: string) =>
      rs
        .get(roleOf(template, fn))!
        .filter((st) => asList<string>(st.Action).includes('secretsmanager:GetSecretValue'))
        .map((st) => JSON.stringify(st.Resource))
        .join(' ');
    const names = (fn: string) => ['token', 'appset', 'appset-gitlab'].filter((p) => secretsOf(fn).includes(`argocd/${p}-`));
    expect(names('SyncWorker')).toEqual(['token', 'appset', 'appset-gitlab']);
    for (const fn of ['Webhook', 'DriftScan', 'OperatorApi', 'DeployTracker']) expect(names(fn).filter((n) => n.startsWith('appset'))).toEqual([]);
  });

  it('refuses an { env } ApplicationSet secret and an unacknowledged http:// ApplicationSet webhook at synth', () => {
    const instance = (applicationSetWebhook: unknown) => ({
      name: 'prod',
      server: 'https://argocd.example.com',
      token: { secretId: 'argocd/token' },
      applicationSetWebhook,
    });
    expect(() =>
      synthApp({
        sentinel: { stage: 'ape', config: { instances: [instance({ url: 'https://appset.example.com/api/webhook', secrets: { github: { env: 'X' } } })] } },
      }),
    ).toThrow(/instances\.0\.applicationSetWebhook\.secrets\.github.*Secrets Manager/);
    expect(() =>
      synthApp({
        sentinel: {
          stage: 'aph',
          config: { instances: [instance({ url: 'http://appset.example.com/api/webhook', secrets: { gitlab: { secretId: 'argocd/appset' } } })] },
        },
      }),
    ).toThrow(/instances\.0\.applicationSetWebhook\.url.*plain http.*insecure-argocd/);
  });

  it('grants the Git provider API tokens (gitApis) to the sync worker (compare) and the deploy tracker (commit statuses) only', () => {
    const config = { instances: TEST_CONFIG.instances, gitApis: { github: { token: { secretId: 'gitops-sentinel/github-api' } } } };
    const template = Template.fromStack(synthApp({ sentinel: { stage: 'git', config } }).stacks[0]);
    const rs = statementsByRole(template);
    const secretsOf = (fn: string) =>
      rs
        .get(roleOf(template, fn))!
        .filter((st) => asList<string>(st.Action).includes('secretsmanager:GetSecretValue'))
        .map((st) => JSON.stringify(st.Resource))
        .join(' ');
    expect(secretsOf('SyncWorker')).toContain('secret:gitops-sentinel/github-api-??????');
    expect(secretsOf('DeployTracker')).toContain('secret:gitops-sentinel/github-api-??????');
    for (const fn of ['Webhook', 'DriftScan', 'OperatorApi', 'Anchor', 'Notifier']) expect(secretsOf(fn)).not.toContain('github-api');
  });

  it('defaults the drift schedule to every 5 minutes', () => {
    const { stacks } = synthApp({ sentinel: { stage: 'dflt', config: { instances: TEST_CONFIG.instances } } });
    Template.fromStack(stacks[0]).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('anchors on the configured schedule with the configured retention', () => {
    const { stacks } = synthApp({
      ...TEST_CONTEXT,
      sentinel: { ...(TEST_CONTEXT.sentinel as object), anchor: { scheduleMinutes: 2, retentionDays: 30, checkpointMinutes: 30 } },
    });
    const t = Template.fromStack(stacks[0]);
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Anchor'), 'Arn'] } })],
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DigestsWritten', Period: 360 });
  });

  it('turns on X-Ray when asked, acknowledging the one wildcard AWS requires', () => {
    const { app, stacks } = synthApp({ sentinel: { ...TEST_CONTEXT.sentinel, tracing: true } });
    const template = Template.fromStack(stacks[0]);
    Object.values(template.findResources('AWS::Lambda::Function')).forEach((fn) => expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' }));
    for (const [, statements] of statementsByRole(template)) {
      for (const s of statements.filter((st) => asList(st.Resource).includes('*'))) {
        expect(asList<string>(s.Action).every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('places the worker, scan and operator API in the configured VPC, never the webhook, the anchor or the notifier (AWS APIs and the Internet only)', () => {
    const { app, stacks } = synthApp({
      ...TEST_CONTEXT,
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb',
      securityGroupIds: 'sg-0cccccccccccccccc',
    });
    const template = Template.fromStack(stacks[0]);
    const fns = template.findResources('AWS::Lambda::Function');
    for (const [id, fn] of Object.entries(fns)) {
      if (id.startsWith('Webhook') || id.startsWith('Anchor') || id.startsWith('Notifier')) expect(fn.Properties.VpcConfig).toBeUndefined();
      else
        expect(fn.Properties.VpcConfig).toEqual({
          SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
          SecurityGroupIds: ['sg-0cccccccccccccccc'],
        });
    }
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('builds one stack per region of a stage', () => {
    const { stacks } = synthApp({ ...TEST_CONTEXT, stage: 'prod', region: 'eu-west-1,us-east-1' });
    expect(stacks.map((s) => [s.node.id, s.region])).toEqual([
      ['GitOpsSentinel-prod-eu-west-1', 'eu-west-1'],
      ['GitOpsSentinel-prod-us-east-1', 'us-east-1'],
    ]);
  });
});
