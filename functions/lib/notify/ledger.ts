/**
 * The notification ledger in the state table: what makes each (event kind, app, revision,
 * channel) be sent at most once, however often SQS delivers its message or however many copies
 * of the event were queued (a retried audit append, a redelivered tracker check).
 *
 * Item: `pk = notify#<channel>`, `sk = <kind>#<subject>`, `status` (`sending` | `sent` |
 * `failed`), `owner`, `leaseUntil` (epoch ms), `expiresAt` (TTL). Writes are conditional
 * `PutItem`s only, as in the action ledger: a claim succeeds when no item exists, the item is
 * `failed` (a retry), or a `sending` item's lease ran out (its notifier died mid-send).
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationEvent } from './types';

/** Options of {@link NotificationLedger}. */
export interface NotificationLedgerOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the state table. */
  tableName: string;
  /** How long a sent notification is remembered, in hours. @default 168 */
  dedupeHours?: number;
  /**
   * How long a claim belongs to the notifier holding it: longer than one send (its timeout),
   * shorter than the queue's visibility timeout, so a redelivery after a crash may send. @default 120
   */
  leaseSeconds?: number;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** The at-most-once key of an event: its `subject`, else app and revision, else its id. */
export function subjectOf(event: NotificationEvent): string {
  if (event.subject) return event.subject;
  if (event.app && event.revision) return `${event.instance ?? ''}/${event.namespace ?? ''}/${event.app}@${event.revision}`;
  return `id:${event.id}`;
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** Claims and outcomes of notifications, on the state table. */
export class NotificationLedger {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  readonly #leaseMs: number;
  readonly #now: () => Date;

  constructor(options: NotificationLedgerOptions) {
    if (!options?.doc || !options.tableName) throw new TypeError('[gitops-sentinel/notify] NotificationLedger needs doc and tableName');
    this.#doc = options.doc;
    this.#table = options.tableName;
    this.#ttlSeconds = (options.dedupeHours ?? 168) * 3600;
    this.#leaseMs = (options.leaseSeconds ?? 120) * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Claims the send of an event to a channel.
   * @returns the owner token to complete the claim with, or undefined when it was sent already or another notifier is sending it
   */
  async claim(channel: string, event: NotificationEvent, attempt: number): Promise<string | undefined> {
    const owner = randomUUID();
    const now = this.#now();
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...this.#base(channel, event, now), status: 'sending', owner, attempt, leaseUntil: now.getTime() + this.#leaseMs },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed OR (#status = :sending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':failed': 'failed', ':sending': 'sending', ':now': now.getTime() },
        }),
      );
      return owner;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records the outcome of a claimed send: `sent` (never claimed again) or `failed` (the next
   * attempt may claim it).
   * @returns false when another notifier took the claim over meanwhile (the lease ran out)
   */
  async complete(
    channel: string,
    event: NotificationEvent,
    owner: string,
    status: 'sent' | 'failed',
    fields: { attempt: number; reason?: string },
  ): Promise<boolean> {
    const now = this.#now();
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...this.#base(channel, event, now), status, owner, leaseUntil: 0, ...fields },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  #base(channel: string, event: NotificationEvent, now: Date) {
    return {
      pk: `notify#${channel}`,
      sk: `${event.kind}#${subjectOf(event)}`,
      eventId: event.id,
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.#ttlSeconds,
    };
  }
}
