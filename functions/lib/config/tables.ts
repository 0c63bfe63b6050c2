/**
 * The DynamoDB tables, defined once. The local stack creates them from these
 * definitions (`toCreateTableInput`) and the CDK stack builds its tables from the
 * same objects, so local and deployed schemas cannot drift apart.
 */

/** A key attribute: name and DynamoDB scalar type. */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

/** A global secondary index, projected ALL. */
export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

/** One table: keys, GSIs and an optional TTL attribute. */
export interface TableDefinition {
  /** Logical id, also the suffix of the physical name (`<prefix>-<id>`). */
  id: 'audit' | 'state' | 'idempotency';
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexDefinition[];
  /** Attribute DynamoDB TTL expires items by (not honoured by dynalite locally). */
  ttlAttribute?: string;
}

/** Index names of the audit table, referenced by the audit store and the IAM grants. */
export const AUDIT_INDEX = {
  byApp: 'by-app',
  byDay: 'by-day',
  byDelivery: 'by-delivery',
  byRevision: 'by-revision',
  byChain: 'by-chain',
  byProject: 'by-project',
} as const;

/**
 * Audit records: one hash chain per partition (`chain`), ordered by `seq`.
 * Sparse GSIs serve each query the operator API offers, each a single Query:
 * by app (`appKey`), by UTC day across apps (`day`), by delivery id, by commit,
 * the list of chains (`chainIndex`, set only on the first record of a chain), and by ArgoCD
 * project and UTC day (`projectDay`).
 * All index sort keys are `tsId` (`<ISO ts>#<id>`), so results come in time order.
 */
export const AUDIT_TABLE: TableDefinition = {
  id: 'audit',
  partitionKey: { name: 'chain', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [
    { indexName: AUDIT_INDEX.byApp, partitionKey: { name: 'appKey', type: 'S' }, sortKey: { name: 'tsId', type: 'S' } },
    { indexName: AUDIT_INDEX.byDay, partitionKey: { name: 'day', type: 'S' }, sortKey: { name: 'tsId', type: 'S' } },
    { indexName: AUDIT_INDEX.byDelivery, partitionKey: { name: 'deliveryId', type: 'S' }, sortKey: { name: 'tsId', type: 'S' } },
    { indexName: AUDIT_INDEX.byRevision, partitionKey: { name: 'revision', type: 'S' }, sortKey: { name: 'tsId', type: 'S' } },
    { indexName: AUDIT_INDEX.byChain, partitionKey: { name: 'chainIndex', type: 'S' }, sortKey: { name: 'chain', type: 'S' } },
    // Time range of one ArgoCD project, per UTC day (`<project>#<day>`): a caller scoped to a
    // few projects reads only their records (operator API access scopes).
    { indexName: AUDIT_INDEX.byProject, partitionKey: { name: 'projectDay', type: 'S' }, sortKey: { name: 'tsId', type: 'S' } },
  ],
};

/** Index names of the state table. */
export const STATE_INDEX = {
  byKind: 'by-kind',
} as const;

/**
 * Mutable state: drift state per app, scan summaries, (delivery, app) action
 * claims, deliveries. Generic `pk`/`sk`; the sparse `by-kind` index lists items
 * of one kind in time order (`kind`, `sortTs`), e.g. every scan summary.
 */
export const STATE_TABLE: TableDefinition = {
  id: 'state',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [{ indexName: STATE_INDEX.byKind, partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'sortTs', type: 'S' } }],
  ttlAttribute: 'expiresAt',
};

/** Powertools Idempotency persistence (its default attribute names). */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  id: 'idempotency',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  ttlAttribute: 'expiration',
};

/** Every table, in creation order. */
export const TABLES: readonly TableDefinition[] = [AUDIT_TABLE, STATE_TABLE, IDEMPOTENCY_TABLE];

/** Physical table name for a definition under a prefix, e.g. `gitops-sentinel-audit`. */
export function tableName(prefix: string, def: TableDefinition): string {
  return `${prefix}-${def.id}`;
}

/** Physical names of the tables under one prefix. */
export interface TableNames {
  audit: string;
  state: string;
  idempotency: string;
}

/** The table names for a prefix. */
export function tableNames(prefix: string): TableNames {
  return { audit: tableName(prefix, AUDIT_TABLE), state: tableName(prefix, STATE_TABLE), idempotency: tableName(prefix, IDEMPOTENCY_TABLE) };
}

/**
 * The CreateTable input for a definition (on-demand billing, GSIs projected ALL).
 * Kept free of SDK types so CDK code can import this file too.
 */
export function toCreateTableInput(def: TableDefinition, name: string) {
  const attrs = new Map<string, 'S' | 'N'>();
  const add = (a?: KeyAttribute) => {
    if (a) attrs.set(a.name, a.type);
  };
  add(def.partitionKey);
  add(def.sortKey);
  def.indexes.forEach((i) => {
    add(i.partitionKey);
    add(i.sortKey);
  });
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}
