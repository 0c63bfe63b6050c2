import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FileAnchorStore, LocalKeySigner, runAnchor, verifyAnchored } from '../../../functions/lib/anchor';
import {
  DynamoDBAuditStore,
  INDEX_BACKFILL_DELIVERY,
  INDEX_BACKFILLED_KIND,
  InvalidCursorError,
  type AuditInput,
  type AuditRecord,
} from '../../../functions/lib/audit';
import { createTestTables } from '../../helpers/dynamo';

type Tables = Awaited<ReturnType<typeof createTestTables>>;
let t: Tables;
let store: DynamoDBAuditStore;
/** Records written the old way (no projectDay), by project. */
let legacy: AuditRecord[];
const NOW = new Date('2024-05-10T12:00:00.000Z');
const range = { from: '2024-05-09', to: '2024-05-10' };

const raw = async (r: AuditRecord) => (await t.doc.send(new GetCommand({ TableName: t.names.audit, Key: { chain: r.chain, seq: r.seq } }))).Item!;

/** Rewrites a stored item as the code before the by-project index wrote it: every attribute but projectDay. */
async function unindex(r: AuditRecord) {
  const { projectDay, ...item } = await raw(r);
  expect(projectDay).toBeDefined();
  await t.doc.send(new PutCommand({ TableName: t.names.audit, Item: item }));
}

/** Every slice of a backfill, continuing with the resume token, `maxRecords` per slice. */
async function backfillAll(maxRecords: number) {
  const slices = [];
  let resume: string | undefined;
  for (;;) {
    const r = await store.backfillIndex({ maxRecords, ...(resume ? { resume } : {}) });
    slices.push(r);
    if (r.done) return slices;
    resume = r.resume;
  }
}

/** The record POST /api/audit/backfill-index appends when a pass completes. */
const backfilledRecord: AuditInput = {
  kind: INDEX_BACKFILLED_KIND,
  outcome: 'success',
  actor: 'local:admin',
  message: 'done',
  deliveryId: INDEX_BACKFILL_DELIVERY,
  ts: '2024-05-10T11:00:00.000Z',
};

const scoped = async (projects: string[]) =>
  (await store.query({ ...range, within: { projects }, limit: 1000, binding: 'local:alice' })).items.map((r) => r.id);

beforeEach(async () => {
  t = await createTestTables('backfill');
  store = new DynamoDBAuditStore({ tableName: t.names.audit, client: t.doc, now: () => NOW });
  legacy = [];
  // Three app chains over two projects, written before the index (projectDay stripped), plus
  // records with no project (deliveries) and one written after the upgrade.
  for (let i = 0; i < 12; i++) {
    const ts = new Date(Date.parse('2024-05-09T10:00:00.000Z') + i * 3_600_000).toISOString();
    const app = `app-${i % 3}`;
    legacy.push(
      await store.append({ kind: 'app.synced', outcome: 'success', actor: 'old', message: `m${i}`, app, project: i % 3 === 0 ? 'platform' : 'payments', ts }),
    );
    await store.append({ kind: 'webhook.received', outcome: 'success', actor: 'old', message: `d${i}`, deliveryId: `d-${i}`, ts });
  }
  for (const r of legacy) await unindex(r);
});
afterEach(() => t?.client.destroy());

