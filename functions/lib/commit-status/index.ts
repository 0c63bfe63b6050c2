/**
 * Public face of the commit-status module: statuses on pushed commits for tracked deployments
 * (GitHub, GitLab, Bitbucket Cloud and Server, Gitea, Azure DevOps), set off the push path from
 * follow-up messages.
 */
import type { CoreDeps } from '../runtime/core-deps';
import type { FollowUpQueue } from '../queue/follow-up';
import { DeploymentStore } from '../deploy/deployment-store';
import { AuthBlockStore } from './auth-block-store';
import { CommitStatusService, type CommitStatusServiceDeps } from './service';
import { commitStatusPlan } from './apis';

export type * from './types';
export { CommitStatusService, type CommitStatusServiceDeps, type CommitStatusStats, type StatusHandling } from './service';
export { commitStatusPlan, commitStatusSummary, STATUS_APIS, statusApiKeyOf, type StatusApiPlan } from './apis';
export { AuthBlockStore, tokenFingerprint, type AuthBlock, type AuthBlockStoreOptions } from './auth-block-store';
export { acceptedStatus, outcomeStatus, statusContext, statusTargetUrl } from './describe';
export { sendStatus, rateLimitOf, retryAfterSeconds } from './send';

/** Name of the metric counted once per recorded token refusal (alarmed in the stack). */
export const COMMIT_STATUS_REFUSED_METRIC = 'CommitStatusTokenRefused';

/**
 * Builds the service from the shared dependencies, or undefined when there is no follow-up
 * queue (statuses travel on it), tracking is off, or no provider has statuses on.
 */
export function createCommitStatusService(
  core: Pick<CoreDeps, 'config' | 'doc' | 'tables' | 'auditStore' | 'secrets' | 'log' | 'now'>,
  queue: FollowUpQueue | undefined,
  extra: Pick<CommitStatusServiceDeps, 'onRefused'> = {},
): CommitStatusService | undefined {
  if (!queue || !core.config.deploy.enabled || !commitStatusPlan(core.config).some((p) => p.on)) return undefined;
  const service = new CommitStatusService({
    config: core.config,
    secrets: core.secrets,
    queue,
    auditStore: core.auditStore,
    deployments: new DeploymentStore({ doc: core.doc, tableName: core.tables.state }),
    authBlocks: new AuthBlockStore({ doc: core.doc, tableName: core.tables.state }),
    log: core.log,
    now: core.now,
    ...extra,
  });
  return service;
}
