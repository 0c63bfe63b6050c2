/**
 * Offline proofs, as `aws cloudtrail validate-logs` checks exported log and digest files: a
 * directory with the public key, the digest files as stored, the records of the exported
 * chains and a manifest. `verifyProof` needs nothing but that directory and `node:crypto`.
 *
 * Layout: `public-key.pem`, `digests/<12-digit seq>.json` and `parts/<seq>/<hash>.json` (byte
 * for byte as in the anchor store: the digests from the newest checkpoint on, and the parts
 * holding the exported chains), `records.jsonl` (one record per line, grouped by chain, ascending seq) and
 * `manifest.json` (`{version, exportedAt, filter, chains: [{chain, fromSeq}], keyFingerprint}`).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditRecord } from '../audit/types';
import { publicKeyOf } from './digest';
import { ProofFormatError } from './errors';
import { FileAnchorStore } from './file-anchor-store';
import type { AnchoredVerifyReport, DigestSummary, UnanchoredSummary } from './types';
import { AnchoredChainCheck, BreakList, addUnanchored, chainSetFilter, checkDigests, report } from './verify-anchored';

/** File names inside a proof directory. */
export const PROOF_FILES = { publicKey: 'public-key.pem', records: 'records.jsonl', manifest: 'manifest.json' } as const;

/** The proof's manifest. */
export interface ProofManifest {
  version: 1;
  exportedAt: string;
  /** What was asked for (app, from, to), for the reader's information. */
  filter: Record<string, string>;
  /** Exported chains and the seq each starts at. */
  chains: Array<{ chain: string; fromSeq: number }>;
  keyFingerprint: string;
}

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (error) {
    throw new ProofFormatError(`${file} cannot be read in ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}

/**
 * Verifies an exported proof: the digest chain with the proof's public key, then each exported
 * chain segment against the hash-chain rules and the newest digest anchoring it. Records are
 * streamed line by line.
 * @param options.publicKeyPem check with this key instead of the proof's own (a key obtained
 *   independently; otherwise compare the report's `keyFingerprint` with one you trust)
 * @throws ProofFormatError when the public key, manifest or records file is missing
 */
export async function verifyProof(dir: string, options: { publicKeyPem?: string; digests?: DigestSummary['mode'] } = {}): Promise<AnchoredVerifyReport> {
  const pem = options.publicKeyPem ?? (await readText(dir, PROOF_FILES.publicKey));
  try {
    publicKeyOf(pem);
  } catch (error) {
    throw new ProofFormatError(`${PROOF_FILES.publicKey} is not an EC public key`, { cause: error });
  }
  let manifest: ProofManifest;
  try {
    manifest = JSON.parse(await readText(dir, PROOF_FILES.manifest)) as ProofManifest;
    if (!Array.isArray(manifest.chains)) throw new TypeError('chains');
  } catch (error) {
    if (error instanceof ProofFormatError) throw error;
    throw new ProofFormatError(`${PROOF_FILES.manifest} is not a proof manifest`, { cause: error });
  }
  const breaks = new BreakList();
  const fromSeq = new Map(manifest.chains.map((c) => [c.chain, c.fromSeq]));
  // Only the anchors of the exported chains are needed, and only the digest parts holding them
  // are in a proof exported for some chains.
  const digests = await checkDigests(new FileAnchorStore(dir), pem, breaks, { mode: options.digests, filter: chainSetFilter(fromSeq.keys()) });
  const pending = new Set(fromSeq.keys());
  const unanchored: UnanchoredSummary = { records: 0, chains: 0 };
  let records = 0;
  let chains = 0;
  let current: AnchoredChainCheck | undefined;
  const close = () => {
    if (!current) return;
    for (const b of current.finish()) breaks.add(b);
    records += current.records;
    addUnanchored(unanchored, current);
    chains++;
    current = undefined;
  };
  const open = (chain: string) => {
    close();
    pending.delete(chain);
    current = new AnchoredChainCheck(chain, digests.anchored.get(chain), { from: fromSeq.get(chain) ?? 0 });
  };

  const stream = createReadStream(join(dir, PROOF_FILES.records), { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
        if (typeof record?.chain !== 'string' || typeof record.seq !== 'number') throw new TypeError('not a record');
      } catch {
        breaks.add({
          chain: current?.chain ?? '(records)',
          seq: -1,
          reason: 'hash-mismatch',
          message: `${PROOF_FILES.records} line ${lineNo} is not an audit record`,
        });
        continue;
      }
      if (current?.chain !== record.chain) open(record.chain);
      current!.add({ record });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ProofFormatError(`${PROOF_FILES.records} is missing in ${dir}`, { cause: error });
    throw error;
  }
  close();
  // Chains the manifest names but the records file lacks: empty segments, checked against their anchors.
  for (const chain of pending) {
    open(chain);
    close();
  }
  return report(chains, records, breaks, digests, unanchored);
}
