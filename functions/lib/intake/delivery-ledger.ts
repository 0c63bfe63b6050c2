/**
 * What the intake remembers about deliveries, in one table: which bodies and delivery ids it
 * has accepted (dedupe) and, per (repository, ref), the newest head and the `before → after`
 * links pushes gave (the ref ledger). A delivery is a duplicate when the same provider sent the
 * same raw body (sha-256) or the same delivery id within the dedupe window; a missing delivery
 * id never makes a delivery new, because the body decides. A push is stale when a later push
 * already moved its ref on from the commit it names.
 *
 * The hot path costs three calls: one batch read (body, delivery id, head, the link leaving
 * the pushed commit), one conditional write claiming the body (two identical deliveries at
 * once: one wins), one batch write when the push is queued. Powertools Idempotency, which this
 * replaces, took two (a conditional put and an update), so dedupe by body and the ref ledger
 * add one call per delivery.
 *
 * Items (`id` key, `expiration` epoch seconds as TTL; readers treat an expired item as absent,
 * since DynamoDB deletes expired items only eventually):
 * - `body#<provider>#<sha256>`: `status` (`claimed` | `done`), `owner`, `leaseUntil` (epoch ms),
 *   `deliveryId`, `receivedAt`;
 * - `delivery#<provider>#<deliveryId>`: `bodySha256`, `receivedAt`;
 * - `ref#<key>#head`: `sha` (the newest head seen, `''` when deleted), `deliveryId`, `receivedAt`;
 * - `ref#<key>#next#<sha>`: `after` (a push moved the ref from `<sha>` to it), `deliveryId`, `receivedAt`.
 * `<key>` is the sha-256 of the normalised repository URL and the ref, so keys stay short.
 */
import { createHash } from 'node:crypto';
import { normalizeRepoUrl } from '../matching/normalize-repo-url';
import type { PushEvent } from '../providers/types';

/** One stored item of the ledger. */
export interface LedgerItem {
  id: string;
  /** Epoch seconds after which the item no longer counts (DynamoDB TTL attribute). */
  expiration: number;
  [attribute: string]: unknown;
}

/**
 * Storage of the ledger: the port. `DynamoDBDeliveryLedgerStore` is the adapter (the
 * idempotency table); tests use an in-memory one.
 */
export interface DeliveryLedgerStore {
  /** The items that exist among `ids` (expired ones included; the caller judges expiry). One call. */
  getMany(ids: readonly string[]): Promise<Map<string, LedgerItem>>;
  /**
   * Writes `item` unless a live item holds its id: none, expired (`expiration` <= now in
   * seconds), or a `claimed` item whose `leaseUntil` has passed (its invocation died).
   * @returns false when a live item holds it
   */
  claim(item: LedgerItem, nowMs: number): Promise<boolean>;
  /** Writes the items unconditionally (one batch call for up to 25). */
  putMany(items: readonly LedgerItem[]): Promise<void>;
  /** Deletes a `claimed` item when `owner` still holds it (a failed accept lets the retry in). */
  release(id: string, owner: string): Promise<void>;
}

/** The ids one delivery touches. */
export interface LedgerKeys {
  body: string;
  /** Only when the provider sent a delivery id (a body-hash id is the body item's business). */
  delivery?: string;
  /** Only for a push that leaves its ref at a commit (not a deletion). */
  head?: string;
  /** The link leaving the pushed commit: if it exists, a later push moved the ref on. */
  next?: string;
  /** The link this push adds (`before → after`), when `before` is known and differs. */
  link?: string;
}

/** What the ledger says about a delivery before it is accepted. */
export type LedgerVerdict =
  | { kind: 'new' }
  | {
      kind: 'duplicate';
      /** What was seen before: the same body (whatever the delivery id) or only the delivery id. */
      by: 'body' | 'delivery-id';
      /** The first delivery is still being accepted. */
      inProgress: boolean;
      firstDeliveryId?: string;
      firstReceivedAt?: string;
    }
  | { kind: 'conflict' }
  | {
      kind: 'stale';
      /** The newest head the ledger knows for the ref. */
      head: string;
      /** The commit a later push moved the ref to from this push's commit. */
      supersededBy: string;
    };

/** The ids a push touches. */
export function ledgerKeys(push: PushEvent, bodySha256: string): LedgerKeys {
  const keys: LedgerKeys = { body: `body#${push.provider}#${bodySha256}` };
  // A `sha256:` id is the body hash itself (the provider sent none): the body item covers it.
  if (!push.deliveryId.startsWith('sha256:')) keys.delivery = `delivery#${push.provider}#${push.deliveryId}`;
  const repo = normalizeRepoUrl(push.repoUrls[0] ?? '');
  if (repo && !push.deleted && push.revision) {
    const ref = createHash('sha256').update(`${repo}\n${push.ref}`).digest('hex');
    keys.head = `ref#${ref}#head`;
    keys.next = `ref#${ref}#next#${push.revision}`;
    if (push.before && push.before !== push.revision) keys.link = `ref#${ref}#next#${push.before}`;
  } else if (repo && push.deleted) {
    keys.head = `ref#${createHash('sha256').update(`${repo}\n${push.ref}`).digest('hex')}#head`;
  }
  return keys;
}

