import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createPublicKey, generateKeyPairSync, sign, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, unlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBAuditStore, indexAttributes, type AuditInput } from '../../../functions/lib/audit';
import {
  FileAnchorStore,
  LocalKeySigner,
  digestName,
  encodeDigestFile,
  parseDigestFile,
  partName,
  runAnchor,
  signedBytes,
  verifyAnchored,
  type AnchorRunOptions,
  type DigestSigner,
} from '../../../functions/lib/anchor';
import { deleteChain, deleteNewest, rewriteAndRehash } from '../../helpers/audit-attacker';
import { createTestTables } from '../../helpers/dynamo';

type Tables = Awaited<ReturnType<typeof createTestTables>>;
let t: Tables;
let dir: string;
let clock: Date;
let audit: DynamoDBAuditStore;
let signer: LocalKeySigner;
let anchors: FileAnchorStore;

const input = (o: Partial<AuditInput> = {}): AuditInput => ({ kind: 'app.synced', outcome: 'success', actor: 'test', message: 'synced', ...o });
const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
const anchor = (o: AnchorRunOptions = {}, s: DigestSigner = signer) => runAnchor({ reader: audit, store: anchors, signer: s, now: () => clock }, o);
const verify = async (chains?: string[]) =>
  verifyAnchored({ reader: audit, store: anchors, publicKeyPem: await signer.publicKeyPem() }, chains ? { chains } : {});
const reasons = (r: { breaks: Array<{ chain: string; seq: number; reason: string }> }) => r.breaks.map((b) => [b.chain, b.seq, b.reason]);

async function appendN(app: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await audit.append(input({ app, message: `${app} ${i}` })));
  return out;
}

