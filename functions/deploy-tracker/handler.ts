/**
 * The deploy tracker Lambda: consumes the follow-up queue (delayed `deploy.check` messages),
 * one ArgoCD read per check, and records each deployment's outcome. No invocation waits for a
 * deployment: the queue's `DelaySeconds` does the waiting.
 */
import { createDeploymentTracker } from '../lib/deploy/index';
import { SQSFollowUpQueue } from '../lib/queue/sqs-follow-up-queue';
import { buildCoreDeps } from '../lib/runtime/core-deps';
import { createDeployTrackerHandler, type DeployTrackerHandler } from './worker';

export { createDeployTrackerHandler, type DeployTrackerDeps, type DeployTrackerHandler, type FollowUpEvent, type FollowUpRecord } from './worker';

/** The Lambda entry point (SQS event source with `ReportBatchItemFailures`). */
export const handler: DeployTrackerHandler = createDeployTrackerHandler(() => {
  const core = buildCoreDeps('deploy-tracker');
  const queue = core.config.followUpQueueUrl
    ? new SQSFollowUpQueue({ queueUrl: core.config.followUpQueueUrl, clientConfig: { region: core.config.storage.region } })
    : undefined;
  return { tracker: createDeploymentTracker(core, queue), log: core.log };
});
