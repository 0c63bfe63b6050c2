import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBAuditStore, InvalidCursorError, type AuditQuery, type AuditRecord } from '../../../functions/lib/audit';
import { AUDIT_INDEX } from '../../../functions/lib/config/tables';
import { createTestTables } from '../../helpers/dynamo';

const NOW = new Date('2024-05-10T12:00:00.000Z');
const PROJECTS = ['payments', 'platform', 'search', 'web', 'data'];

type Tables = Awaited<ReturnType<typeof createTestTables>>;
let t: Tables;
let store: DynamoDBAuditStore;
const all: AuditRecord[] = [];

/** Every page of a query, following cursors. */
async function pages(q: AuditQuery): Promise<AuditRecord[][]> {
  const out: AuditRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...q, cursor });
    out.push(page.items);
    cursor = page.cursor;
  } while (cursor && out.length < 200);
  return out;
}

const newestFirst = (a: AuditRecord, b: AuditRecord) => (`${a.ts}#${a.id}` < `${b.ts}#${b.id}` ? 1 : -1);

beforeAll(async () => {
  t = await createTestTables('scoped');
  store = new DynamoDBAuditStore({ tableName: t.names.audit, client: t.doc, now: () => NOW });
  // Three days; projects unevenly busy (payments rare, platform busy), records without a
  // project (deliveries, scan summaries) in between, several at the very same millisecond.
  let n = 0;
  for (const day of ['2024-05-08', '2024-05-09', '2024-05-10']) {
    for (let i = 0; i < 60; i++) {
      const ts = new Date(Date.parse(`${day}T00:00:00.000Z`) + Math.floor(i / 3) * 60_000).toISOString();
      const k = (i * 7 + n * 3 + Math.floor(i / 2)) % 10;
      const project = i % 7 === 0 ? undefined : PROJECTS[k === 0 ? 0 : k <= 4 ? 1 : k <= 6 ? 2 : k <= 8 ? 3 : 4];
      const instance = i % 2 ? 'prod' : 'staging';
      const rec = project
        ? await store.append({
            kind: i % 5 ? 'app.refreshed' : 'drift.found',
            outcome: 'success',
            actor: 't',
            message: `${day} ${i}`,
            instance,
            app: `app-${i % 9}`,
            project,
            ts,
          })
        : await store.append({ kind: 'webhook.received', outcome: 'success', actor: 't', message: `${day} ${i}`, deliveryId: `d-${day}-${i}`, ts });
      all.push(rec);
      n++;
    }
  }
});
afterAll(() => t?.client.destroy());

describe('DynamoDBAuditStore scoped to projects (by-project index)', () => {
  const range = { from: '2024-05-08', to: '2024-05-10' };

  it.each([
    [['payments'], 7],
    [['payments', 'search'], 10],
    [['platform', 'web', 'data'], 25],
  ])('returns exactly the records of %j, newest first, across days, with no empty or short page before the last (limit %d)', async (projects, limit) => {
    const got = await pages({ ...range, within: { projects }, limit, binding: 'local:alice' });
    const expected = all.filter((r) => r.project && projects.includes(r.project)).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(limit);
    expect(got.flat().map((r) => r.id)).toEqual(expected.map((r) => r.id));
    got.slice(0, -1).forEach((p) => expect(p).toHaveLength(limit));
    expect(got[got.length - 1].length).toBeGreaterThan(0);
  });

  it('applies the other filters and the instance scope on the project path', async () => {
    const got = (await pages({ ...range, within: { projects: ['platform', 'web'], instances: ['prod'] }, kind: 'drift.found', limit: 3, binding: 'b' })).flat();
    const expected = all
      .filter((r) => (r.project === 'platform' || r.project === 'web') && r.instance === 'prod' && r.kind === 'drift.found')
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(3);
    expect(got.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it('keeps records without a project out of scoped queries on every path', async () => {
    const byDelivery = await store.query({ deliveryId: all.find((r) => r.deliveryId)!.deliveryId, within: { projects: ['payments'] } });
    expect(byDelivery.items).toEqual([]);
    const byApp = (await pages({ app: 'app-1', instance: 'prod', within: { projects: ['payments'] }, limit: 2 })).flat();
    expect(byApp.length).toBeGreaterThan(0);
    expect(byApp.every((r) => r.project === 'payments')).toBe(true);
    expect(byApp.map((r) => r.id)).toEqual(
      all
        .filter((r) => r.app === 'app-1' && r.instance === 'prod' && r.project === 'payments')
        .sort(newestFirst)
        .map((r) => r.id),
    );
  });

  it('refuses a cursor minted under another binding (another principal) and an edited one', async () => {
    const first = await store.query({ ...range, within: { projects: ['platform'] }, limit: 5, binding: 'local:alice' });
    expect(first.cursor).toBeDefined();
    await expect(store.query({ ...range, within: { projects: ['platform'] }, limit: 5, binding: 'local:bob', cursor: first.cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    // Same principal, wider scope: refused too (the scope is part of the query).
    await expect(
      store.query({ ...range, within: { projects: ['platform', 'payments'] }, limit: 5, binding: 'local:alice', cursor: first.cursor }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    const [body, sig] = first.cursor!.split('.');
    const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    state.k.tsId = '2099-01-01T00:00:00.000Z#Z';
    const edited = `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${sig}`;
    await expect(store.query({ ...range, within: { projects: ['platform'] }, limit: 5, binding: 'local:alice', cursor: edited })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    const next = await store.query({ ...range, within: { projects: ['platform'] }, limit: 5, binding: 'local:alice', cursor: first.cursor });
    expect(next.items[0].ts <= first.items[4].ts).toBe(true);
  });

  it('indexes records with a project by project and day, and verify notices an edited index key', async () => {
    const rec = all.find((r) => r.project === 'payments')!;
    const res = await t.doc.send(
      new QueryCommand({
        TableName: t.names.audit,
        IndexName: AUDIT_INDEX.byProject,
        KeyConditionExpression: 'projectDay = :k',
        ExpressionAttributeValues: { ':k': `payments#${rec.ts.slice(0, 10)}` },
      }),
    );
    expect(res.Items!.map((i) => i.id)).toContain(rec.id);
    expect((await store.verify({ chains: [rec.chain] })).ok).toBe(true);
    await t.doc.send(
      new UpdateCommand({
        TableName: t.names.audit,
        Key: { chain: rec.chain, seq: rec.seq },
        UpdateExpression: 'SET projectDay = :v',
        ExpressionAttributeValues: { ':v': 'platform#2024-05-08' },
      }),
    );
    const report = await store.verify({ chains: [rec.chain] });
    expect(report.breaks).toEqual([expect.objectContaining({ reason: 'index-mismatch', message: expect.stringContaining('projectDay') })]);
  });
});
