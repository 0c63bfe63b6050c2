/**
 * {@link DriftStateStore} on the STATE table. Per app: pk `drift#<instance>`, sk
 * `<namespace>/<name>` (one Query per instance reads them all). Per scan: pk `scan#<scanId>`,
 * sk `summary`, with `kind = "scan"` and `sortTs = startedAt` so the sparse `by-kind` index
 * lists scans in time order. Per instance, its scan mark: pk `drift#<instance>`, sk `#scan-mark`
 * (`#` is never in a Kubernetes namespace or name), read by the same Query as the app states. Never a Scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { STATE_INDEX } from '../config/tables';
import type { AppRef } from '../matching/types';
import { SCAN_TTL_SECONDS, confirmedBy, driftSk, type DriftStateStore, type ScanQuery } from './state-store';
import type { AppDriftState, MarkedInstanceState, ScanMark, ScanSummary } from './types';

/** Partition of one instance's app states. */
export const driftPk = (instance: string): string => `drift#${instance}`;
/** `kind` of scan summary items in the by-kind index. */
export const SCAN_KIND = 'scan';
/** Sort key of an instance's scan mark within its app states' partition. */
const MARK_SK = '#scan-mark';

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
  'scanSeq',
] as const;

function toState(item: Record<string, unknown>): AppDriftState {
  const out: Record<string, unknown> = {};
  for (const k of STATE_ATTRS) if (item[k] !== undefined) out[k] = item[k];
  out.flapping = item.flapping === true;
  out.version = typeof item.version === 'number' ? item.version : 0;
  return out as unknown as AppDriftState;
}

function toMark(item: Record<string, unknown> | undefined): ScanMark | undefined {
  return item && typeof item.seq === 'number' && typeof item.at === 'string' ? { seq: item.seq, at: item.at } : undefined;
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
    return (await this.readInstanceMarked(instance)).states;
  }

  async readInstanceMarked(instance: string): Promise<MarkedInstanceState> {
    const raw: AppDriftState[] = [];
    let mark: ScanMark | undefined;
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': driftPk(instance) } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (item.sk === MARK_SK) mark = toMark(item);
        else raw.push(toState(item));
      }
    }
    const states = new Map<string, AppDriftState>();
    for (const s of raw) states.set(driftSk(s.namespace, s.name), confirmedBy(s, mark));
    return { states, ...(mark ? { mark } : {}) };
  }

  async readApp(ref: AppRef): Promise<AppDriftState | undefined> {
    const get = (sk: string) => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: driftPk(ref.instance), sk }, ConsistentRead: true }));
    const [app, mark] = await Promise.all([get(driftSk(ref.namespace, ref.name)), get(MARK_SK)]);
    return app.Item ? confirmedBy(toState(app.Item), toMark(mark.Item)) : undefined;
  }

  async putScanMark(instance: string, mark: ScanMark, expectedSeq: number | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: driftPk(instance), sk: MARK_SK, seq: mark.seq, at: mark.at },
          ...(expectedSeq === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'seq = :s', ExpressionAttributeValues: { ':s': expectedSeq } }),
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
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
