import { createHash } from 'node:crypto';
import type { AuditStore } from '../../functions/lib/audit/audit-store';
import { decodeCursor, encodeCursor } from '../../functions/lib/audit/cursor';
import { ChainVerifier, sealRecord } from '../../functions/lib/audit/hash-chain';
import { matchesPlan, planQuery } from '../../functions/lib/audit/query-plan';
import { RECORD_DEFAULTS, chainFor, prepareRecord, type RecordSettings } from '../../functions/lib/audit/records';
import type { AuditInput, AuditPage, AuditQuery, AuditRecord, ChainBreak, VerifyReport } from '../../functions/lib/audit/types';

/** Options of {@link InMemoryAuditStore}. */
export interface InMemoryAuditStoreOptions extends Partial<RecordSettings> {
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * An `AuditStore` in memory for tests of code that writes or reads the audit trail.
 * It uses the same record preparation, redaction, chain choice, hashing, query planning
 * and cursors as `DynamoDBAuditStore`, so what a test sees here is what DynamoDB would hold.
 * @example
 * const audit = new InMemoryAuditStore();
 * await handler(event, { auditStore: audit });
 * expect(audit.records().map((r) => r.kind)).toEqual(['webhook.received']);
 */
export class InMemoryAuditStore implements AuditStore {
  private readonly chains = new Map<string, AuditRecord[]>();
  private readonly now: () => Date;
  private readonly settings: RecordSettings;
  private readonly cursorKey = createHash('sha256').update('in-memory-audit-store').digest();

  constructor(options: InMemoryAuditStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.settings = { ...RECORD_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== 'now' && v !== undefined)) };
  }

  /** Appends synchronously (no await before the write), so concurrent appends cannot fork a chain. */
  async append(input: AuditInput): Promise<AuditRecord> {
    const prepared = prepareRecord(input, this.now(), this.settings);
    const chain = chainFor(prepared, this.settings.shards);
    const records = this.chains.get(chain) ?? [];
    const head = records[records.length - 1];
    const record = sealRecord({ ...prepared, chain, seq: head ? head.seq + 1 : 0, prevHash: head ? head.hash : '' });
    records.push(record);
    this.chains.set(chain, records);
    return structuredClone(record);
  }

  /** Same access-path choice, filters, bounds, limits and cursor checks as the DynamoDB store. */
  async query(query: AuditQuery): Promise<AuditPage> {
    const plan = planQuery(query, this.now(), this.settings);
    const start = query?.cursor ? decodeCursor(query.cursor, plan.fingerprint, this.cursorKey).lastKey?.tsId : undefined;
    const matching = this.records()
      .filter((r) => matchesPlan(r, plan))
      .map((r) => ({ r, tsId: `${r.ts}#${r.id}` }))
      .filter((x) => start === undefined || x.tsId < start)
      .sort((a, b) => (a.tsId < b.tsId ? 1 : a.tsId > b.tsId ? -1 : 0));
    const page = matching.slice(0, plan.limit);
    const result: AuditPage = { items: page.map((x) => structuredClone(x.r)) };
    if (matching.length > plan.limit) {
      result.cursor = encodeCursor({ path: plan.path, lastKey: { tsId: page[page.length - 1].tsId } }, plan.fingerprint, this.cursorKey);
    }
    return result;
  }

  /** Walks the chains with the shared `ChainVerifier`. */
  async verify(options: { chains?: string[] } = {}): Promise<VerifyReport> {
    const names = options.chains ?? [...this.chains.keys()].filter((c) => this.chains.get(c)?.some((r) => r.seq === 0));
    const breaks: ChainBreak[] = [];
    let records = 0;
    for (const name of names) {
      const verifier = new ChainVerifier(name);
      [...(this.chains.get(name) ?? [])].sort((a, b) => a.seq - b.seq).forEach((r) => verifier.add(r));
      records += verifier.records;
      breaks.push(...verifier.finish());
    }
    return { chains: names.length, records, ok: breaks.length === 0, breaks };
  }

  /** Every stored record (copies), chain by chain in seq order. */
  records(): AuditRecord[] {
    return [...this.chains.values()].flat().map((r) => structuredClone(r));
  }

  /**
   * Replaces the stored record at (chain, seq), or removes it when `replacement` is null:
   * a raw write for tampering tests, bypassing the chain rules.
   */
  tamper(chain: string, seq: number, replacement: AuditRecord | null): void {
    const records = (this.chains.get(chain) ?? []).filter((r) => r.seq !== seq);
    if (replacement) records.push(structuredClone(replacement));
    this.chains.set(
      chain,
      records.sort((a, b) => a.seq - b.seq),
    );
  }
}
