/**
 * Refusal counts on the state table, one item per UTC day, provider and reason:
 * `pk = refused#<yyyy-mm-dd>`, `sk = <provider>#<reason>`, `count` (atomic `ADD`), `expiresAt`
 * (TTL). Not chained, not audit records: a counter an attacker can only increment. The same
 * adapter serves the deployed functions and the local stack, so `/api/stats` reads refusals the
 * same way in both.
 */
import { paginateQuery, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Refusal, RefusalCounter, RefusalWindowCounter } from './refusals';

/** Options of {@link DynamoDBRefusalCounter}. */
export interface DynamoDBRefusalCounterOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the state table. */
  tableName: string;
  /** Days a day's counts are kept. @default 90 */
  retentionDays?: number;
}

/** Counts of one day, provider and reason. */
export interface RefusalCount {
  day: string;
  provider: string;
  reason: string;
  count: number;
}

const DAY_MS = 86_400_000;

/** Partition key of a day's refusal counts. */
export function refusedPk(day: string): string {
  return `refused#${day}`;
}

/** Partition key of one refusal window's counts (`webhook.refused-spike`). */
export function refusedWindowPk(windowStart: string): string {
  return `refused-window#${windowStart}`;
}

/**
 * {@link RefusalCounter} on the state table, and the {@link RefusalWindowCounter} of the spike
 * watch: one item per fixed window and provider, `pk = refused-window#<window start>`,
 * `sk = <provider>`, kept a day past the window's end.
 */
export class DynamoDBRefusalCounter implements RefusalCounter, RefusalWindowCounter {
  constructor(private readonly options: DynamoDBRefusalCounterOptions) {}

  async count(refusal: Refusal): Promise<void> {
    const day = refusal.at.toISOString().slice(0, 10);
    await this.options.doc.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: refusedPk(day), sk: `${refusal.provider}#${refusal.reason}` },
        UpdateExpression: 'ADD #count :one SET provider = :provider, reason = :reason, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':provider': refusal.provider,
          ':reason': refusal.reason,
          ':expiresAt': Math.floor(refusal.at.getTime() / 1000) + (this.options.retentionDays ?? 90) * 86_400,
        },
      }),
    );
  }

  async countInWindow(provider: string, windowStart: Date, windowMs: number): Promise<number> {
    const end = windowStart.getTime() + windowMs;
    const res = await this.options.doc.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: refusedWindowPk(windowStart.toISOString()), sk: provider },
        // One atomic ADD: exactly one request sees the count reach the threshold.
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': Math.floor(end / 1000) + 86_400 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.count) || 0;
  }
}

/**
 * The refusal counts of every UTC day from `from` to `to` (ISO times), one Query per day.
 * @example await listRefusals({ doc, tableName }, '2026-01-01T00:00:00Z', '2026-01-07T23:59:59Z')
 * @public (no caller yet)
 */
export async function listRefusals(options: Pick<DynamoDBRefusalCounterOptions, 'doc' | 'tableName'>, from: string, to: string): Promise<RefusalCount[]> {
  const out: RefusalCount[] = [];
  for (let t = Date.parse(from.slice(0, 10)); t <= Date.parse(to); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const pages = paginateQuery(
      { client: options.doc },
      { TableName: options.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': refusedPk(day) } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) out.push({ day, provider: String(item.provider), reason: String(item.reason), count: Number(item.count) || 0 });
    }
  }
  return out;
}
