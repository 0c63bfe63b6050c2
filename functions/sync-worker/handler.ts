/**
 * The sync worker Lambda: SQS push messages → refresh/sync of the affected apps, audited.
 * Dependencies are built on the first message (config, DynamoDB, Secrets Manager, one ArgoCD
 * client per instance, the app-index cache) and again when the deployed configuration changes; the logic lives in
 * `functions/lib/sync`, the SQS adaptation in `./worker.ts`.
 */
import { deployedCoreDeps, type BaseCoreDeps } from '../lib/runtime/core-deps';
import { lazyDeps } from '../lib/runtime/lazy';
import { createSyncWorkerHandler, type SyncWorkerHandler } from './worker';

export { createSyncWorkerHandler, type SyncWorkerEvent, type SyncWorkerHandler, type SyncWorkerOptions, type SyncWorkerRecord } from './worker';

/**
 * The Lambda entry point (SQS event source with `ReportBatchItemFailures`). The redrive limit
 * comes with the rest of the configuration (`config.maxReceiveCount`, which the stack sets to
 * the queue's `maxReceiveCount`).
 */
const getDeps = lazyDeps(deployedCoreDeps('sync-worker'));
let built: { deps: BaseCoreDeps; handler: SyncWorkerHandler } | undefined;
export const handler: SyncWorkerHandler = async (event, context) => {
  // Rebuilt (with a fresh app index) when the deployed configuration changes.
  const deps = await getDeps();
  if (built?.deps !== deps) built = { deps, handler: createSyncWorkerHandler(deps, { maxReceiveCount: deps.config.maxReceiveCount }) };
  return built.handler(event, context);
};
