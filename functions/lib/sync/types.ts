/** Types of the sync module: what the sync worker needs and what it answers per push. */
import type { ApplicationSetForwarder } from '../appset/forward';
import type { AppSetForwardResult } from '../appset/types';
import type { ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import type { AuditKind } from '../audit/types';
import type { DeploymentStarter } from '../deploy/types';
import type { MatchAction } from '../matching/types';
import type { SimpleLogger } from '../observability/logger';
import type { ActionLedger } from './action-ledger';
import type { AppIndexCache } from './app-index-cache';
import type { CallCoalescer } from './coalescer';
import type { ChangedFilesResult } from '../git-apis/changed-files';
import type { PushEvent } from '../providers/types';
import type { FairScheduler } from './fair-scheduler';

/** What `processPush` needs. Build it once per cold start with `createSyncDeps`. */
export interface SyncDeps {
  /** One ArgoCD client per configured instance. */
  argocd: ArgoCDRegistry;
  /** The audit trail. */
  auditStore: AuditStore;
  /** The Application index of every instance, cached. */
  indexes: AppIndexCache;
  /** The (delivery, app) claims in the state table. */
  ledger: ActionLedger;
  /** Asks the provider's compare API for a push's changed files (absent: never asked). */
  changedFiles?: (push: PushEvent) => Promise<ChangedFilesResult>;
  /** Folds calls for the same app within a window into one (absent: every action calls). */
  coalescer?: CallCoalescer;
  /** Per-instance fair ordering of calls across deliveries (absent: calls go at once). */
  scheduler?: FairScheduler;
  /** Partial logger; missing methods are no-ops (warn/error go to the console). */
  log?: Partial<SimpleLogger>;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Follows each sync (and each auto-sync app's refresh) to its outcome. @default no tracking */
  deployments?: DeploymentStarter;
  /**
   * How long a sync-on-push action waits for ArgoCD's operation result, to audit the revision
   * actually deployed. @default 10000
   */
  syncResultWaitMs?: number;
  /** Forwards each push to the instances' ApplicationSet webhooks, alongside the app actions. @default none */
  appsets?: ApplicationSetForwarder;
}

/** Where a message is in its delivery life: needed to know when failures are final. */
export interface ReceiveContext {
  /** `ApproximateReceiveCount` of the SQS record (1 on the first receive). */
  receiveCount: number;
  /** The queue's redrive `maxReceiveCount`: the receive that reaches it is the last one. */
  maxReceiveCount: number;
  /**
   * Epoch ms by which every ArgoCD call of this receive must be over (the Lambda's remaining
   * time less a margin); undefined = unbounded (tests, local runs without a context).
   */
  deadline?: number;
}

/**
 * What happened to one (delivery, app) on this receive.
 * - `refreshed` / `synced`: ArgoCD accepted the call now;
 * - `skipped`: audited as skipped (ignored app, sync window, app gone from ArgoCD);
 * - `rejected`: ArgoCD refused for good (bad request, permission); audited as failed, not retried;
 * - `already-done`: an earlier receive finished it, nothing was sent;
 * - `in-progress`: another receive holds the claim; this message must come back later;
 * - `failed`: the call failed after the client's retries; the message comes back (on the
 *   last receive it is audited as failed and goes to the dead letters).
 */
export type ActionStatus = 'refreshed' | 'synced' | 'skipped' | 'rejected' | 'already-done' | 'in-progress' | 'failed';

/** One app's outcome within a push. */
export interface AppActionResult {
  instance: string;
  namespace: string;
  name: string;
  /** The app's ArgoCD project (notifications of a dead-lettered push are filtered by it). */
  project?: string;
  /** What matching asked for. */
  action: MatchAction;
  status: ActionStatus;
  /** The audit kind written on this receive, if any. */
  audited?: AuditKind;
  /** Webhook receipt to ArgoCD accepting, in ms (only for `refreshed` and `synced`). */
  latencyMs?: number;
  /** One line: why (skip reason, error message). */
  message?: string;
}

/** What one receive of a push did. */
export interface ProcessPushResult {
  deliveryId: string;
  /** One entry per matched app, in match order (instances in configuration order). */
  actions: AppActionResult[];
  /** Instances whose app index could not be loaded (their apps are unknown). */
  unreachableInstances: string[];
  /** The forwards to ApplicationSet webhooks, one per instance that takes the push. */
  appsets: AppSetForwardResult[];
  /**
   * True when every action and every ApplicationSet forward is done (or final) and every
   * instance was matched: the message may be deleted.
   */
  complete: boolean;
  /** True when this was the last receive, so undone actions were audited as failed. */
  lastReceive: boolean;
}
