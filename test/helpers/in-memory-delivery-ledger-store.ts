import type { DeliveryLedgerStore, LedgerItem } from '../../functions/lib/intake/delivery-ledger';

/**
 * The delivery ledger in a Map, with the DynamoDB adapter's semantics (the claim's condition
 * included), for unit and property tests that need no dynalite. Counts calls, as a DynamoDB
 * bill would.
 */
export class InMemoryDeliveryLedgerStore implements DeliveryLedgerStore {
  readonly items = new Map<string, LedgerItem>();
  /** Calls made, one per DynamoDB request the adapter would send. */
  calls = 0;

  async getMany(ids: readonly string[]): Promise<Map<string, LedgerItem>> {
    this.calls++;
    const out = new Map<string, LedgerItem>();
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) out.set(id, structuredClone(item));
    }
    return out;
  }

  async claim(item: LedgerItem, nowMs: number): Promise<boolean> {
    this.calls++;
    const held = this.items.get(item.id);
    const free =
      !held || held.expiration <= Math.floor(nowMs / 1000) || (held.status === 'claimed' && typeof held.leaseUntil === 'number' && held.leaseUntil < nowMs);
    if (!free) return false;
    this.items.set(item.id, structuredClone(item));
    return true;
  }

  async putMany(items: readonly LedgerItem[]): Promise<void> {
    this.calls++;
    for (const item of items) this.items.set(item.id, structuredClone(item));
  }

  async release(id: string, owner: string): Promise<void> {
    this.calls++;
    const held = this.items.get(id);
    if (held?.status === 'claimed' && held.owner === owner) this.items.delete(id);
  }
}
