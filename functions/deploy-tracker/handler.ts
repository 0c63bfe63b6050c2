/**
 * The deploy tracker Lambda: consumes the follow-up queue (delayed `deploy.check` messages),
 * one ArgoCD read per check, and records each deployment's outcome; and `commit-status.set`
 * messages, one provider API call each. No invocation waits for a deployment: the queue's
 * `DelaySeconds` does the waiting.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { COMMIT_STATUS_REFUSED_METRIC, commitStatusSummary, createCommitStatusService } from '../lib/commit-status/index';
import { createDeploymentTracker } from '../lib/deploy/index';
import { metrics } from '../lib/observability/metrics';
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
  // A refused token is counted once per provider and token (the stack alarms on it).
  let counted = false;
  const onRefused = () => {
    metrics.addMetric(COMMIT_STATUS_REFUSED_METRIC, MetricUnit.Count, 1);
    counted = true;
  };
  const statuses = createCommitStatusService(core, queue, { onRefused });
  // The configuration check, once per cold start: which providers get statuses, which have no token.
  core.log.info(commitStatusSummary(core.config));
  return {
    tracker: createDeploymentTracker(core, queue, statuses ? [statuses.listener] : []),
    ...(statuses ? { statuses } : {}),
    log: core.log,
    // A follow-up failing on its last receive queues delivery.dead-lettered (SENTINEL_MAX_RECEIVE_COUNT is the queue's limit).
    maxReceiveCount: core.config.maxReceiveCount,
    ...(core.notify ? { notify: core.notify } : {}),
    // Only when something was counted: an empty flush makes Powertools warn on every batch.
    afterBatch: () => {
      if (counted) metrics.publishStoredMetrics();
      counted = false;
    },
  };
});
