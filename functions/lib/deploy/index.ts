/**
 * Public face of the deploy module: deployment tracking (from "ArgoCD accepted" to an outcome,
 * with delayed follow-up messages), its state-table store and the pure check decision.
 */
import type { CoreDeps } from '../runtime/core-deps';
import type { FollowUpQueue } from '../queue/follow-up';
import { DeploymentStore } from './deployment-store';
import { DeploymentTracker, type DeploymentListener } from './tracker';

export type * from './types';
export { DeploymentStore, deploymentPk, type DeploymentStoreOptions } from './deployment-store';
export { DeploymentTracker, durationsOf, formatDuration, type DeploymentListener, type DeploymentTrackerDeps } from './tracker';
export { evaluateDeployment, unhealthyResources, operationRevisions, syncRevisions, revisionMatches, CLOCK_SKEW_MS, type TreeNodeLike } from './evaluate';

/**
 * Builds the tracker from the shared dependencies, or undefined when there is no follow-up
 * queue (tracking needs one) or tracking is off.
 */
export function createDeploymentTracker(
  core: Pick<CoreDeps, 'config' | 'doc' | 'tables' | 'auditStore' | 'argocd' | 'log' | 'now'>,
  queue: FollowUpQueue | undefined,
  listeners: DeploymentListener[] = [],
): DeploymentTracker | undefined {
  if (!queue || !core.config.deploy.enabled) return undefined;
  return new DeploymentTracker({
    store: new DeploymentStore({ doc: core.doc, tableName: core.tables.state }),
    queue,
    auditStore: core.auditStore,
    argocd: core.argocd,
    config: core.config.deploy,
    listeners,
    log: core.log,
    now: core.now,
  });
}
