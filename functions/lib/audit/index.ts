/**
 * Public face of the audit module: the `AuditStore` port, its DynamoDB adapter, the hash
 * chain and redaction. Import from here, not from the files behind it.
 */
export type { AuditStore } from './audit-store';
export type { AuditInput, AuditRecord, AuditQuery, AuditPage, AuditKind, AuditOutcome, ChainBreak, VerifyReport, UnindexedSummary } from './types';
export { DynamoDBAuditStore } from './dynamodb-audit-store';
export type { DynamoDBAuditStoreOptions, DynamoDBAuditStoreBaseOptions } from './dynamodb-audit-store';
export { AuditError, InvalidCursorError, AuditConflictError } from './errors';
export { canonicalJson, computeHash, sealRecord, ChainVerifier } from './hash-chain';
export type { ChainHead, UnsealedRecord } from './hash-chain';
export { redact, isSecretKey, SECRET_KEY_PATTERN } from './redact';
export { prepareRecord, chainFor, indexAttributes, appKey, newAuditId, RECORD_DEFAULTS } from './records';
export type { PreparedRecord, RecordSettings } from './records';
export { UnindexedTally, INDEX_BACKFILLED_KIND, INDEX_BACKFILL_DELIVERY } from './index-backfill';
export type { IndexBackfillResult, IndexBackfillCounts, IndexBackfillOptions } from './index-backfill';
export { planQuery, DEFAULT_LIMIT, MAX_LIMIT, DEFAULT_QUERY_DAYS } from './query-plan';
export type { QueryPlan, AccessPath } from './query-plan';
