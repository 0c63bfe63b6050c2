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
