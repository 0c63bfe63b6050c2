import type { ArgoCDRegistry, AppRef } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import type { SimpleLogger } from '../observability/logger';
import type { DeploymentStarter } from '../deploy/types';

/** What `rollbackApplication` needs: the slice of `CoreDeps` it uses. */
export interface RollbackDeps {
  argocd: ArgoCDRegistry;
  auditStore: AuditStore;
  log?: Partial<SimpleLogger>;
  now?: () => Date;
  /** Follows each rollback to its outcome (`deploy.*` records). @default no tracking */
  deployments?: DeploymentStarter;
}

/** A rollback request, as the operator API receives it. */
export interface RollbackRequest {
  /** The app: instance + namespace + name. */
  ref: AppRef;
  /**
   * Target: a `status.history[].id` (digits only, up to 6 of them) or a commit sha (a prefix of
   * at least 7 hex characters matches history entries; a commit not in the history must be
   * given in full and be known to the audit trail).
   */
  to: string;
  /** Ask ArgoCD for a dry run; nothing changes (auto-sync is not turned off either). @default false */
  dryRun?: boolean;
  /** Delete resources that are not in the target revision. @default false */
  prune?: boolean;
  /** Turn auto-sync off first when it is on (audited as `app.autosync.disabled`). @default false */
  disableAutoSync?: boolean;
  /** Wait up to this many seconds for the operation to leave `Running`. @default 0 */
  waitSeconds?: number;
  /** Who asked: the IAM principal, or `local:<user>` locally. */
  actor: string;
  /**
   * The project the caller was authorised for: every ArgoCD call then names it, so ArgoCD
   * itself refuses (404) an app that is not, or no longer, in that project. @default read from the app
   */
  project?: string;
}

/** How the rollback was carried out. */
export type RollbackMethod = 'rollback' | 'sync';

/** The operation state reported back (from `status.operationState`). */
export interface RollbackOperation {
  phase?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Revision the operation deploys (or deployed). */
  revision?: string;
}

/** Outcome of a rollback. */
export interface RollbackResult {
  app: AppRef;
  /** `rollback` = ArgoCD's rollback by history id; `sync` = sync to an older commit. */
  method: RollbackMethod;
  /** History id used (method `rollback`). */
  historyId?: number;
  /** Commit rolled back to. */
  revision: string;
  /** Commit deployed before (newest history entry). */
  previousRevision?: string;
  dryRun: boolean;
  prune: boolean;
  /** Set when auto-sync was turned off first: the policy that was removed, so it can be restored. */
  autoSyncDisabled?: { previousAutomated: Record<string, unknown> };
  /** With dryRun and auto-sync on: what would have been turned off. */
  wouldDisableAutoSync?: boolean;
  /** Operation state ArgoCD reported after accepting (or after waiting). */
  operation?: RollbackOperation;
  /** Id of the `app.rolledback` audit record. */
  auditId?: string;
}