describe('by-project index backfill (upgrade from records written before the index)', () => {
  it('verify counts the old records as unindexed, not as breaks, and scoped reads miss them until the backfill', async () => {
    const report = await store.verify();
    expect(report.ok).toBe(true);
    expect(report.breaks).toEqual([]);
    expect(report.unindexed).toMatchObject({ records: 12, chains: 3, oldest: legacy[0].ts, newest: legacy[11].ts });
    expect(report.unindexed!.hint).toMatch(/before the by-project index.*not tampered.*backfill-index/);
    expect(await scoped(['payments'])).toEqual([]);

    const newer = await store.append({
      kind: 'app.synced',
      outcome: 'success',
      actor: 'new',
      message: 'after upgrade',
      app: 'app-1',
      project: 'payments',
      ts: '2024-05-10T09:00:00.000Z',
    });
    expect(await scoped(['payments'])).toEqual([newer.id]);
  });

  it('gives every old record its projectDay in resumable slices, changing no other attribute, and scoped reads then find them', async () => {
    const before = await Promise.all(legacy.map(raw));
    const slices = await backfillAll(5);
    // 3 app chains of 4 records + the system chains of 12 deliveries, read 5 at a time: 5, 5, 5, 5, 4.
    const chainsWithRecords = (await store.verify()).chains;
    expect(slices.map((s) => s.slice.records)).toEqual([5, 5, 5, 5, 4]);
    expect(slices.slice(0, -1).every((s) => s.slice.records === 5 && typeof s.resume === 'string')).toBe(true);
    expect(slices[slices.length - 1].total).toEqual({ chains: chainsWithRecords, records: 24, indexed: 12, skipped: 0 });

    const after = await Promise.all(legacy.map(raw));
    after.forEach((item, i) => {
      const { projectDay, ...rest } = item;
      expect(projectDay).toBe(`${legacy[i].project}#${legacy[i].ts.slice(0, 10)}`);
      expect(rest).toEqual(before[i]);
    });
    const payments = legacy.filter((r) => r.project === 'payments').sort((a, b) => (a.ts < b.ts ? 1 : -1));
    expect(await scoped(['payments'])).toEqual(payments.map((r) => r.id));
    expect(await store.verify()).toEqual({ chains: chainsWithRecords, records: 24, ok: true, breaks: [] });
  });

  it('is idempotent: a second pass, or two passes at once, index each record exactly once', async () => {
    const [a, b] = await Promise.all([store.backfillIndex(), store.backfillIndex()]);
    expect(a.done && b.done).toBe(true);
    expect(a.total.indexed + b.total.indexed).toBe(12);
    const again = await store.backfillIndex();
    expect(again.total).toMatchObject({ records: 24, indexed: 0, skipped: 0 });
  });

  it('leaves a tampered old record alone (verify reports it) and refuses a resume token it did not issue', async () => {
    const victim = legacy[4];
    await t.doc.send(new PutCommand({ TableName: t.names.audit, Item: { ...(await raw(victim)), message: 'rewritten' } }));
    const result = await store.backfillIndex();
    expect(result.total).toMatchObject({ indexed: 11, skipped: 1 });
    expect((await raw(victim)).projectDay).toBeUndefined();
    expect((await store.verify()).breaks.map((b) => [b.chain, b.seq, b.reason])).toEqual([[victim.chain, victim.seq, 'hash-mismatch']]);

    const slice = await store.backfillIndex({ maxRecords: 2 });
    const [body, sig] = slice.resume!.split('.');
    const state = JSON.parse(Buffer.from(body, 'base64url').toString());
    state.k.indexed = 9999;
    const forged = `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${sig}`;
    await expect(store.backfillIndex({ resume: forged })).rejects.toBeInstanceOf(InvalidCursorError);
    const other = new DynamoDBAuditStore({ tableName: t.names.audit, client: t.doc, cursorKey: 'another key' });
    await expect(other.backfillIndex({ resume: slice.resume })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('after a completed backfill is audited, a projectDay removed from a record is an index-mismatch break', async () => {
    await store.backfillIndex();
    // Before the completion record: still only counted.
    await unindex(legacy[7]);
    expect((await store.verify()).ok).toBe(true);
    await store.append(backfilledRecord);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.breaks).toEqual([
      expect.objectContaining({
        chain: legacy[7].chain,
        seq: legacy[7].seq,
        reason: 'index-mismatch',
        message: expect.stringContaining('projectDay is missing'),
      }),
    ]);
    expect(report.unindexed).toMatchObject({ records: 1, hint: expect.stringContaining('lost it since') });
    // Verifying only that chain (not the system chain holding the backfill record) finds the backfill by its delivery id.
    const one = await store.verify({ chains: [legacy[7].chain] });
    expect(one.breaks.map((b) => [b.seq, b.reason])).toEqual([[legacy[7].seq, 'index-mismatch']]);
    expect(await store.indexBackfilledAt()).toBe('2024-05-10T11:00:00.000Z');
  });

  it('verify against signed digests treats them alike: unindexed counted before the backfill, a break after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backfill-anchor-'));
    try {
      const signer = LocalKeySigner.open(join(dir, 'key.pem'));
      const anchors = new FileAnchorStore(join(dir, 'anchors'));
      await runAnchor({ reader: store, store: anchors, signer, now: () => NOW });
      const verify = async () => verifyAnchored({ reader: store, store: anchors, publicKeyPem: await signer.publicKeyPem() });
      const first = await verify();
      expect(first.ok).toBe(true);
      expect(first.unindexed).toMatchObject({ records: 12, chains: 3 });

      await store.backfillIndex();
      await store.append(backfilledRecord);
      const clean = await verify();
      expect(clean.ok).toBe(true);
      expect(clean.unindexed).toBeUndefined();

      await unindex(legacy[2]);
      const hidden = await verify();
      expect(hidden.breaks.map((b) => [b.chain, b.seq, b.reason])).toEqual([[legacy[2].chain, legacy[2].seq, 'index-mismatch']]);
      // Page by page (one chain a page), as the CLI verifies: the page holding that chain reports it.
      const paged = [];
      let after: string | undefined = '';
      while (after !== undefined) {
        const page = await verifyAnchored({ reader: store, store: anchors, publicKeyPem: await signer.publicKeyPem() }, { after, limit: 1 });
        paged.push(...page.breaks.map((b) => [b.chain, b.seq, b.reason]));
        after = page.next;
      }
      expect(paged).toEqual([[legacy[2].chain, legacy[2].seq, 'index-mismatch']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes the by-project partitions scoped reads use: each holds exactly its project's records of the day", async () => {
    await store.backfillIndex();
    const res = await t.doc.send(
      new QueryCommand({
        TableName: t.names.audit,
        IndexName: 'by-project',
        KeyConditionExpression: 'projectDay = :k',
        ExpressionAttributeValues: { ':k': 'platform#2024-05-09' },
      }),
    );
    expect(res.Items!.map((i) => i.id).sort()).toEqual(
      legacy
        .filter((r) => r.project === 'platform' && r.ts.startsWith('2024-05-09'))
        .map((r) => r.id)
        .sort(),
    );
  });
});
