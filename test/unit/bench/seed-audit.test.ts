import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startSeededDynalite, type SeededDynalite } from '../../../bench/seed-audit';
import { DynamoDBAuditStore, indexAttributes, newAuditId, sealRecord, type AuditRecord } from '../../../functions/lib/audit';
import { localDynamoClient } from '../../../local/dynamo';

const APPS = 6;
const COUNT = 600;
const START = Date.parse('2024-06-01T00:00:00.000Z');

/** Record i: app i mod 6 (project p-<app mod 3>), chained per app, one every 10 minutes. */
function chained(): (i: number) => Record<string, unknown> {
  const heads = new Map<number, string>();
  return (i) => {
    const app = i % APPS;
    const ts = new Date(START + i * 600_000).toISOString();
    const record: AuditRecord = sealRecord({
      id: newAuditId(Date.parse(ts)),
      ts,
      kind: 'app.synced',
      outcome: 'success',
      actor: 'seed',
      message: `record ${i}`,
      instance: 'default',
      namespace: 'argocd',
      app: `app-${app}`,
      project: `p-${app % 3}`,
      details: { n: i, nested: { ok: true, list: [1, 'two', null] } },
      chain: `app#default#argocd#app-${app}`,
      seq: Math.floor(i / APPS),
      prevHash: heads.get(app) ?? '',
    });
    heads.set(app, record.hash);
    return { ...record, ...indexAttributes(record) };
  };
}

describe('bench/seed-audit: records written straight into the dynalite folder', () => {
  let dir: string;
  let seeded: SeededDynalite;
  let store: DynamoDBAuditStore;
  let client: ReturnType<typeof localDynamoClient>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seed-audit-test-'));
    seeded = await startSeededDynalite(dir, 'seed', { count: COUNT, item: chained(), batchSize: 128 });
    client = localDynamoClient(seeded.endpoint);
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    store = new DynamoDBAuditStore({ tableName: seeded.tables.audit, client: doc, now: () => new Date(START + COUNT * 600_000) });
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await seeded?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every record, and dynalite serves them as intact chains (by-chain index, hashes, index attributes)', async () => {
    expect(seeded.seeded).toBe(COUNT);
    const report = await store.verify();
    expect(report).toEqual({ chains: APPS, records: COUNT, ok: true, breaks: [] });
  });

  it('finds the records through the by-app, by-day and by-project indexes, newest first', async () => {
    const byApp = await store.query({ app: 'app-4', limit: 1000, from: '2024-05-01', to: '2024-07-01' });
    expect(byApp.items).toHaveLength(COUNT / APPS);
    expect(byApp.items[0].message).toBe(`record ${COUNT - 2}`);
    const day = await store.query({ from: '2024-06-02', to: '2024-06-02', limit: 1000 });
    // 144 records a day (one every 10 minutes).
    expect(day.items).toHaveLength(144);
    const scoped = await store.query({ from: '2024-06-01', to: '2024-06-05', within: { projects: ['p-1'] }, limit: 1000 });
    expect(scoped.items.length).toBe(COUNT / 3);
    expect(new Set(scoped.items.map((r) => r.project))).toEqual(new Set(['p-1']));
    expect(scoped.items[0].details).toEqual({ n: COUNT - 2, nested: { ok: true, list: [1, 'two', null] } });
  });
});
