import type { ChainHead } from './hash-chain';
import type { AuditInput, AuditPage, AuditQuery, AuditRecord, VerifyReport } from './types';

/**
 * The audit trail port: append-only, hash-chained records.
 * `DynamoDBAuditStore` is the adapter; tests may use `InMemoryAuditStore` from test/helpers.
 */
export interface AuditStore {
  /** Appends one record to its chain (retrying on a concurrent append) and returns it as stored. */
  append(input: AuditInput): Promise<AuditRecord>;
  /** One page of records matching the filters, newest first; one DynamoDB Query per page. */
  query(query: AuditQuery): Promise<AuditPage>;
  /** Walks every chain (or the given ones) and reports altered, inserted or deleted records. */
  verify(options?: { chains?: string[] }): Promise<VerifyReport>;
}

/** A stored record as a chain reader hands it out, with what its adapter found wrong beside the hash rules. */
export interface StoredRecord {
  record: AuditRecord;
  /** Why the stored index attributes or chain name disagree with the record, if they do. */
  indexMismatch?: string;
  /** The record has a project but no `projectDay` (written before the by-project index, or the attribute was removed since). */
  unindexed?: boolean;
}

/**
 * Read access to the chains themselves, for the anchor run and for verification against
 * signed digests (`functions/lib/anchor`). Every method reads; none writes.
 */
export interface ChainReader {
  /**
   * Every chain that has a seq 0, each once, in ascending (byte) order of the chain name;
   * only those after `after` when given (a cursor: the anchor sweep and paged verification go on from it).
   */
  listChains(after?: string): AsyncIterable<string>;
  /**
   * Chains holding a record whose `ts` is at or after `since`, each once: what changed since
   * then. A record written with an older `ts` is not seen here (the full checkpoint finds it).
   */
  chainsTouchedSince(since: string): AsyncIterable<string>;
  /** The newest record's position and hash, read strongly consistent; undefined when the chain is empty. */
  head(chain: string): Promise<ChainHead | undefined>;
  /** The records of one chain in ascending `seq`, from `fromSeq` (default 0), page by page. */
  readChain(chain: string, fromSeq?: number): AsyncIterable<StoredRecord>;
  /**
   * When the newest completed by-project index backfill was audited, if one was: from then on a
   * record without `projectDay` is a break (see `index-backfill.ts`). Adapters without that index omit it.
   */
  indexBackfilledAt?(): Promise<string | undefined>;
}
