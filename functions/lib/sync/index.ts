/**
 * Public face of the sync module: what the sync worker does with a push (match it against
 * every instance's app index, refresh or sync each affected app at most once per delivery,
 * audit every action). No AWS event shapes here; `functions/sync-worker/handler.ts` adapts SQS.
 */
import type { CoreDeps } from '../runtime/core-deps';
import { ActionLedger } from './action-ledger';
import { AppIndexCache } from './app-index-cache';
import { CallCoalescer } from './coalescer';
import { FairScheduler } from './fair-scheduler';
import { fetchChangedFiles } from '../git-apis/changed-files';
import type { SyncDeps } from './types';
import { defaults } from '../config/defaults';
import { ApplicationSetForwarder } from '../appset/forward';

export type * from './types';
export { SyncError, IncompletePushError } from './errors';
export { AppIndexCache, type AppIndexCacheOptions, type AppIndexCacheStats } from './app-index-cache';
export { ActionLedger, actionPk, actionSk, type ActionClaim, type ActionLedgerOptions, type ClaimResult, type ClaimStatus } from './action-ledger';
export { processPush } from './process-push';
export { CallCoalescer, type CallCoalescerOptions, type Coalesced, type CallGate, type CoalesceRequest } from './coalescer';
export { FairScheduler } from './fair-scheduler';

/** Options of {@link createSyncDeps}. */
export interface CreateSyncDepsOptions {
  /** See `ActionLedgerOptions.leaseSeconds`. @default 300 */
  claimLeaseSeconds?: number;
  /** See `ActionLedgerOptions.ttlSeconds`. @default 432000 (5 days) */
  claimTtlSeconds?: number;
}

/**
 * Builds the sync dependencies from the shared ones: an {@link AppIndexCache} over every
 * instance (TTL `config.appIndexTtlSeconds`) and an {@link ActionLedger} on the state table.
 * Call it once per process (Lambda module scope, local stack start), so the index cache lives
 * as long as the container.
 * @example
 * const sync = createSyncDeps(buildCoreDeps('sync-worker'));
 * const result = await processPush(message, sync, { receiveCount: 1, maxReceiveCount: 5 });
 */
export function createSyncDeps(
  core: Pick<CoreDeps, 'config' | 'doc' | 'tables' | 'auditStore' | 'argocd' | 'log' | 'now' | 'secrets'> & Partial<Pick<CoreDeps, 'deployments'>>,
  options: CreateSyncDepsOptions = {},
): SyncDeps {
  const ledger = new ActionLedger({
    doc: core.doc,
    tableName: core.tables.state,
    now: core.now,
    leaseSeconds: options.claimLeaseSeconds,
    ttlSeconds: options.claimTtlSeconds,
  });
  // The forward's timeout and retries are the ArgoCD client's settings: one set of knobs.
  const { timeoutMs, retries, backoffMs } = core.config.argocd;
  const appsets = core.config.instances.some((i) => i.applicationSetWebhook)
    ? new ApplicationSetForwarder({
        instances: core.config.instances,
        secrets: core.secrets,
        ledger,
        auditStore: core.auditStore,
        log: core.log,
        now: core.now,
        timeoutMs,
        retries,
        backoffMs,
      })
    : undefined;
  return {
    argocd: core.argocd,
    auditStore: core.auditStore,
    indexes: new AppIndexCache(core.argocd, { ttlSeconds: core.config.appIndexTtlSeconds, now: core.now, log: core.log }),
    ledger,
    ...(appsets ? { appsets } : {}),
    coalescer: new CallCoalescer(undefined, {
      windowMs: core.config.argocd.coalesceWindowMs ?? defaults.argocd.coalesceWindowMs,
      skewMs: core.config.argocd.coalesceSkewMs ?? defaults.argocd.coalesceSkewMs,
    }),
    scheduler: new FairScheduler(core.config.argocd.concurrency),
    ...(core.config.gitApis ? { changedFiles: (push) => fetchChangedFiles(push, core.config.gitApis, core.secrets) } : {}),
    log: core.log,
    now: core.now,
    ...(core.deployments ? { deployments: core.deployments } : {}),
  };
}
