/**
 * The delivery ledger on DynamoDB (the idempotency table: partition key `id`, TTL
 * `expiration`). Reads are strongly consistent, so a delivery accepted a moment ago is seen.
 */
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLedgerStore, LedgerItem } from './delivery-ledger';

/** Options of {@link DynamoDBDeliveryLedgerStore}. */
export interface DynamoDBDeliveryLedgerStoreOptions {
  /** Document client (marshalling with `removeUndefinedValues`). */
  doc: DynamoDBDocumentClient;
  /** Physical name of the idempotency table. */
  tableName: string;
  /**
   * How often unprocessed keys or items (DynamoDB answers part of a batch under throttling)
   * are sent again before giving up.
   * @default 5
   */
  batchRetries?: number;
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** {@link DeliveryLedgerStore} on a DynamoDB table. */
export class DynamoDBDeliveryLedgerStore implements DeliveryLedgerStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retries: number;

  constructor(options: DynamoDBDeliveryLedgerStoreOptions) {
    this.doc = options.doc;
    this.table = options.tableName;
    this.retries = options.batchRetries ?? 5;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, LedgerItem>> {
    const out = new Map<string, LedgerItem>();
    let keys: Array<Record<string, unknown>> = [...new Set(ids)].map((id) => ({ id }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > this.retries) throw new Error('[gitops-sentinel/intake] DynamoDB left keys unprocessed');
      const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of res.Responses?.[this.table] ?? []) out.set(String(item.id), item as LedgerItem);
      keys = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
    }
    return out;
  }

  async claim(item: LedgerItem, nowMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(id) OR expiration <= :nowSec OR (#status = :claimed AND leaseUntil < :nowMs)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':nowSec': Math.floor(nowMs / 1000), ':nowMs': nowMs, ':claimed': 'claimed' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async putMany(items: readonly LedgerItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests: Array<Record<string, unknown>> = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > this.retries) throw new Error('[gitops-sentinel/intake] DynamoDB left items unprocessed');
        const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = res.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  async release(id: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { id },
          ConditionExpression: '#status = :claimed AND #owner = :owner',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
