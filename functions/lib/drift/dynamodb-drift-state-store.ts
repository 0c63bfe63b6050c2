/**
 * {@link DriftStateStore} on the STATE table. Per app: pk `drift#<instance>`, sk
 * `<namespace>/<name>` (one Query per instance reads them all). Per scan: pk `scan#<scanId>`,
 * sk `summary`, with `kind = "scan"` and `sortTs = startedAt` so the sparse `by-kind` index
 * lists scans in time order. Never a Scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { STATE_INDEX } from '../config/tables';
import type { AppRef } from '../matching/types';
import { SCAN_TTL_SECONDS, driftSk, type DriftStateStore, type ScanQuery } from './state-store';
import type { AppDriftState, ScanSummary } from './types';

/** Partition of one instance's app states. */
export const driftPk = (instance: string): string => `drift#${instance}`;
/** `kind` of scan summary items in the by-kind index. */
export const SCAN_KIND = 'scan';

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

const conditionFailed = (err: unknown): boolean =>
  err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Key condition and values of a scan-summary query on the by-kind index. */
function scanRange(query: ScanQuery): Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'> {
  const values: Record<string, unknown> = { ':k': SCAN_KIND };
  let cond = '#k = :k';
  // `to` may be a day: `\uffff` sorts after every ISO time within it.
  if (query.from && query.to) {
    cond += ' AND sortTs BETWEEN :from AND :to';
    values[':from'] = query.from;
    values[':to'] = `${query.to}\uffff`;
  } else if (query.from) {
    cond += ' AND sortTs >= :from';
    values[':from'] = query.from;
  } else if (query.to) {
    cond += ' AND sortTs <= :to';
    values[':to'] = `${query.to}\uffff`;
  }
  return { KeyConditionExpression: cond, ExpressionAttributeValues: values };
}

/**
 * Drift state in DynamoDB through the document client (`removeUndefinedValues` on).
 * @example
 * const store = new DynamoDBDriftStateStore(doc, tables.state);
 * const states = await store.readInstance('prod-eu');
 */
export class DynamoDBDriftStateStore implements DriftStateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async readInstance(instance: string): Promise<Map<string, AppDriftState>> {
    const out = new Map<string, AppDriftState>();
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': driftPk(instance) } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const s = toState(item);
        out.set(driftSk(s.namespace, s.name), s);
      }
    }
    return out;
  }

  async readApp(ref: AppRef): Promise<AppDriftState | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: driftPk(ref.instance), sk: driftSk(ref.namespace, ref.name) }, ConsistentRead: true }),
    );
    return res.Item ? toState(res.Item) : undefined;
  }

  async putApp(state: AppDriftState, expectedVersion: number | undefined, expiresAt?: number): Promise<AppDriftState | undefined> {
    const next: AppDriftState = { ...state, version: (expectedVersion ?? 0) + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: driftPk(state.instance), sk: driftSk(state.namespace, state.name), ...next, ...(expiresAt ? { expiresAt } : {}) },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return next;
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }

  async deleteApp(state: AppDriftState): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: driftPk(state.instance), sk: driftSk(state.namespace, state.name) },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': state.version },
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }

  async putScan(summary: ScanSummary): Promise<void> {
    const expiresAt = Math.floor(Date.parse(summary.startedAt) / 1000) + SCAN_TTL_SECONDS;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `scan#${summary.scanId}`, sk: 'summary', kind: SCAN_KIND, sortTs: summary.startedAt, expiresAt, ...summary },
      }),
    );
  }

  async listScans(query: ScanQuery): Promise<ScanSummary[]> {
    const out: ScanSummary[] = [];
    const pages = paginateQuery(
      { client: this.doc, pageSize: query.limit },
      { TableName: this.table, IndexName: STATE_INDEX.byKind, ...scanRange(query), ExpressionAttributeNames: { '#k': 'kind' }, ScanIndexForward: false },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, kind: _kind, sortTs: _ts, expiresAt: _exp, ...summary } = item;
        out.push(summary as ScanSummary);
      }
      if (out.length >= query.limit) break;
    }
    return out.slice(0, query.limit);
  }
}
