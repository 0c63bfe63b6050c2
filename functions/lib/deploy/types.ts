/** Types of the deploy module: a tracked deployment, what starts one, and what a check decides. */
import type { AppRef } from '../argocd/types';

/** What caused the deployment. */
export type DeployCause = 'push' | 'repair' | 'rollback';

/**
 * How a tracked deployment ended.
 * - `succeeded`: Synced (for a push) at the new revision and Healthy;
 * - `failed`: the operation failed (phase `Failed` / `Error`);
 * - `degraded`: synced, but the app's health is `Degraded`;
 * - `timeout`: the deadline passed first;
 * - `superseded`: a newer deployment of the app started first (not a failure);
 * - `gone`: the app was deleted while tracked.
 */
export type DeployOutcome = 'succeeded' | 'failed' | 'degraded' | 'timeout' | 'superseded' | 'gone';

/** Everything a caller knows when ArgoCD has accepted an action worth following. */
export interface StartDeployment {
  ref: AppRef;
  project?: string;
  cause: DeployCause;
  /** The ArgoCD call that was accepted. */
  action: 'sync' | 'refresh' | 'rollback';
  /** The push's delivery id (pushes only). */
  deliveryId?: string;
  /** The commit the push claimed (pushes only). */
  commit?: string;
  /** The revision expected to be deployed (a full sha when known; compared only then). */
  expectedRevision?: string;
  /** The repository URL the push came from (first of the push's URLs). */
  repo?: string;
  /** Git provider of the push (`github`, `gitlab`, ...). */
  provider?: string;
  /** Who caused it (`webhook:github:<pusher>`, `scheduler`, an operator). */
  actor: string;
  /** ISO time the deployment began: the webhook received the push, or the operator/scan asked. */
  startedAt: string;
  /** ISO time ArgoCD accepted the call. */
  acceptedAt: string;
}

/** A deployment as the state table holds it (one item per app: the newest deployment). */
export interface TrackedDeployment extends StartDeployment {
  trackId: string;
  /** ISO time after which the deployment counts as timed out. */
  deadlineAt: string;
  /** Last step whose check was claimed (0 before the first). */
  step: number;
  /** `tracking` until an outcome is recorded. */
  status: 'tracking' | DeployOutcome;
  /** `checkId` of the message that claimed `step`. */
  claimedBy?: string;
}

/** A resource that was not healthy (or not synced) when a deployment failed or degraded. */
export interface UnhealthyResource {
  kind: string;
  name: string;
  namespace?: string;
  group?: string;
  health?: string;
  sync?: string;
  /** One line from ArgoCD (health or sync message), trimmed. */
  message?: string;
}

/** What one look at the app decided. */
export type Verdict =
  | { state: 'waiting'; reason: string; syncStartedAt?: string; syncedAt?: string }
  | {
      state: 'succeeded' | 'failed' | 'degraded';
      reason: string;
      /** The revision ArgoCD deployed (comma-joined for multi-source apps). */
      revision?: string;
      syncStartedAt?: string;
      syncedAt?: string;
      healthyAt?: string;
      /** No operation was needed: the app was already Synced and Healthy at the new revision. */
      noop?: boolean;
    };

/** Durations of a finished deployment, in ms (absent when a point in time is unknown). */
export interface DeployDurations {
  /** Push received (or action requested) to ArgoCD accepting. */
  pushToAcceptedMs?: number;
  /** Accepted to the operation finishing. */
  acceptedToSyncedMs?: number;
  /** Operation finished to Healthy. */
  syncedToHealthyMs?: number;
  /** Push received (or action requested) to Healthy: the lead time. */
  leadTimeMs?: number;
}

/** What one check did (for the consumer, tests and benchmarks). */
export interface CheckResult {
  /**
   * `stale`: the message belongs to an older deployment, repeats a claimed step, or the
   * deployment is already over; nothing was called. `waiting`: the next check is scheduled.
   * Otherwise the outcome recorded now.
   */
  status: 'stale' | 'waiting' | DeployOutcome;
  /** ArgoCD calls made by this check. */
  argocdCalls: number;
  /** Delay of the next check in seconds (when waiting). */
  nextDelaySeconds?: number;
}

/**
 * What a code path that makes ArgoCD deploy needs to have the deployment followed
 * (`DeploymentTracker` implements it). Kept this small so sync, drift and rollback depend
 * on nothing else of this module.
 */
export interface DeploymentStarter {
  /** Begins following a deployment ArgoCD has just accepted. Throws only when its stores or queue fail. */
  start(input: StartDeployment): Promise<unknown>;
}
