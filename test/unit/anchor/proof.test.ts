import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAnchorStore, LocalKeySigner, PROOF_FILES, ProofFormatError, publicKeyOf, runAnchor, verifyProof } from '../../../functions/lib/anchor';
import { InMemoryChainReader } from '../../helpers/in-memory-chain-reader';

let dir: string;
let proof: string;
let reader: InMemoryChainReader;
let signer: LocalKeySigner;

/** Writes a proof directory the way `sentinel audit export-proof` does. */
async function exportProof(chains: string[]) {
  mkdirSync(proof, { recursive: true });
  writeFileSync(join(proof, PROOF_FILES.publicKey), await signer.publicKeyPem());
  cpSync(join(dir, 'anchors', 'digests'), join(proof, 'digests'), { recursive: true });
  const lines = chains.flatMap((c) => (reader.chains.get(c) ?? []).map((r) => JSON.stringify(r)));
  writeFileSync(join(proof, PROOF_FILES.records), lines.map((l) => `${l}\n`).join(''));
  const fingerprint = publicKeyOf(await signer.publicKeyPem()).fingerprint;
  writeFileSync(
    join(proof, PROOF_FILES.manifest),
    JSON.stringify({
      version: 1,
      exportedAt: new Date().toISOString(),
      filter: {},
      chains: chains.map((chain) => ({ chain, fromSeq: 0 })),
      keyFingerprint: fingerprint,
    }),
  );
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proof-test-'));
  proof = join(dir, 'proof');
  reader = new InMemoryChainReader();
  signer = LocalKeySigner.open(join(dir, 'key.pem'));
  reader.append('app#default#argocd#a', 4);
  reader.append('app#default#argocd#b', 2);
  await runAnchor({ reader, store: new FileAnchorStore(join(dir, 'anchors')), signer });
  reader.append('app#default#argocd#a', 1);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('verifyProof (offline)', () => {
  it('verifies an intact proof and counts what is not anchored yet', async () => {
    await exportProof(['app#default#argocd#a', 'app#default#argocd#b']);
    expect(await verifyProof(proof)).toMatchObject({ ok: true, chains: 2, records: 7, unanchored: { records: 1, chains: 1 }, digests: { count: 1 } });
  });

  it('reports a record line edited in the proof, and a line that is not a record', async () => {
    await exportProof(['app#default#argocd#a']);
    const lines = readFileSync(join(proof, PROOF_FILES.records), 'utf8').trimEnd().split('\n');
    lines[1] = lines[1].replace('"m1"', '"m1 edited"');
    lines.splice(2, 0, 'garbage');
    writeFileSync(join(proof, PROOF_FILES.records), `${lines.join('\n')}\n`);
    const report = await verifyProof(proof);
    expect(report.ok).toBe(false);
    expect(report.breaks.map((b) => [b.seq, b.reason])).toEqual(
      expect.arrayContaining([
        [1, 'hash-mismatch'],
        [-1, 'hash-mismatch'],
      ]),
    );
  });

  it('reports a chain the manifest names but whose records were left out (shorter than anchored)', async () => {
    await exportProof(['app#default#argocd#a', 'app#default#argocd#b']);
    const kept = readFileSync(join(proof, PROOF_FILES.records), 'utf8')
      .split('\n')
      .filter((l) => !l.includes('argocd#b'));
    writeFileSync(join(proof, PROOF_FILES.records), kept.join('\n'));
    expect((await verifyProof(proof)).breaks.map((b) => [b.chain, b.reason])).toEqual([
      ['app#default#argocd#b', 'missing-start'],
      ['app#default#argocd#b', 'anchor-truncated'],
    ]);
  });

  it('checks with an independently obtained key when given one: a proof re-signed with another key fails', async () => {
    await exportProof(['app#default#argocd#a']);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const report = await verifyProof(proof, { publicKeyPem: other });
    expect(report.breaks.map((b) => b.reason)).toContain('digest-signature');
    expect(report.digests.keyFingerprint).toBe(publicKeyOf(other).fingerprint);
  });

  it('refuses a directory without a public key, manifest or records file, naming the file', async () => {
    await exportProof(['app#default#argocd#a']);
    rmSync(join(proof, PROOF_FILES.records));
    await expect(verifyProof(proof)).rejects.toThrow(ProofFormatError);
    await expect(verifyProof(proof)).rejects.toThrow(`${PROOF_FILES.records} is missing in ${proof}`);
    rmSync(join(proof, PROOF_FILES.publicKey));
    await expect(verifyProof(proof)).rejects.toThrow(/public-key\.pem cannot be read/);
  });
});
