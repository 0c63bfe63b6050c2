import { InvalidCursorError, computeHash } from '../../../functions/lib/audit';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';

const NOW = new Date('2024-05-10T12:00:00.000Z');

describe('InMemoryAuditStore', () => {
  it('chains, redacts and queries like the DynamoDB store', async () => {
    const store = new InMemoryAuditStore({ now: () => NOW });
    for (let i = 0; i < 5; i++) {
      await store.append({
        kind: 'app.synced',
        outcome: 'success',
        actor: 't',
        message: `m${i}`,
        app: 'a',
        ts: `2024-05-10T10:0${i}:00Z`,
        details: { token: 'x', n: i },
      });
    }
    const records = store.records();
    expect(records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(records.every((r) => r.hash === computeHash(r) && !('token' in (r.details ?? {})))).toBe(true);

    const first = await store.query({ app: 'a', limit: 3 });
    expect(first.items.map((r) => r.message)).toEqual(['m4', 'm3', 'm2']);
    const second = await store.query({ app: 'a', limit: 3, cursor: first.cursor });
    expect(second.items.map((r) => r.message)).toEqual(['m1', 'm0']);
    expect(second.cursor).toBeUndefined();
    await expect(store.query({ app: 'b', cursor: first.cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('verifies, and detects a tampered record', async () => {
    const store = new InMemoryAuditStore({ now: () => NOW });
    for (let i = 0; i < 3; i++) await store.append({ kind: 'app.synced', outcome: 'success', actor: 't', message: `m${i}`, app: 'a' });
    expect((await store.verify()).ok).toBe(true);
    const [, second] = store.records();
    store.tamper(second.chain, 1, { ...second, message: 'edited' });
    expect((await store.verify()).breaks.map((b) => [b.seq, b.reason])).toEqual([[1, 'hash-mismatch']]);
  });
});
