/**
 * The (delivery, app) action claims in the state table: what makes each action happen at
 * most once however often SQS delivers the message.
 *
 * Item: `pk = action#<deliveryId>`, `sk = <instance>#<namespace>#<name>`, `status`
 * (`pending` | `done` | `failed`), `owner` (the receive holding it), `leaseUntil` (epoch ms),
 * `expiresAt` (epoch seconds, DynamoDB TTL). A claim is a conditional `PutItem` that only
 * succeeds when no item exists, the item is `failed`, or a `pending` item's lease ran out
 * (its receive died, e.g. a Lambda timeout). `done` items are never claimed again.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditInput } from '../audit/types';
import type { AppRef } from '../matching/types';

/** State of a claim. */
export type ClaimStatus = 'pending' | 'done' | 'failed';

/** A claim as stored. */
export interface ActionClaim {
  pk: string;
  sk: string;
  deliveryId: string;
  instance: string;
  namespace: string;
  name: string;
  status: ClaimStatus;
  /** Token of the receive that wrote it last. */
  owner: string;
  /** Epoch ms until which a `pending` claim belongs to its owner. */
  leaseUntil: number;
  /** Epoch seconds: DynamoDB TTL. */
  expiresAt: number;
  /** ISO-8601 time of the last write. */
  updatedAt: string;
  /** `ApproximateReceiveCount` of the receive that wrote it. */
  receiveCount?: number;
  /** For `done`/`failed`: the outcome, one line. */
  message?: string;
  /** For `done`: the audit record written for it, so a redelivery can re-append it if that write was lost. */
  audit?: AuditInput;
}

/** Answer of {@link ActionLedger.claim}. */
export type ClaimResult = { claimed: true; owner: string } | { claimed: false; existing: ActionClaim | undefined };

/** Options of {@link ActionLedger}. */
export interface ActionLedgerOptions {
  /** The document client (marshalling with `removeUndefinedValues`). */
  doc: DynamoDBDocumentClient;
  /** Physical name of the state table. */
  tableName: string;
  /**
   * How long a `pending` claim is its owner's. Longer than the worker's timeout, shorter than
   * the queue's visibility timeout (6 x the timeout), so a redelivery after a crash may act.
   * @default 300
   */
  leaseSeconds?: number;
  /** How long claims are kept: longer than SQS keeps a message (4 days). @default 432000 (5 days) */
  ttlSeconds?: number;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** Partition key of a delivery's claims. */
export function actionPk(deliveryId: string): string {
  return `action#${deliveryId}`;
}

/** Sort key of one app's claim: `<instance>#<namespace>#<name>`. */
export function actionSk(app: AppRef): string {
  return `${app.instance}#${app.namespace}#${app.name}`;
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/**
 * Claims on the state table. Writes are conditional `PutItem`s only.
 * @example
 * const ledger = new ActionLedger({ doc, tableName: tables.state });
 * const claim = await ledger.claim(push.deliveryId, app, { receiveCount: 1 });
 * if (claim.claimed) { await act(); await ledger.complete(push.deliveryId, app, claim.owner, 'done', { message: 'refreshed' }); }
 */
export class ActionLedger {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #leaseMs: number;
  readonly #ttlSeconds: number;
  readonly #now: () => Date;

  /** @param options client, table, lease and TTL */
  constructor(options: ActionLedgerOptions) {
    if (!options?.doc || !options.tableName) throw new TypeError('[gitops-sentinel/sync] ActionLedger needs doc and tableName');
    this.#doc = options.doc;
    this.#table = options.tableName;
    this.#leaseMs = (options.leaseSeconds ?? 300) * 1000;
    this.#ttlSeconds = options.ttlSeconds ?? 5 * 86_400;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Claims the action for this receive. Fails (answering the stored claim) when it is `done`,
   * or `pending` under another receive's live lease.
   * @param meta receive count, stored for operators
   */
  async claim(deliveryId: string, app: AppRef, meta: { receiveCount?: number } = {}): Promise<ClaimResult> {
    const owner = randomUUID();
    const now = this.#now();
    const item: ActionClaim = {
      ...this.#base(deliveryId, app, now),
      status: 'pending',
      owner,
      leaseUntil: now.getTime() + this.#leaseMs,
      receiveCount: meta.receiveCount,
    };
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed OR (#status = :pending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':failed': 'failed', ':pending': 'pending', ':now': now.getTime() },
        }),
      );
      return { claimed: true, owner };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Only redeliveries get here, so one consistent read is cheap enough (and simpler than
      // unmarshalling ReturnValuesOnConditionCheckFailure, which the document client leaves raw).
      return { claimed: false, existing: await this.get(deliveryId, app) };
    }
  }

  /**
   * Records the outcome of a claimed action, if this receive still owns the claim.
   * @returns false when another receive took the claim over meanwhile (lease ran out)
   */
  async complete(
    deliveryId: string,
    app: AppRef,
    owner: string,
    status: 'done' | 'failed',
    fields: { message?: string; audit?: AuditInput; receiveCount?: number } = {},
  ): Promise<boolean> {
    const now = this.#now();
    const item: ActionClaim = { ...this.#base(deliveryId, app, now), status, owner, leaseUntil: 0, ...fields };
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
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

  /** The stored claim, read consistently. */
  async get(deliveryId: string, app: AppRef): Promise<ActionClaim | undefined> {
    const res = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: { pk: actionPk(deliveryId), sk: actionSk(app) }, ConsistentRead: true }));
    return res.Item as ActionClaim | undefined;
  }

  #base(deliveryId: string, app: AppRef, now: Date) {
    return {
      pk: actionPk(deliveryId),
      sk: actionSk(app),
      deliveryId,
      instance: app.instance,
      namespace: app.namespace,
      name: app.name,
      expiresAt: Math.floor(now.getTime() / 1000) + this.#ttlSeconds,
      updatedAt: now.toISOString(),
    };
  }
}
