/**
 * The hash chain shared by every `AuditStore` adapter: canonical JSON, the record hash,
 * sealing a record onto its chain and walking a chain to find breaks.
 *
 * Each record's `hash` is SHA-256 (hex) over the canonical JSON of the whole record
 * without `hash`, which includes `chain`, `seq` and `prevHash` (the previous record's
 * stored `hash`, "" for seq 0). Editing a record changes its hash; deleting or
 * inserting one breaks `seq` continuity or the next record's `prevHash`.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord, ChainBreak } from './types';

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code unit), no whitespace, and
 * `undefined`/function members dropped the way `JSON.stringify` drops them. Arrays keep
 * their order. Two equal records always give the same string, whatever order their
 * attributes came back from DynamoDB in.
 * @param value any JSON-compatible value
 * @throws TypeError on a `bigint` or a circular structure
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // JSON.stringify maps NaN/Infinity to null and -0 to 0, exactly as DynamoDB would refuse/normalise them.
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('[gitops-sentinel/audit] canonicalJson cannot encode a bigint');
    case 'object':
      break;
    default:
      return 'null';
  }
  const obj = value;
  if (seen.has(obj)) throw new TypeError('[gitops-sentinel/audit] canonicalJson cannot encode a circular structure');
  seen.add(obj);
  try {
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      return write((obj as { toJSON(): unknown }).toJSON(), seen);
    }
    if (Array.isArray(obj)) {
      return `[${obj.map((v) => (v === undefined || typeof v === 'function' ? 'null' : write(v, seen))).join(',')}]`;
    }
    const entries = Object.keys(obj)
      .sort()
      .filter((k) => {
        const v = (obj as Record<string, unknown>)[k];
        return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
      })
      .map((k) => `${JSON.stringify(k)}:${write((obj as Record<string, unknown>)[k], seen)}`);
    return `{${entries.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/**
 * The hash a record must carry: SHA-256 hex over `canonicalJson` of the record with
 * its `hash` attribute left out (so it can be called on a stored record to re-check it).
 * @param record a record, sealed or not; `prevHash` must already be set
 */
export function computeHash(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  void _ignored;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/** A record placed on its chain but not yet hashed. */
export type UnsealedRecord = Omit<AuditRecord, 'hash'>;

/**
 * Adds the `hash` to a record whose `chain`, `seq` and `prevHash` are set.
 * @returns a new object; the argument is not changed
 */
export function sealRecord(record: UnsealedRecord): AuditRecord {
  return { ...record, hash: computeHash(record) };
}

/** The last known record of a chain: what the next append links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Walks one chain in ascending `seq` order and collects its breaks. Adapters feed it
 * pages as they read them, so a long chain never has to sit in memory.
 *
 * Each record is checked against the previous record's *stored* hash, so an edited
 * record whose hash was not recomputed yields one `hash-mismatch`, and one whose hash
 * was recomputed yields a `prev-hash-mismatch` on its successor.
 * @example
 * const v = new ChainVerifier('app#default#argocd#guestbook');
 * for (const r of records) v.add(r);
 * const breaks = v.finish();
 */
export class ChainVerifier {
  /** Records seen so far. */
  records = 0;
  /** Breaks found so far, in seq order. */
  readonly breaks: ChainBreak[] = [];
  private prev: ChainHead | undefined;

  private readonly from: number | undefined;

  /**
   * @param chain the chain being walked, used in break reports
   * @param options.from the walk covers a segment starting at this seq (an exported proof):
   *   the first record must be at `from`, and its link to the record before is not checked
   */
  constructor(
    readonly chain: string,
    options: { from?: number } = {},
  ) {
    this.from = options.from;
  }

  /**
   * Checks the next record of the chain (records must come in ascending `seq`).
   * @param record the record as stored, including its stored `hash`
   */
  add(record: AuditRecord): void {
    this.records += 1;
    const start = this.from ?? 0;
    const expectedSeq = this.prev ? this.prev.seq + 1 : start;
    if (!this.prev && this.from !== undefined && record.seq === start) {
      // First record of a segment: its predecessor is not part of the walk.
    } else if (!this.prev && record.seq !== start) {
      this.report(start, start === 0 ? 'missing-start' : 'gap', `chain starts at seq ${record.seq}: records ${start}..${record.seq - 1} are missing`);
    } else if (record.seq !== expectedSeq) {
      this.report(expectedSeq, 'gap', `seq ${expectedSeq}..${record.seq - 1} missing before seq ${record.seq} (deleted or never linked)`);
    } else {
      const expectedPrev = this.prev ? this.prev.hash : '';
      if (record.prevHash !== expectedPrev) {
        this.report(
          record.seq,
          'prev-hash-mismatch',
          `prevHash of seq ${record.seq} does not match the hash of seq ${record.seq - 1} (record replaced or inserted)`,
        );
      }
    }
    if (computeHash(record) !== record.hash) {
      this.report(record.seq, 'hash-mismatch', `seq ${record.seq} (id ${record.id}) does not match its hash: the record was altered`);
    }
    this.prev = { seq: record.seq, hash: record.hash };
  }

  /** Records a break found outside the hash rules (e.g. an adapter's index attributes). */
  report(seq: number, reason: ChainBreak['reason'], message: string): void {
    this.breaks.push({ chain: this.chain, seq, reason, message });
  }

  /** The head reached so far (undefined for an empty chain). */
  get head(): ChainHead | undefined {
    return this.prev;
  }

  /**
   * Ends the walk. A chain with no record at all is reported as `missing-start`
   * (it was named by the caller or listed by the adapter, so it should exist).
   * @returns every break found
   */
  finish(): ChainBreak[] {
    if (this.records === 0) this.report(0, 'missing-start', 'chain has no records');
    return this.breaks;
  }
}
