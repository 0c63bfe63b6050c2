import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnchorHandler } from '../../../functions/anchor/handler';
import { FileAnchorStore, LocalKeySigner, type AnchorResult, type DigestSigner } from '../../../functions/lib/anchor';
import { InMemoryChainReader } from '../../helpers/in-memory-chain-reader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'anchor-handler-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('anchor function handler', () => {
  it('anchors on the schedule, a checkpoint when the operator API asks, and records each outcome', async () => {
    const reader = new InMemoryChainReader();
    reader.append('app#default#argocd#a', 2);
    const recorded: Array<AnchorResult | undefined> = [];
    const handler = createAnchorHandler({
      reader,
      store: new FileAnchorStore(dir),
      signer: LocalKeySigner.open(join(dir, 'k.pem')),
      record: (r) => recorded.push(r),
    });
    expect(await handler({ 'detail-type': 'Scheduled Event' })).toMatchObject({ written: true, seq: 0, kind: 'checkpoint' });
    expect(await handler({ 'detail-type': 'Scheduled Event' })).toMatchObject({ seq: 1, kind: 'incremental' });
    expect(await handler({ checkpoint: true })).toMatchObject({ seq: 2, kind: 'checkpoint' });
    expect(recorded.map((r) => r?.seq)).toEqual([0, 1, 2]);
  });

  it('stops the sweep when the invocation has less than a minute left, keeping its place for the next run', async () => {
    const reader = new InMemoryChainReader();
    for (const app of ['a', 'b', 'c']) reader.append(`app#default#argocd#${app}`, 1);
    const handler = createAnchorHandler({ reader, store: new FileAnchorStore(dir), signer: LocalKeySigner.open(join(dir, 'k.pem')) });
    // 59 s left: the run takes one chain (a run always makes progress), then stops.
    const short = await handler({}, { getRemainingTimeInMillis: () => 59_000 });
    expect(short).toMatchObject({ chains: 1, sweep: { from: '', next: 'app#default#argocd#a', chains: 1 } });
    const long = await handler({}, { getRemainingTimeInMillis: () => 300_000 });
    expect(long).toMatchObject({ sweep: { from: 'app#default#argocd#a', chains: 2 }, newRecords: 2 });
    expect(long.sweep.next).toBeUndefined();
  });

  it('records a failed run and fails the invocation (the function error alarm sees it)', async () => {
    const recorded: Array<AnchorResult | undefined> = [];
    const signer: DigestSigner = {
      sign: () => Promise.reject(new Error('KMS down')),
      publicKeyPem: () => LocalKeySigner.open(join(dir, 'k.pem')).publicKeyPem(),
    };
    const handler = createAnchorHandler({ reader: new InMemoryChainReader(), store: new FileAnchorStore(dir), signer, record: (r) => recorded.push(r) });
    await expect(handler({})).rejects.toThrow('KMS down');
    expect(recorded).toEqual([undefined]);
  });
});
