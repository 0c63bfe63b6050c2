import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AuditConflictError,
  DynamoDBAuditStore,
  InvalidCursorError,
  computeHash,
  indexAttributes,
  sealRecord,
  type AuditInput,
  type AuditQuery,
  type AuditRecord,
  type DynamoDBAuditStoreOptions,
} from '../../../functions/lib/audit';
import { createTestTables } from '../../helpers/dynamo';

const NOW = new Date('2024-05-10T12:00:00.000Z');

type Tables = Awaited<ReturnType<typeof createTestTables>>;
let t: Tables;

function newStore(extra: Partial<DynamoDBAuditStoreOptions> = {}, doc: DynamoDBDocumentClient = t.doc): DynamoDBAuditStore {
  return new DynamoDBAuditStore({ tableName: t.names.audit, client: doc, now: () => NOW, ...extra } as DynamoDBAuditStoreOptions);
}

/**
 * A document client whose `send` is `send`: built on `t.doc` so it is still a
 * `DynamoDBDocumentClient` (the lib-dynamodb paginators the store reads through insist on one).
 */
function spyClient(send: (cmd: never) => Promise<unknown>): DynamoDBDocumentClient {
  return Object.assign(Object.create(t.doc) as DynamoDBDocumentClient, { send });
}

function input(overrides: Partial<AuditInput> = {}): AuditInput {
  return { kind: 'app.synced', outcome: 'success', actor: 'test', message: 'synced', ...overrides };
}

/** `n` timestamps one minute apart, the last one `end`. */
function minutesBefore(end: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => new Date(Date.parse(end) - (n - 1 - i) * 60_000).toISOString());
}

/** Every page of a query, following cursors. */
async function allPages(store: DynamoDBAuditStore, q: AuditQuery): Promise<AuditRecord[][]> {
  const pages: AuditRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...q, cursor });
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor && pages.length < 100);
  return pages;
}

function rawGet(chain: string, seq: number) {
  return t.doc.send(new GetCommand({ TableName: t.names.audit, Key: { chain, seq } })).then((r) => r.Item!);
}

function rawPut(item: Record<string, unknown>) {
  return t.doc.send(new PutCommand({ TableName: t.names.audit, Item: item }));
}

/** Writes a record with consistent index attributes, as a careful attacker with table access would. */
function rawPutRecord(record: AuditRecord) {
  return rawPut({ ...record, ...indexAttributes(record) });
}

beforeEach(async () => {
  t = await createTestTables('audit');
});

