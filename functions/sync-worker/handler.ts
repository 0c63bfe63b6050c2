/**
 * The sync worker Lambda: SQS push messages → refresh/sync of the affected apps, audited.
 * Dependencies are built once per cold start at module scope (config, DynamoDB, Secrets
 * Manager, one ArgoCD client per instance, the app-index cache); the logic lives in
 * `functions/lib/sync`, the SQS adaptation in `./worker.ts`.
 */
import { buildCoreDeps } from '../lib/runtime/core-deps';
import { createSyncWorkerHandler, type SyncWorkerHandler } from './worker';

export { createSyncWorkerHandler, type SyncWorkerEvent, type SyncWorkerHandler, type SyncWorkerOptions, type SyncWorkerRecord } from './worker';

/**
 * The Lambda entry point (SQS event source with `ReportBatchItemFailures`).
 * `SENTINEL_MAX_RECEIVE_COUNT` must equal the queue's redrive `maxReceiveCount` (default 5).
 */
export const handler: SyncWorkerHandler = createSyncWorkerHandler(buildCoreDeps('sync-worker'), {
  maxReceiveCount: Number(process.env.SENTINEL_MAX_RECEIVE_COUNT) || 5,
});
