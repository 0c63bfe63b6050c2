import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AUDIT_TABLE, type TableDefinition } from '../../functions/lib/config/tables';
import { REPO_ROOT, SENTINEL_BUNDLING } from '../bundling';

/** Powertools metric namespace shared by every function, the alarms and the dashboard. */
export const METRICS_NAMESPACE = 'GitOpsSentinel';

/** Props of {@link SentinelFunction}: every `NodejsFunctionProps` field plus a few of ours. */
export interface SentinelFunctionProps extends NodejsFunctionProps {
  /**
   * Powertools service name (`POWERTOOLS_SERVICE_NAME`), the `service` dimension of every metric.
   * @default "gitops-sentinel"
   */
  readonly serviceName?: string;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * X-Ray active tracing.
   * @default false
   */
  readonly tracingEnabled?: boolean;
}

/** Access a function gets to the audit table. */
export type AuditAccess = 'append' | 'read';

/** Options of {@link SentinelFunction.bindAuditTable}. */
export interface BindAuditTableOptions {
  /** The audit table, built from `AUDIT_TABLE`. */
  readonly table: dynamodb.ITable;
  /**
   * `append`: `PutItem` (the store writes with a condition) and `Query` on the table
   * itself, to read the head of a hash chain. `read`: `Query` on the table and each of
   * its indexes. Neither ever gets `UpdateItem`, `DeleteItem` or `BatchWriteItem`.
   */
  readonly access: AuditAccess;
  /**
   * The table definition whose indexes a reader may query.
   * @default AUDIT_TABLE
   */
  readonly definition?: TableDefinition;
}

/** Options of {@link SentinelFunction.bindTable}. */
export interface BindTableOptions {
  /** The table, built from `definition`. */
  readonly table: dynamodb.ITable;
  /** The definition the table was built from, for index ARNs. */
  readonly definition: TableDefinition;
  /**
   * Exactly the DynamoDB actions the function's code sends to this table (least privilege,
   * checked by the stack test's table of function, table and actions).
   */
  readonly actions: readonly DynamoDBAction[];
  /** Also `Query` on each of the table's named indexes. @default false */
  readonly queryIndexes?: boolean;
}

/** DynamoDB actions a function may be granted on a mutable table. */
export type DynamoDBAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/**
 * A `NodejsFunction` carrying gitops-sentinel's shared defaults. The caller's props are
 * spread last, so any default can be overridden; `environment` is merged, not replaced.
 *
 * Defaults:
 * - runtime `nodejs24.x` on `arm64`, handler `handler`
 * - bundling by the local esbuild ({@link SENTINEL_BUNDLING}): ESM with a `createRequire`
 *   banner, minified, linked source maps, `@aws-sdk/*` external (the runtime ships SDK v3)
 * - environment `NODE_OPTIONS=--enable-source-maps`, `POWERTOOLS_SERVICE_NAME`,
 *   `POWERTOOLS_METRICS_NAMESPACE=GitOpsSentinel`, `POWERTOOLS_LOG_LEVEL=INFO`
 * - an explicit log group retained for `logRetention` (default one month), destroyed with the stack
 * - its own role allowed to write to that log group only (no `AWSLambdaBasicExecutionRole`,
 *   whose `logs:*` actions apply to every log group)
 * - tracing `Disabled` (no X-Ray permissions at all), or `Active` when `tracingEnabled`
 * - timeout 30 s, memory 512 MB, unless given
 */
export class SentinelFunction extends NodejsFunction {
  /** The function's log group (the caller's `logGroup`, or the one created here). */
  readonly logGroupRef: logs.ILogGroupRef;

  constructor(scope: Construct, id: string, props: SentinelFunctionProps) {
    const { serviceName = 'gitops-sentinel', logRetention = logs.RetentionDays.ONE_MONTH, tracingEnabled = false, ...rest } = props;
    const ownLogGroup = rest.logGroup
      ? undefined
      : new logs.LogGroup(scope, `${id}LogGroup`, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const logGroup = rest.logGroup ?? ownLogGroup!;
    const role =
      rest.role ??
      new iam.Role(scope, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `gitops-sentinel ${id} function`,
      });
    super(scope, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: SENTINEL_BUNDLING,
      timeout: Duration.seconds(30),
      memorySize: 512,
      // DISABLED, not PASS_THROUGH: PassThrough also grants X-Ray writes on Resource "*".
      tracing: tracingEnabled ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      logGroup,
      role,
      ...rest,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...rest.environment,
      },
    });
    this.logGroupRef = logGroup;
    // A caller who brings a role or a log group also brings the permission to write to it.
    if (!rest.role && ownLogGroup) ownLogGroup.grantWrite(role);
    if (tracingEnabled) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; AWS requires Resource "*".',
      });
    }
  }

  /**
   * Grants least-privilege access to the audit table. Writers (`append`) get `PutItem`
   * and `Query` on the table (to read the head of a hash chain); readers get `Query`
   * on the table and each index. Nobody gets `UpdateItem`, `DeleteItem` or
   * `BatchWriteItem`, so records can be added but never changed or removed.
   * The function finds the table by `SENTINEL_TABLE_PREFIX` (`tableNames`), not by a variable of its own.
   */
  bindAuditTable(options: BindAuditTableOptions): this {
    const { table, access, definition = AUDIT_TABLE } = options;
    const resources = access === 'append' ? [table.tableArn] : [table.tableArn, ...indexArns(table, definition)];
    const actions = access === 'append' ? ['dynamodb:PutItem', 'dynamodb:Query'] : ['dynamodb:Query'];
    this.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    return this;
  }

  /**
   * Grants exactly `actions` on a mutable table (state, idempotency), `Query` on its named
   * indexes when asked. The function finds the table by `SENTINEL_TABLE_PREFIX` (`tableNames`).
   */
  bindTable(options: BindTableOptions): this {
    const { table, definition, actions, queryIndexes = false } = options;
    if (actions.length === 0) throw new TypeError('[gitops-sentinel/infra] bindTable needs at least one action');
    this.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
    const indexes = indexArns(table, definition);
    if (indexes.length && queryIndexes) this.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes }));
    return this;
  }

  /**
   * Grants `GetSecretValue`/`DescribeSecret` on each secret (existing secrets referenced
   * by name or ARN) and, for secrets encrypted with customer managed keys, `kms:Decrypt` on
   * those keys, only when Secrets Manager in this stack's region asks (`kms:ViaService`).
   * @param kmsKeyArns the keys that encrypt these secrets (none for the AWS managed key)
   */
  bindSecrets(secrets: readonly secretsmanager.ISecret[], kmsKeyArns: readonly string[] = []): this {
    secrets.forEach((secret) => secret.grantRead(this));
    if (secrets.length > 0 && kmsKeyArns.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [...kmsKeyArns],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }
}

/** ARNs of a table's indexes, one per index named in the definition (never `index/*`). */
export function indexArns(table: dynamodb.ITable, definition: TableDefinition): string[] {
  return definition.indexes.map((i) => `${table.tableArn}/index/${i.indexName}`);
}