describe('DynamoDBAuditStore: append', () => {
  it('chains records of one app and stores the index attributes', async () => {
    const store = newStore();
    const first = await store.append(input({ instance: 'prod', app: 'guestbook', deliveryId: 'd1', revision: 'abc' }));
    const second = await store.append(input({ instance: 'prod', app: 'guestbook', kind: 'app.refreshed' }));

    expect(first).toMatchObject({ chain: 'app#prod#argocd#guestbook', seq: 0, prevHash: '', namespace: 'argocd', ts: NOW.toISOString() });
    expect(second).toMatchObject({ chain: first.chain, seq: 1, prevHash: first.hash });
    expect(first.hash).toBe(computeHash(first));
    const raw0 = await rawGet(first.chain, 0);
    expect(raw0).toMatchObject({
      appKey: 'prod#argocd#guestbook',
      day: '2024-05-10',
      tsId: `${first.ts}#${first.id}`,
      deliveryId: 'd1',
      revision: 'abc',
      chainIndex: 'chains',
    });
    expect(await rawGet(first.chain, 1)).not.toHaveProperty('chainIndex');
  });

  it('puts records without an app on the sharded system chains of the day', async () => {
    const store = newStore({ shards: 4 });
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(input({ kind: 'webhook.received', outcome: 'info', deliveryId: `del-${i}` }))),
    );
    for (const r of records) expect(r.chain).toMatch(/^sys#2024-05-10#[0-3]$/);
    expect((await store.verify()).ok).toBe(true);
  });

  it('never writes secrets from details', async () => {
    const store = newStore();
    const r = await store.append(
      input({ app: 'a', details: { token: 'sekret-1', headers: { Authorization: 'Bearer sekret-2', 'x-request-id': 'r' }, password: 'sekret-3' } }),
    );
    const raw = await rawGet(r.chain, r.seq);
    expect(JSON.stringify(raw)).not.toContain('sekret');
    expect(raw.details).toEqual({ headers: { 'x-request-id': 'r' } });
    expect((await store.verify()).ok).toBe(true);
  });

  it('uses only conditional PutItem and Query, never Scan, UpdateItem, DeleteItem or transactions', async () => {
    const seen: string[] = [];
    const spy = spyClient((cmd: { constructor: { name: string }; input: { ConditionExpression?: string } }) => {
      seen.push(cmd.constructor.name === 'PutCommand' ? `Put:${cmd.input.ConditionExpression}` : cmd.constructor.name);
      return t.doc.send(cmd as never);
    });
    const store = newStore({}, spy);
    await store.append(input({ app: 'a' }));
    await store.append(input({}));
    await store.query({ app: 'a' });
    await store.query({});
    await store.verify();
    expect(new Set(seen)).toEqual(new Set(['Put:attribute_not_exists(chain)', 'QueryCommand']));
  });

  it('skips the head read when this process wrote the head, and stays correct when another process moved it', async () => {
    const sent: string[] = [];
    const counting = spyClient((cmd: { constructor: { name: string } }) => {
      sent.push(cmd.constructor.name);
      return t.doc.send(cmd as never);
    });
    const a = newStore({}, counting);
    const b = newStore();
    await a.append(input({ app: 'x' }));
    expect(sent).toEqual(['QueryCommand', 'PutCommand']);
    await a.append(input({ app: 'x' }));
    expect(sent.slice(2)).toEqual(['PutCommand']);
    await b.append(input({ app: 'x' }));
    const fourth = await a.append(input({ app: 'x' }));
    expect(fourth.seq).toBe(3);
    expect((await a.verify()).ok).toBe(true);
  });

  it('gives up with AuditConflictError once maxAttempts conditional writes failed', async () => {
    const warn = jest.fn();
    const a = newStore({ maxAttempts: 1, logger: { warn } });
    const b = newStore();
    await a.append(input({ app: 'x' }));
    await b.append(input({ app: 'x' }));
    await expect(a.append(input({ app: 'x' }))).rejects.toBeInstanceOf(AuditConflictError);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('gave up'), { chain: 'app#default#argocd#x', attempts: 1 });
    expect((await a.verify()).records).toBe(2);
  });

  it('recognises its own record when a retried put fails its condition against it', async () => {
    let lost = false;
    const flaky = spyClient(async (cmd: { constructor: { name: string } }) => {
      const out = await t.doc.send(cmd as never);
      if (cmd.constructor.name === 'PutCommand' && !lost) {
        lost = true; // the put landed but, as after a lost response and an SDK retry, the caller sees a failed condition
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      }
      return out;
    });
    const store = newStore({}, flaky);
    const r = await store.append(input({ app: 'x' }));
    expect(r.seq).toBe(0);
    const next = await store.append(input({ app: 'x' }));
    expect(next).toMatchObject({ seq: 1, prevHash: r.hash });
    expect(await store.verify()).toMatchObject({ ok: true, records: 2 });
  });

  it('keeps one unbroken chain under 16 concurrent writers from separate processes', async () => {
    const writers = Array.from({ length: 16 }, () => newStore());
    const perWriter = 5;
    const written = (
      await Promise.all(
        writers.map(async (w, i) => {
          const out: AuditRecord[] = [];
          for (let k = 0; k < perWriter; k++) out.push(await w.append(input({ app: 'hot', message: `w${i}-${k}` })));
          return out;
        }),
      )
    ).flat();
    const seqs = written.map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 16 * perWriter }, (_, i) => i));
    const report = await writers[0].verify();
    expect(report).toMatchObject({ ok: true, chains: 1, records: 16 * perWriter });
  });

  it('keeps one unbroken chain under 16 concurrent appends through one store', async () => {
    const store = newStore();
    const written = await Promise.all(Array.from({ length: 16 }, (_, i) => store.append(input({ app: 'hot', message: `m${i}` }))));
    expect(new Set(written.map((r) => r.seq)).size).toBe(16);
    expect(await store.verify()).toMatchObject({ ok: true, chains: 1, records: 16 });
  });

  it('keeps many chains intact under concurrent writers', async () => {
    const writers = Array.from({ length: 16 }, () => newStore());
    await Promise.all(
      writers.map(async (w, i) => {
        for (let k = 0; k < 4; k++) {
          await w.append(input({ app: `app-${(i + k) % 8}` }));
          await w.append(input({ kind: 'webhook.received', outcome: 'info', deliveryId: `d-${i}-${k}` }));
        }
      }),
    );
    const report = await writers[0].verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBe(16 * 4 * 2);
    expect(report.chains).toBeGreaterThanOrEqual(8 + 10);
  });
});

