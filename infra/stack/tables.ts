/**
 * The stack's three DynamoDB tables, built from the same definitions (`functions/lib/config/tables.ts`)
 * the local stack creates its tables from.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { AUDIT_TABLE, IDEMPOTENCY_TABLE, STATE_TABLE, tableName, type KeyAttribute, type TableDefinition } from '../../functions/lib/config/tables';

/** The tables by definition id. */
export type SentinelTables = Record<TableDefinition['id'], dynamodb.Table>;

/**
 * The audit, state and idempotency tables, created directly under `scope` (the stack), so their
 * logical IDs (`AuditTable…`, `StateTable…`, `IdempotencyTable…`) are those of every earlier deploy.
 * @param prefix table name prefix (`<storage.tablePrefix>-<stage>`)
 */
export function sentinelTables(scope: Construct, prefix: string): SentinelTables {
  const tables = {
    // The audit trail is the evidence: point-in-time recovery, deletion protection, and
    // kept when the stack goes.
    audit: tableFrom(scope, 'AuditTable', AUDIT_TABLE, prefix, { pitr: true, deletionProtection: true, removalPolicy: RemovalPolicy.RETAIN }),
    state: tableFrom(scope, 'StateTable', STATE_TABLE, prefix, { pitr: true, deletionProtection: false, removalPolicy: RemovalPolicy.RETAIN }),
    idempotency: tableFrom(scope, 'IdempotencyTable', IDEMPOTENCY_TABLE, prefix, {
      pitr: false,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
  };
  Validations.of(tables.idempotency).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason: 'Idempotency records expire by TTL within a day and are rebuilt by retries; restoring them to a point in time has no value.',
  });
  return tables;
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
function tableFrom(scope: Construct, id: string, def: TableDefinition, prefix: string, options: TableOptions): dynamodb.Table {
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
