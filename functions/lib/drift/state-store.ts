/**
 * Drift state in the STATE table. Per app: pk `drift#<instance>`, sk `<namespace>/<name>`
 * (one Query per instance reads them all). Per scan: pk `scan#<scanId>`, sk `summary`,
 * with `kind = "scan"` and `sortTs = startedAt` so the sparse `by-kind` index lists scans
 * in time order. Writes of app state are conditional on a `version` counter, so two
 * scans running at once (schedule + `POST /api/drift/scan`) cannot both audit the same
 * transition or both repair the same app.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATE_INDEX } from '../config/tables';
import type { AppDriftState, DriftReadDeps, GetDriftStateOptions, ListScansOptions, ScanSummary } from './types';

/** Partition of one instance's app states. */
export const driftPk = (instance: string): string => `drift#${instance}`;
/** Sort key of one app. */
export const driftSk = (namespace: string, name: string): string => `${namespace}/${name}`;
/** `kind` of scan summary items in the by-kind index. */
export const SCAN_KIND = 'scan';
/** Resolved app states expire (DynamoDB TTL) this long after resolution; they serve cooldown and flapping until then. */
export const RESOLVED_TTL_SECONDS = 30 * 86_400;
/** Scan summaries expire after this long. */
export const SCAN_TTL_SECONDS = 90 * 86_400;

const STATE_ATTRS = [
  'instance',
  'namespace',
  'name',
  'project',
  'condition',
  'syncStatus',
  'healthStatus',
  'targetRevision',
  'firstSeen',
  'lastSeen',
  'consecutiveScans',
  'lastRepairAt',
  'lastRepairRevision',
  'lastRepairOutcome',
  'flapping',
  'flappingSince',
  'resolvedAt',
  'lastDecision',
  'details',
  'version',
] as const;

function toState(item: Record<string, unknown>): AppDriftState {
  const out: Record<string, unknown> = {};
  for (const k of STATE_ATTRS) if (item[k] !== undefined) out[k] = item[k];
  out.flapping = item.flapping === true;
  out.version = typeof item.version === 'number' ? item.version : 0;
  return out as unknown as AppDriftState;
}

/** Reads every stored app state of one instance (paged Query, never a Scan). */
export async function readInstanceState(doc: DynamoDBDocumentClient, table: string, instance: string): Promise<Map<string, AppDriftState>> {
  const out = new Map<string, AppDriftState>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': driftPk(instance) }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const s = toState(item);
      out.set(driftSk(s.namespace, s.name), s);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Reads one app's stored state, consistently; undefined when it has none. */
export async function readAppState(doc: DynamoDBDocumentClient, table: string, instance: string, namespace: string, name: string): Promise<AppDriftState | undefined> {
  const res = await doc.send(new GetCommand({ TableName: table, Key: { pk: driftPk(instance), sk: driftSk(namespace, name) }, ConsistentRead: true }));
  return res.Item ? toState(res.Item) : undefined;
}

/**
 * Writes an app state if nobody changed it since `expectedVersion` was read
 * (`undefined`: the item must not exist yet). Stores `version = expectedVersion + 1`;
 * `expiresAt` (epoch seconds) lets DynamoDB TTL drop resolved states.
 * @returns the stored state, or `undefined` when another writer got there first
 */
export async function putAppState(doc: DynamoDBDocumentClient, table: string, state: AppDriftState, expectedVersion: number | undefined, expiresAt?: number): Promise<AppDriftState | undefined> {
  const next: AppDriftState = { ...state, version: (expectedVersion ?? 0) + 1 };
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: driftPk(state.instance), sk: driftSk(state.namespace, state.name), ...next, ...(expiresAt ? { expiresAt } : {}) },
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
      }),
    );
    return next;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException') return undefined;
    throw err;
  }
}

/**
 * Deletes an app's state (the app no longer exists in ArgoCD) if unchanged since read.
 * @returns false when another writer changed it first
 */
export async function deleteAppState(doc: DynamoDBDocumentClient, table: string, state: AppDriftState): Promise<boolean> {
  try {
    await doc.send(
      new DeleteCommand({
        TableName: table,
        Key: { pk: driftPk(state.instance), sk: driftSk(state.namespace, state.name) },
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': state.version },
      }),
    );
    return true;
  } catch (err) {
    if ((err as { name?: string })?.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Stores one scan summary (unconditional: scan ids are unique). */
export async function putScanSummary(doc: DynamoDBDocumentClient, table: string, summary: ScanSummary): Promise<void> {
  const expiresAt = Math.floor(Date.parse(summary.startedAt) / 1000) + SCAN_TTL_SECONDS;
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { pk: `scan#${summary.scanId}`, sk: 'summary', kind: SCAN_KIND, sortTs: summary.startedAt, expiresAt, ...summary },
    }),
  );
}

/**
 * The latest drift state per app: one Query per instance (or just `instance`), never a
 * Scan. Apps in sync never drifted have no item; apps whose drift was resolved keep one
 * with `condition: "ok"` (for cooldown and flapping) until it expires.
 * @example
 * const states = await getDriftState(deps, { instance: 'default', includeResolved: false });
 */
export async function getDriftState(deps: DriftReadDeps, options: GetDriftStateOptions = {}): Promise<AppDriftState[]> {
  const instances = options.instance ? [options.instance] : deps.argocd.names;
  const maps = await Promise.all(instances.map((i) => readInstanceState(deps.doc, deps.tables.state, i)));
  const all = maps.flatMap((m) => [...m.values()]);
  const kept = options.includeResolved === false ? all.filter((s) => s.condition !== 'ok') : all;
  return kept.sort((a, b) => (a.instance + '\0' + a.namespace + '\0' + a.name).localeCompare(b.instance + '\0' + b.namespace + '\0' + b.name));
}

/**
 * Scan summaries, newest first: one Query on the `by-kind` index (`kind = "scan"`,
 * `sortTs` between `from` and `to`), never a Scan.
 * @example
 * const last = await listScans(deps, { limit: 1 });
 */
export async function listScans(deps: Pick<DriftReadDeps, 'doc' | 'tables'>, options: ListScansOptions = {}): Promise<ScanSummary[]> {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
  const values: Record<string, unknown> = { ':k': SCAN_KIND };
  let cond = '#k = :k';
  if (options.from && options.to) {
    cond += ' AND sortTs BETWEEN :from AND :to';
    values[':from'] = options.from;
    values[':to'] = `${options.to}\uffff`;
  } else if (options.from) {
    cond += ' AND sortTs >= :from';
    values[':from'] = options.from;
  } else if (options.to) {
    cond += ' AND sortTs <= :to';
    values[':to'] = `${options.to}\uffff`;
  }
  if (options.from && options.to && options.from > options.to) return [];
  const out: ScanSummary[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.doc.send(
      new QueryCommand({
        TableName: deps.tables.state,
        IndexName: STATE_INDEX.byKind,
        KeyConditionExpression: cond,
        ExpressionAttributeNames: { '#k': 'kind' },
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: limit - out.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const { pk: _pk, sk: _sk, kind: _kind, sortTs: _ts, expiresAt: _exp, ...summary } = item;
      out.push(summary as ScanSummary);
    }
    start = page.LastEvaluatedKey;
  } while (start && out.length < limit);
  return out;
}