beforeEach(async () => {
  t = await createTestTables('anchor');
  dir = mkdtempSync(join(tmpdir(), 'anchor-test-'));
  clock = new Date('2024-05-10T12:00:00.000Z');
  audit = new DynamoDBAuditStore({ tableName: t.names.audit, client: t.doc, now: () => clock });
  signer = LocalKeySigner.open(join(dir, 'anchor-key.pem'));
  anchors = new FileAnchorStore(join(dir, 'anchors'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  t.client.destroy();
});

describe('runAnchor and verifyAnchored (dynalite, file anchor store)', () => {
  it('anchors every chain in a first checkpoint, then only changed chains, and verifies clean', async () => {
    await appendN('a', 3);
    await appendN('b', 2);
    const first = await anchor();
    expect(first).toMatchObject({ written: true, seq: 0, kind: 'checkpoint', chains: 2, recordsCovered: 5, newRecords: 5, held: [] });
    tick(60_000);
    await appendN('b', 1);
    const second = await anchor();
    expect(second).toMatchObject({ written: true, seq: 1, kind: 'incremental', chains: 1, newRecords: 1 });
    const digest = parseDigestFile((await anchors.get(digestName(1)))!);
    expect(digest.ok && digest.file.digest.heads).toEqual([{ chain: 'app#default#argocd#b', seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    tick(60_000);
    await appendN('a', 2);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, chains: 2, records: 8, breaks: [], digests: { count: 2, newest: { seq: 1, kind: 'incremental' } } });
    expect(report.unanchored).toEqual({ records: 2, chains: 1, oldest: clock.toISOString() });
  });

  it('writes a checkpoint again once the newest is older than checkpointEveryMs', async () => {
    await appendN('a', 1);
    await anchor({ checkpointEveryMs: 10 * 60_000 });
    tick(5 * 60_000);
    expect((await anchor({ checkpointEveryMs: 10 * 60_000 })).kind).toBe('incremental');
    tick(5 * 60_000);
    expect(await anchor({ checkpointEveryMs: 10 * 60_000 })).toMatchObject({ kind: 'checkpoint', chains: 1, newRecords: 0 });
  });

  it('reports a record edited and its chain re-hashed (the attacker of issue 11), and never anchors the forgery', async () => {
    const recs = await appendN('guestbook', 5);
    await appendN('other', 2);
    await anchor();
    // The attacker edits seq 1's message and recomputes seq 1..4 so the hash chain is consistent again.
    await rewriteAndRehash(t.doc, t.names.audit, recs[0].chain, 1, (r) => ({ ...r, message: 'nothing happened here' }));
    expect((await audit.verify()).ok).toBe(true); // the plain hash chain is fooled
    const report = await verify();
    expect(reasons(report)).toEqual([['app#default#argocd#guestbook', 4, 'anchor-mismatch']]);
    // Later runs, incremental and checkpoint, hold the chain at its anchor instead of anchoring the rewrite.
    tick(60_000);
    await audit.append(input({ app: 'guestbook', message: 'more' }));
    expect((await anchor()).held).toEqual([{ chain: recs[0].chain, problem: 'seq 4 differs from its anchored hash' }]);
    tick(60_000);
    expect((await anchor({ checkpoint: true })).held).toHaveLength(1);
    // The honest writer linked its new record to the head it cached, the original seq 4: a second break.
    expect(reasons(await verify())).toEqual([
      ['app#default#argocd#guestbook', 4, 'anchor-mismatch'],
      ['app#default#argocd#guestbook', 5, 'prev-hash-mismatch'],
    ]);
  });

  it('reports the newest record of a chain deleted (a chain shorter than anchored)', async () => {
    const recs = await appendN('a', 3);
    await anchor();
    expect(await deleteNewest(t.doc, t.names.audit, recs[0].chain)).toBe(2);
    const report = await verify();
    expect(reasons(report)).toEqual([['app#default#argocd#a', 2, 'anchor-truncated']]);
    expect(report.breaks[0].message).toMatch(/ends at seq 1 .* up to seq 2/);
  });

  it('reports a whole anchored chain deleted, though the by-chain index no longer lists it', async () => {
    const recs = await appendN('gone', 2);
    await appendN('kept', 1);
    await anchor();
    await deleteChain(t.doc, t.names.audit, recs[0].chain);
    const report = await verify();
    expect(reasons(report)).toEqual([
      ['app#default#argocd#gone', 0, 'missing-start'],
      ['app#default#argocd#gone', 1, 'anchor-truncated'],
    ]);
    expect(report.breaks[1].message).toBe('chain has no records left but digest 0 anchored it up to seq 1: records deleted');
    // A checkpoint after the deletion still carries the anchor forward.
    tick(60_000);
    expect(await anchor({ checkpoint: true })).toMatchObject({ held: [{ chain: recs[0].chain }] });
    expect(reasons(await verify())).toContainEqual(['app#default#argocd#gone', 1, 'anchor-truncated']);
  });

  it('keeps the existing hash-chain breaks (an edit without re-hashing)', async () => {
    const recs = await appendN('a', 3);
    await anchor();
    const edited = { ...recs[1], message: 'edited' };
    await t.doc.send(new PutCommand({ TableName: t.names.audit, Item: { ...edited, ...indexAttributes(edited) } }));
    expect(reasons(await verify())).toEqual([['app#default#argocd#a', 1, 'hash-mismatch']]);
  });

  it('reports a deleted digest, an edited digest and one signed with another key', async () => {
    await appendN('a', 1);
    for (let i = 0; i < 5; i++) {
      await anchor();
      tick(60_000);
      await appendN('a', 1);
    }
    expect((await verify()).ok).toBe(true);
    const path = (seq: number) => join(dir, 'anchors', digestName(seq));
    // Deleted: digest 1.
    unlinkSync(path(1));
    // Edited: digest 3's head hash changed, signature kept.
    const d3 = parseDigestFile(readFileSync(path(3)));
    if (!d3.ok) throw new Error('fixture');
    const edited = { ...d3.file.digest, heads: d3.file.digest.heads.map((h) => ({ ...h, hash: 'f'.repeat(64) })) };
    chmodSync(path(3), 0o644);
    writeFileSync(path(3), encodeDigestFile(edited, Buffer.from(d3.file.signature, 'base64')));
    // Foreign key: digest 4 re-signed by someone else's key.
    const d4 = parseDigestFile(readFileSync(path(4)));
    if (!d4.ok) throw new Error('fixture');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    chmodSync(path(4), 0o644);
    writeFileSync(path(4), encodeDigestFile(d4.file.digest, sign('sha256', signedBytes(d4.file.digest), privateKey)));
    const report = await verify();
    expect(reasons(report)).toEqual([
      ['digests', 1, 'digest-missing'],
      ['digests', 3, 'digest-signature'],
      ['digests', 4, 'digest-signature'],
    ]);
    expect(report.ok).toBe(false);
  });

  it('reports a digest file that is not JSON or has an unknown version, and does not skip it', async () => {
    await appendN('a', 1);
    await anchor();
    tick(60_000);
    await anchor();
    tick(60_000);
    await anchor();
    chmodSync(join(dir, 'anchors', digestName(0)), 0o644);
    writeFileSync(join(dir, 'anchors', digestName(0)), 'not json {');
    const d1 = parseDigestFile(readFileSync(join(dir, 'anchors', digestName(1))));
    if (!d1.ok) throw new Error('fixture');
    chmodSync(join(dir, 'anchors', digestName(1)), 0o644);
    writeFileSync(join(dir, 'anchors', digestName(1)), JSON.stringify({ ...d1.file, digest: { ...d1.file.digest, version: 3 } }));
    const report = await verify();
    expect(reasons(report)).toEqual([
      ['digests', 0, 'digest-invalid'],
      ['digests', 1, 'digest-invalid'],
      ['digests', 1, 'digest-edited'],
    ]);
    expect(report.breaks.map((b) => b.message).join('\n')).toMatch(/not valid JSON[\s\S]*unknown digest version 3/);
    // The next run notices the damage and writes a checkpoint.
    tick(60_000);
    expect((await anchor()).kind).toBe('checkpoint');
  });

  it('two anchor runs at once write one digest chain', async () => {
    await appendN('a', 2);
    const runs = await Promise.all([anchor(), anchor()]);
    expect(runs.map((r) => r.written).sort()).toEqual([false, true]);
    expect(runs.map((r) => r.seq)).toEqual([0, 0]);
    expect(await anchors.list('digests/')).toEqual([digestName(0)]);
    expect((await verify()).ok).toBe(true);
  });

  it('a run whose signer or store fails writes nothing, and the next run covers the gap', async () => {
    await appendN('a', 1);
    await anchor();
    tick(60_000);
    await appendN('b', 2);
    const down: DigestSigner = { sign: () => Promise.reject(new Error('KMS unavailable')), publicKeyPem: () => signer.publicKeyPem() };
    await expect(anchor({}, down)).rejects.toThrow('KMS unavailable');
    const failingStore = Object.assign(Object.create(anchors) as FileAnchorStore, { create: () => Promise.reject(new Error('S3 unavailable')) });
    await expect(runAnchor({ reader: audit, store: failingStore, signer, now: () => clock })).rejects.toThrow('S3 unavailable');
    expect(await anchors.list('digests/')).toEqual([digestName(0)]);
    tick(60_000);
    expect(await anchor()).toMatchObject({ seq: 1, kind: 'incremental', chains: 1, newRecords: 2 });
    expect(await verify()).toMatchObject({ ok: true, unanchored: { records: 0, chains: 0 } });
  });

  it('anchors a back-dated record when the sweep reaches its chain, one slice per run', async () => {
    await appendN('a', 1);
    await appendN('b', 1);
    await anchor();
    tick(60 * 60_000);
    // A record written now but dated two hours ago: the incremental window does not see it.
    await audit.append(input({ app: 'late', ts: new Date(clock.getTime() - 2 * 3_600_000).toISOString() }));
    const runs = [];
    for (let i = 0; i < 3; i++) {
      tick(60_000);
      runs.push(await anchor({ checkpointEveryMs: 24 * 3_600_000, sweepChains: 1 }));
      if (i === 1) expect((await verify()).unanchored).toMatchObject({ records: 1, chains: 1 });
    }
    // The first run's window reaches back to the first digest's records (a and b, unchanged).
    expect(runs.map((r) => [r.kind, r.touched, r.sweep, r.chains, r.newRecords])).toEqual([
      ['incremental', 2, { from: '', next: 'app#default#argocd#a', chains: 1 }, 0, 0],
      ['incremental', 0, { from: 'app#default#argocd#a', next: 'app#default#argocd#b', chains: 1 }, 0, 0],
      ['incremental', 0, { from: 'app#default#argocd#b', chains: 1 }, 1, 1],
    ]);
    expect(await verify()).toMatchObject({ ok: true, unanchored: { records: 0, chains: 0 } });
    // The sweep reached the end, so the next one starts over.
    tick(60_000);
    expect((await anchor({ checkpointEveryMs: 24 * 3_600_000, sweepChains: 1 })).sweep).toEqual({ from: '', next: 'app#default#argocd#a', chains: 1 });
  });

  it('writes a checkpoint from the previous one and the digests since, reading no chain beyond the touched ones', async () => {
    for (const app of ['a', 'b', 'c', 'd']) await appendN(app, 2);
    await anchor();
    // A second digest, so the next window (from it, less the 15-minute margin) no longer holds the first records.
    tick(30 * 60_000);
    await anchor();
    tick(60_000);
    await appendN('b', 1);
    const reads: string[] = [];
    const counting = {
      listChains: (after?: string) => audit.listChains(after),
      chainsTouchedSince: (since: string) => audit.chainsTouchedSince(since),
      head: (chain: string) => (reads.push(chain), audit.head(chain)),
      readChain: (chain: string, fromSeq?: number) => (reads.push(chain), audit.readChain(chain, fromSeq)),
    };
    const cp = await runAnchor({ reader: counting, store: anchors, signer, now: () => clock }, { checkpoint: true, sweepChains: 0 });
    expect(reads).toEqual(['app#default#argocd#b']);
    expect(cp).toMatchObject({ kind: 'checkpoint', chains: 4, recordsCovered: 9, newRecords: 1, touched: 1, sweep: { from: '', chains: 0 } });
    const file = parseDigestFile((await anchors.get(digestName(2)))!);
    expect(file.ok && file.file.digest.heads.map((h) => [h.chain, h.seq])).toEqual([
      ['app#default#argocd#a', 1],
      ['app#default#argocd#b', 2],
      ['app#default#argocd#c', 1],
      ['app#default#argocd#d', 1],
    ]);
    expect(await verify()).toMatchObject({ ok: true, unanchored: { records: 0 }, digests: { mode: 'checkpoint', from: 2, count: 1 } });
  });

  it('splits a big digest into parts named by their hash, and reports a part deleted or edited', async () => {
    const apps = ['a', 'b', 'c', 'd', 'e'];
    for (const app of apps) await appendN(app, 1);
    const first = await anchor({ maxPartBytes: 300 });
    expect(first).toMatchObject({ kind: 'checkpoint', chains: 5, parts: 3 });
    const file = parseDigestFile((await anchors.get(digestName(0)))!);
    if (!file.ok) throw new Error('fixture');
    expect(file.file.digest.heads).toEqual([]);
    expect(file.file.digest.parts!.map((p) => [p.first, p.last, p.chains])).toEqual([
      ['app#default#argocd#a', 'app#default#argocd#b', 2],
      ['app#default#argocd#c', 'app#default#argocd#d', 2],
      ['app#default#argocd#e', 'app#default#argocd#e', 1],
    ]);
    expect(await verify()).toMatchObject({ ok: true, records: 5, unanchored: { records: 0 } });
    // Verifying one chain reads only the part holding it.
    const gets: string[] = [];
    const spy = Object.assign(Object.create(anchors) as FileAnchorStore, { get: (n: string) => (gets.push(n), anchors.get(n)) });
    await verifyAnchored({ reader: audit, store: spy, publicKeyPem: await signer.publicKeyPem() }, { chains: ['app#default#argocd#c'] });
    expect(gets.filter((n) => n.startsWith('parts/'))).toEqual([partName(0, file.file.digest.parts![1].hash)]);
    // The attacker with the folder: part 0 deleted, part 1 replaced.
    const partPath = (i: number) => join(dir, 'anchors', ...partName(0, file.file.digest.parts![i].hash).split('/'));
    unlinkSync(partPath(0));
    chmodSync(partPath(1), 0o644);
    writeFileSync(partPath(1), readFileSync(partPath(1), 'utf8').replace(/"seq":0/, '"seq":7'));
    const report = await verify();
    expect(report.breaks.map((b) => [b.chain, b.seq, b.reason, b.message])).toEqual([
      ['digests', 0, 'digest-missing', `part 0 of digest 0 (${partName(0, file.file.digest.parts![0].hash)}) is missing`],
      ['digests', 0, 'digest-edited', 'part 1 of digest 0 does not hash to what the digest names: edited or replaced'],
    ]);
  });

  it('checks the digest chain from the newest checkpoint by default, and from digest 0 when asked', async () => {
    await appendN('a', 1);
    for (let i = 0; i < 4; i++) {
      await anchor({ checkpoint: i === 2 });
      tick(60_000);
    }
    // Digest 1 (before the newest checkpoint, 2) is edited: no longer needed by what is anchored.
    const p1 = join(dir, 'anchors', digestName(1));
    chmodSync(p1, 0o644);
    writeFileSync(p1, readFileSync(p1, 'utf8').replace('"incremental"', '"checkpoint"'));
    expect(await verify()).toMatchObject({ ok: true, digests: { mode: 'checkpoint', from: 2, count: 2, newest: { seq: 3 } } });
    const all = await verifyAnchored({ reader: audit, store: anchors, publicKeyPem: await signer.publicKeyPem() }, { digests: 'all' });
    expect(reasons(all)).toEqual([
      ['digests', 1, 'digest-signature'],
      ['digests', 1, 'digest-edited'],
    ]);
    expect(all.digests).toMatchObject({ mode: 'all', from: 0, count: 4 });
  });

  it('verifies page by page, each page naming where the next starts, and still finds an anchored chain deleted whole', async () => {
    for (const app of ['a', 'b', 'c', 'd', 'e']) await appendN(app, 2);
    await anchor();
    await deleteChain(t.doc, t.names.audit, 'app#default#argocd#c');
    const pages = [];
    let after = '';
    for (;;) {
      const page = await verifyAnchored({ reader: audit, store: anchors, publicKeyPem: await signer.publicKeyPem() }, { after, limit: 2 });
      pages.push([page.chains, page.records, page.next, reasons(page)]);
      if (!page.next) break;
      after = page.next;
    }
    // Page 1: a, b (listing goes on). Page 2: the rest, c (anchored, no longer listed), d, e.
    expect(pages).toEqual([
      [2, 4, 'app#default#argocd#b', []],
      [
        3,
        4,
        undefined,
        [
          ['app#default#argocd#c', 0, 'missing-start'],
          ['app#default#argocd#c', 1, 'anchor-truncated'],
        ],
      ],
    ]);
  });
});

describe('LocalKeySigner and FileAnchorStore', () => {
  it('creates the key once with mode 0600 and signs verifiably', async () => {
    const path = join(dir, 'k', 'anchor-key.pem');
    const a = LocalKeySigner.open(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const b = LocalKeySigner.open(path);
    expect(await b.publicKeyPem()).toBe(await a.publicKeyPem());
    expect(verifySignature('sha256', Buffer.from('x'), createPublicKey(await a.publicKeyPem()), Buffer.from(await b.sign(Buffer.from('x'))))).toBe(true);
  });

  it('writes each name once, read-only, and refuses names that leave its folder', async () => {
    expect(await anchors.create('digests/000000000000.json', Buffer.from('one'))).toBe('created');
    expect(await anchors.create('digests/000000000000.json', Buffer.from('two'))).toBe('exists');
    expect(Buffer.from((await anchors.get('digests/000000000000.json'))!).toString()).toBe('one');
    expect(statSync(join(dir, 'anchors', 'digests', '000000000000.json')).mode & 0o777).toBe(0o444);
    await expect(anchors.create('../escape', Buffer.from('x'))).rejects.toThrow(TypeError);
    expect(await anchors.get('digests/000000000001.json')).toBeUndefined();
  });
});
