/**
 * A `ChainReader` over chains held in memory, for tests of the anchor code that do not need
 * DynamoDB (the KMS/S3 adapter tests). Records are sealed with the real hash chain.
 */
import type { ChainReader, StoredRecord } from '../../functions/lib/audit/audit-store';
import { sealRecord, type ChainHead } from '../../functions/lib/audit/hash-chain';
import type { AuditRecord } from '../../functions/lib/audit/types';

export class InMemoryChainReader implements ChainReader {
  readonly chains = new Map<string, AuditRecord[]>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Appends `n` records to `chain`, correctly linked. */
  append(chain: string, n = 1): AuditRecord[] {
    const records = this.chains.get(chain) ?? [];
    this.chains.set(chain, records);
    for (let i = 0; i < n; i++) {
      const prev = records[records.length - 1];
      const ts = this.now().toISOString();
      records.push(
        sealRecord({
          id: `${chain}-${records.length}`,
          ts,
          kind: 'app.synced',
          outcome: 'success',
          actor: 'test',
          message: `m${records.length}`,
          chain,
          seq: records.length,
          prevHash: prev?.hash ?? '',
        }),
      );
    }
    return records;
  }

  async *listChains(after?: string): AsyncIterable<string> {
    const listed = [...this.chains].filter(([chain, records]) => records[0]?.seq === 0 && (after === undefined || chain > after)).map(([chain]) => chain);
    for (const chain of listed.sort()) yield chain;
  }

  async *chainsTouchedSince(since: string): AsyncIterable<string> {
    for (const [chain, records] of this.chains) if (records.some((r) => r.ts >= since)) yield chain;
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    const last = this.chains.get(chain)?.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async *readChain(chain: string, fromSeq = 0): AsyncIterable<StoredRecord> {
    for (const record of this.chains.get(chain) ?? []) if (record.seq >= fromSeq) yield { record };
  }
}