const live = (item: LedgerItem | undefined, nowMs: number): LedgerItem | undefined => (item && item.expiration * 1000 > nowMs ? item : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Judges a verified push against the ledger with one read.
 *
 * Duplicate: the body was accepted (or is being accepted) within the window, or the delivery id
 * was, with the same body. Conflict: the delivery id was accepted with another body. Stale: a
 * later push moved the ref on from this push's `after`, and this push neither continues from
 * the newest head (`before` = head: a force-push back to an old commit is a new push) nor names
 * it (`after` = head). Chains are never walked, so loops (A → B → A) and skipped pushes (a
 * missed delivery) cannot make the judgement wrong or slow: an unknown `after` (a skip, or a
 * forged sha) is simply not known to be stale, and sync-on-push deploys the branch ArgoCD
 * resolves, never that sha.
 */
export async function judgeDelivery(store: DeliveryLedgerStore, push: PushEvent, keys: LedgerKeys, nowMs: number): Promise<LedgerVerdict> {
  const ids = [keys.body, keys.delivery, keys.head, keys.next].filter((id): id is string => id !== undefined);
  const items = await store.getMany(ids);
  const body = live(items.get(keys.body), nowMs);
  const delivery = keys.delivery ? live(items.get(keys.delivery), nowMs) : undefined;
  const bodySha = keys.body.slice(keys.body.lastIndexOf('#') + 1);
  if (delivery && delivery.bodySha256 !== bodySha) return { kind: 'conflict' };
  const claimLapsed = body?.status === 'claimed' && typeof body.leaseUntil === 'number' && body.leaseUntil < nowMs;
  if (body && !claimLapsed) {
    const firstDeliveryId = text(body.deliveryId);
    return {
      kind: 'duplicate',
      by: firstDeliveryId === push.deliveryId ? 'delivery-id' : 'body',
      inProgress: body.status !== 'done',
      ...(firstDeliveryId ? { firstDeliveryId } : {}),
      ...(text(body.receivedAt) ? { firstReceivedAt: text(body.receivedAt) } : {}),
    };
  }
  if (delivery)
    return { kind: 'duplicate', by: 'delivery-id', inProgress: false, ...(text(delivery.receivedAt) ? { firstReceivedAt: text(delivery.receivedAt) } : {}) };
  if (keys.next && keys.head) {
    const next = live(items.get(keys.next), nowMs);
    const head = text(live(items.get(keys.head), nowMs)?.sha) ?? '';
    const after = push.revision;
    const supersededBy = text(next?.after);
    if (supersededBy && supersededBy !== after && head !== after && !(push.before && head === push.before)) {
      return { kind: 'stale', head, supersededBy };
    }
  }
  return { kind: 'new' };
}

/** Options of the writes that follow a verdict. */
export interface LedgerWriteOptions {
  /** Dedupe window in seconds. */
  dedupeSeconds: number;
  /** Ref ledger retention in days. */
  refLedgerDays: number;
  nowMs: number;
}

/**
 * Claims the body for this invocation until `leaseUntil`: false when another invocation holds
 * it (an identical delivery racing this one), which is then a duplicate in progress.
 */
export function claimBody(
  store: DeliveryLedgerStore,
  push: PushEvent,
  keys: LedgerKeys,
  owner: string,
  leaseUntil: number,
  o: LedgerWriteOptions,
): Promise<boolean> {
  return store.claim(
    {
      id: keys.body,
      expiration: Math.floor(o.nowMs / 1000) + o.dedupeSeconds,
      status: 'claimed',
      owner,
      leaseUntil,
      deliveryId: push.deliveryId,
      receivedAt: new Date(o.nowMs).toISOString(),
    },
    o.nowMs,
  );
}

/**
 * Records a delivery as seen: the body and delivery id (done), and, for a push that was
 * accepted (not stale), the ref's new head and the `before → after` link.
 */
export function recordDelivery(store: DeliveryLedgerStore, push: PushEvent, keys: LedgerKeys, accepted: boolean, o: LedgerWriteOptions): Promise<void> {
  const nowSec = Math.floor(o.nowMs / 1000);
  const receivedAt = new Date(o.nowMs).toISOString();
  const dedupeUntil = nowSec + o.dedupeSeconds;
  const refUntil = nowSec + o.refLedgerDays * 86_400;
  const bodySha256 = keys.body.slice(keys.body.lastIndexOf('#') + 1);
  const items: LedgerItem[] = [{ id: keys.body, expiration: dedupeUntil, status: 'done', deliveryId: push.deliveryId, receivedAt }];
  if (keys.delivery) items.push({ id: keys.delivery, expiration: dedupeUntil, bodySha256, receivedAt });
  if (accepted && keys.head)
    items.push({ id: keys.head, expiration: refUntil, sha: push.deleted ? '' : push.revision, deliveryId: push.deliveryId, receivedAt });
  if (accepted && keys.link) items.push({ id: keys.link, expiration: refUntil, after: push.revision, deliveryId: push.deliveryId, receivedAt });
  return store.putMany(items);
}
