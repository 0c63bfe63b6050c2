/**
 * The stack's SQS queues, each with its dead-letter queue: pushes, follow-ups (deployment checks)
 * and notifications. SQS-managed encryption and TLS only on every one.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeploymentSettings } from '../config';

/** The queues of a stack. */
export interface SentinelQueues {
  /** Pushes waiting for the sync worker. */
  readonly queue: sqs.Queue;
  /** Pushes the worker failed `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Delayed follow-ups (deployment checks); standard, because FIFO queues ignore per-message delays. */
  readonly followUpQueue: sqs.Queue;
  /** Follow-ups the tracker failed `maxReceiveCount` times. */
  readonly followUpDeadLetterQueue: sqs.Queue;
  /** Notifications, one message per (event, channel); standard, retries are delayed messages. */
  readonly notifyQueue: sqs.Queue;
  /** Notifications that failed `notify.maxAttempts` times (moved by the notifier) or did not parse (redrive). */
  readonly notifyDeadLetterQueue: sqs.Queue;
}

/**
 * A dead-letter queue (kept 14 days) and the queue redriving to it after `maxReceiveCount`
 * receives, created in that order under `scope` with the given ids.
 */
function queueWithDeadLetter(
  scope: Construct,
  ids: { queue: string; deadLetter: string },
  props: { visibilityTimeout: Duration; retentionPeriod: Duration; maxReceiveCount: number },
): [sqs.Queue, sqs.Queue] {
  const deadLetterQueue = new sqs.Queue(scope, ids.deadLetter, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, ids.queue, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  return [queue, deadLetterQueue];
}

/**
 * The push, follow-up and notification queues with their dead-letter queues, directly under
 * `scope` (the stack): their logical IDs are those of every earlier deploy.
 */
export function sentinelQueues(scope: Construct, settings: DeploymentSettings): SentinelQueues {
  const { maxReceiveCount } = settings.queue;
  // AWS guidance: visibility timeout at least six times the consumer's timeout (plus the
  // batching window), so a slow batch is not handed to a second worker while the first still runs.
  const [queue, deadLetterQueue] = queueWithDeadLetter(
    scope,
    { queue: 'PushQueue', deadLetter: 'PushDeadLetterQueue' },
    {
      visibilityTimeout: Duration.seconds(6 * settings.functions.syncWorker.timeoutSeconds + settings.queue.maxBatchingWindowSeconds),
      retentionPeriod: Duration.days(4),
      maxReceiveCount,
    },
  );
  // Follow-ups: delayed deployment checks (SQS DelaySeconds, so no Lambda waits). A queue of
  // their own: a push burst must not delay them, and they must not be coalesced with pushes.
  const [followUpQueue, followUpDeadLetterQueue] = queueWithDeadLetter(
    scope,
    { queue: 'FollowUpQueue', deadLetter: 'FollowUpDeadLetterQueue' },
    { visibilityTimeout: Duration.seconds(6 * settings.functions.deployTracker.timeoutSeconds), retentionPeriod: Duration.days(1), maxReceiveCount },
  );
  // Notifications: one message per (event, channel), fed by the functions that write the records
  // rules name; the notifier's retries are delayed messages, its last failures go to the DLQ.
  const [notifyQueue, notifyDeadLetterQueue] = queueWithDeadLetter(
    scope,
    { queue: 'NotifyQueue', deadLetter: 'NotifyDeadLetterQueue' },
    { visibilityTimeout: Duration.seconds(6 * settings.functions.notifier.timeoutSeconds), retentionPeriod: Duration.days(4), maxReceiveCount },
  );
  return { queue, deadLetterQueue, followUpQueue, followUpDeadLetterQueue, notifyQueue, notifyDeadLetterQueue };
}