describe('DynamoDBAuditStore: query', () => {
  it('pages through one app newest first, within inclusive from/to', async () => {
    const store = newStore();
    const times = minutesBefore('2024-05-10T11:00:00.000Z', 7);
    for (const ts of times) await store.append(input({ instance: 'prod', app: 'guestbook', ts }));
    await store.append(input({ instance: 'prod', app: 'other', ts: times[3] }));
    await store.append(input({ instance: 'staging', app: 'guestbook', ts: times[3] }));

    const pages = await allPages(store, { instance: 'prod', app: 'guestbook', limit: 3 });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((r) => r.ts)).toEqual([...times].reverse());

    const bounded = await allPages(store, { instance: 'prod', app: 'guestbook', from: times[1], to: times[4], limit: 2 });
    expect(bounded.flat().map((r) => r.ts)).toEqual([times[4], times[3], times[2], times[1]]);
    expect(await store.query({ instance: 'prod', app: 'guestbook', from: times[4], to: times[1] })).toEqual({ items: [] });
  });

  it('finds records by delivery id and by revision across chains, with paging', async () => {
    const store = newStore();
    for (let i = 0; i < 5; i++) {
      await store.append(input({ app: `app-${i}`, deliveryId: 'del-1', revision: 'rev-1', ts: `2024-05-10T10:0${i}:00.000Z` }));
    }
    await store.append(input({ kind: 'webhook.received', outcome: 'info', deliveryId: 'del-1', ts: '2024-05-10T09:59:00.000Z' }));
    await store.append(input({ app: 'app-0', deliveryId: 'del-2', revision: 'rev-2' }));

    const byDelivery = await allPages(store, { deliveryId: 'del-1', limit: 2 });
    expect(byDelivery.map((p) => p.length)).toEqual([2, 2, 2]);
    expect(byDelivery.flat().map((r) => r.app ?? '-')).toEqual(['app-4', 'app-3', 'app-2', 'app-1', 'app-0', '-']);

    const byRevision = await allPages(store, { revision: 'rev-1', limit: 4 });
    expect(byRevision.flat()).toHaveLength(5);
    expect(byRevision.flat().every((r) => r.revision === 'rev-1')).toBe(true);
  });

  it('walks a time range across apps day by day, newest day first', async () => {
    const store = newStore();
    const days = ['2024-05-07', '2024-05-08', '2024-05-10'];
    for (const day of days) {
      for (let i = 0; i < 3; i++) await store.append(input({ app: `a${i}`, ts: `${day}T0${i}:00:00.000Z` }));
    }
    await store.append(input({ app: 'old', ts: '2024-04-01T00:00:00.000Z' }));

    const pages = await allPages(store, { from: '2024-05-07T01:00:00.000Z', to: '2024-05-10', limit: 2 });
    const got = pages.flat().map((r) => r.ts);
    expect(got).toEqual([
      '2024-05-10T02:00:00.000Z',
      '2024-05-10T01:00:00.000Z',
      '2024-05-10T00:00:00.000Z',
      '2024-05-08T02:00:00.000Z',
      '2024-05-08T01:00:00.000Z',
      '2024-05-08T00:00:00.000Z',
      '2024-05-07T02:00:00.000Z',
      '2024-05-07T01:00:00.000Z',
    ]);
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);

    // Without bounds: the last 7 days up to now, so April's record is out of range.
    const recent = (await allPages(store, { limit: 1000 })).flat();
    expect(recent).toHaveLength(9);
  });

  it('filters by kind and instance without losing records across pages', async () => {
    const store = newStore();
    for (let i = 0; i < 12; i++) {
      await store.append(
        input({
          kind: i % 3 === 0 ? 'drift.found' : 'app.refreshed',
          instance: i % 2 === 0 ? 'prod' : 'staging',
          app: 'guestbook',
          namespace: 'argocd',
          ts: `2024-05-10T10:${String(i).padStart(2, '0')}:00.000Z`,
        }),
      );
    }
    const drift = await allPages(store, { kind: 'drift.found', limit: 1 });
    expect(drift.flat().map((r) => r.ts.slice(11, 16))).toEqual(['10:09', '10:06', '10:03', '10:00']);
    expect(drift.slice(0, -1).every((p) => p.length === 1)).toBe(true);

    const prodDrift = await allPages(store, { kind: 'drift.found', instance: 'prod', limit: 1 });
    expect(prodDrift.flat().map((r) => r.ts.slice(11, 16))).toEqual(['10:06', '10:00']);

    const appKind = await allPages(store, { app: 'guestbook', instance: 'staging', kind: 'app.refreshed', limit: 2 });
    expect(appKind.flat()).toHaveLength(4);
  });

  it('refuses a tampered, foreign or malformed cursor with InvalidCursorError', async () => {
    const store = newStore();
    for (let i = 0; i < 3; i++) await store.append(input({ app: 'a', ts: `2024-05-10T10:0${i}:00.000Z` }));
    const { cursor } = await store.query({ app: 'a', limit: 1 });
    expect(cursor).toBeDefined();

    const [body, sig] = cursor!.split('.');
    const state = JSON.parse(Buffer.from(body, 'base64url').toString());
    state.k.appKey = 'default#argocd#secret-app';
    const forged = `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${sig}`;
    await expect(store.query({ app: 'a', limit: 1, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.query({ app: 'b', limit: 1, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.query({ app: 'a', limit: 1, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    const otherTable = new DynamoDBAuditStore({ tableName: 'another-audit', client: t.doc });
    await expect(otherTable.query({ app: 'a', limit: 1, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    // The genuine cursor still works, also with another page size.
    expect((await store.query({ app: 'a', limit: 5, cursor })).items).toHaveLength(2);
  });
});

describe('DynamoDBAuditStore: verify', () => {
  async function seed(store: DynamoDBAuditStore, n = 5): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let i = 0; i < n; i++) out.push(await store.append(input({ app: 'guestbook', message: `m${i}`, ts: `2024-05-10T10:0${i}:00.000Z` })));
    await store.append(input({ app: 'bystander' }));
    return out;
  }

  it('reports an intact trail as ok', async () => {
    const store = newStore();
    await seed(store);
    expect(await store.verify()).toEqual({ chains: 2, records: 6, ok: true, breaks: [] });
  });

  it('detects an edited record', async () => {
    const store = newStore();
    const recs = await seed(store);
    await rawPut({ ...(await rawGet(recs[2].chain, 2)), message: 'nothing to see here' });
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.breaks.map((b) => [b.chain, b.seq, b.reason])).toEqual([[recs[2].chain, 2, 'hash-mismatch']]);
  });

  it('detects an edited record whose hash was recomputed, at its successor', async () => {
    const store = newStore();
    const recs = await seed(store);
    const raw = await rawGet(recs[2].chain, 2);
    const edited = sealRecord({ ...recs[2], outcome: 'failure' });
    await rawPut({ ...raw, ...edited });
    const report = await store.verify();
    expect(report.breaks.map((b) => [b.seq, b.reason])).toEqual([[3, 'prev-hash-mismatch']]);
  });

  it('detects a deleted record', async () => {
    const store = newStore();
    const recs = await seed(store);
    await t.doc.send(new DeleteCommand({ TableName: t.names.audit, Key: { chain: recs[0].chain, seq: 3 } }));
    const report = await store.verify();
    expect(report.breaks.map((b) => [b.seq, b.reason])).toEqual([[3, 'gap']]);
  });

  it('detects an inserted record', async () => {
    const store = newStore();
    const recs = await seed(store);
    // Shift seq 2..4 up by one (re-hashed, so each record is self-consistent) and slip a well-formed record in at seq 2.
    for (let seq = 4; seq >= 2; seq--) await rawPutRecord(sealRecord({ ...recs[seq], seq: seq + 1 }));
    await rawPutRecord(sealRecord({ ...recs[2], id: 'FORGED', message: 'forged approval', seq: 2, prevHash: recs[1].hash }));
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.breaks.map((b) => [b.seq, b.reason])).toEqual([
      [3, 'prev-hash-mismatch'],
      [4, 'prev-hash-mismatch'],
      [5, 'prev-hash-mismatch'],
    ]);
  });

  it('detects a record appended with a forged link', async () => {
    const store = newStore();
    const recs = await seed(store);
    await rawPutRecord(sealRecord({ ...recs[4], id: 'FORGED', seq: 5, prevHash: 'f'.repeat(64) }));
    expect((await store.verify()).breaks.map((b) => [b.seq, b.reason])).toEqual([[5, 'prev-hash-mismatch']]);
  });

  it('detects a record hidden from queries by editing an index attribute', async () => {
    const store = newStore();
    const recs = await seed(store);
    await rawPut({ ...(await rawGet(recs[0].chain, 1)), day: '1999-01-01' });
    expect((await store.verify()).breaks.map((b) => [b.seq, b.reason])).toEqual([[1, 'index-mismatch']]);
  });

  it('finds a chain whose first record was deleted when the chain is named', async () => {
    const store = newStore();
    const recs = await seed(store);
    await t.doc.send(new DeleteCommand({ TableName: t.names.audit, Key: { chain: recs[0].chain, seq: 0 } }));
    // Listing chains goes through the seq-0 marker, so this chain drops out of the listing...
    expect((await store.verify()).chains).toBe(1);
    // ...and is caught when named.
    const report = await store.verify({ chains: [recs[0].chain] });
    expect(report.breaks.map((b) => [b.seq, b.reason])).toEqual([[0, 'missing-start']]);
  });

  it('reads chains with paging through their records', async () => {
    const store = newStore();
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 40; i++) await store.append(input({ app: 'big', details: { big } }));
    const res = await t.doc.send(
      new QueryCommand({ TableName: t.names.audit, KeyConditionExpression: 'chain = :c', ExpressionAttributeValues: { ':c': 'app#default#argocd#big' } }),
    );
    expect(res.LastEvaluatedKey).toBeDefined(); // the chain does not fit one 1 MB page
    expect(await store.verify()).toMatchObject({ ok: true, records: 40 });
  });
});
