/**
 * What the operator API hands out for proofs, so it works at 100,000 chains: digest pages from
 * the newest checkpoint, each file bounded (big digests in parts), parts one by one by hash,
 * and the proof's chains page by page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileAnchorStore,
  LocalKeySigner,
  MAX_DIGEST_PAGE_BYTES,
  digestName,
  digestPart,
  digestsPage,
  parseDigestFile,
  proofChains,
  runAnchor,
  sha256Hex,
  type AnchorService,
} from '../../../functions/lib/anchor';
import { InMemoryChainReader } from '../../helpers/in-memory-chain-reader';

let dir: string;
let reader: InMemoryChainReader;
let store: FileAnchorStore;
let signer: LocalKeySigner;
let clock: Date;
let service: AnchorService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'anchor-service-'));
  clock = new Date('2024-05-10T12:00:00.000Z');
  reader = new InMemoryChainReader(() => clock);
  store = new FileAnchorStore(join(dir, 'anchors'));
  signer = LocalKeySigner.open(join(dir, 'key.pem'));
  service = { reader, store, publicKeyPem: () => signer.publicKeyPem(), anchorNow: (o) => runAnchor({ reader, store, signer, now: () => clock }, o) };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const anchor = async (o: Parameters<AnchorService['anchorNow']>[0] & { maxPartBytes?: number } = {}) => {
  clock = new Date(clock.getTime() + 60_000);
  return runAnchor({ reader, store, signer, now: () => clock }, o);
};

describe('digestsPage, digestPart and proofChains (the API side of export-proof)', () => {
  it('pages the digests from the newest checkpoint on, and hands out each part of a big digest by its hash', async () => {
    for (const app of ['a', 'b', 'c', 'd', 'e']) reader.append(`app#default#argocd#${app}`, 1);
    await anchor({ maxPartBytes: 300 });
    await anchor({ maxPartBytes: 300 });
    await anchor({ checkpoint: true, maxPartBytes: 300 });
    reader.append('app#default#argocd#a', 1);
    await anchor({ maxPartBytes: 300 });
    const pem = await signer.publicKeyPem();

    const all = await digestsPage(store, {});
    expect(all.items.map((i) => i.name)).toEqual([0, 1, 2, 3].map(digestName));
    const fromCheckpoint = await digestsPage(store, { from: 'checkpoint', publicKeyPem: pem, limit: 1 });
    expect(fromCheckpoint).toMatchObject({ items: [{ name: digestName(2) }], next: digestName(2) });
    expect((await digestsPage(store, { after: fromCheckpoint.next, limit: 1 })).items.map((i) => i.name)).toEqual([digestName(3)]);

    const checkpoint = parseDigestFile(Buffer.from(fromCheckpoint.items[0].base64, 'base64'));
    if (!checkpoint.ok) throw new Error('fixture');
    expect(checkpoint.file.digest.parts).toHaveLength(3);
    for (const ref of checkpoint.file.digest.parts!) {
      const part = await digestPart(store, 2, ref.hash);
      expect(sha256Hex(Buffer.from(part!.base64, 'base64'))).toBe(ref.hash);
    }
    expect(await digestPart(store, 2, 'a'.repeat(64))).toBeUndefined();
    // Nothing but a part name can be asked for.
    await expect(digestPart(store, 2, '../digests/000000000000')).rejects.toThrow(TypeError);
    await expect(digestPart(store, -1, 'a'.repeat(64))).rejects.toThrow(TypeError);
  });

  it('cuts a page before it would pass the response limit, and goes on with the next file', async () => {
    // Four files of 1 MB (the most a digest or part holds): 1.33 MB each in base64.
    for (let seq = 0; seq < 4; seq++) await store.create(digestName(seq), Buffer.alloc(1_000_000, 0x20));
    const first = await digestsPage(store, { limit: 1000 });
    expect(first.items.map((i) => i.name)).toEqual([digestName(0), digestName(1)]);
    expect(first.items.reduce((n, i) => n + i.base64.length, 0)).toBeLessThanOrEqual(MAX_DIGEST_PAGE_BYTES);
    expect(first.next).toBe(digestName(1));
    const second = await digestsPage(store, { after: first.next, limit: 1000 });
    expect(second.items.map((i) => i.name)).toEqual([digestName(2), digestName(3)]);
    expect(second.next).toBeUndefined();
  });

  it("pages the proof's chains: listed and anchored (a chain deleted whole included), in order", async () => {
    for (const app of ['a', 'b', 'c', 'd', 'e']) reader.append(`app#default#argocd#${app}`, 1);
    await anchor({ maxPartBytes: 300 });
    reader.chains.delete('app#default#argocd#c');
    const pages = [];
    let after: string | undefined;
    do {
      const page = await proofChains(service, { after, limit: 2 });
      pages.push(page.chains.map((c) => c.slice(-1)));
      after = page.next;
    } while (after !== undefined);
    expect(pages).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(await proofChains(service, { appChain: 'app#default#argocd#b' })).toEqual({ chains: ['app#default#argocd#b'] });
    expect(await proofChains(service, { appChain: 'app#default#argocd#b', after: 'app#default#argocd#b' })).toEqual({ chains: [] });
  });
});
