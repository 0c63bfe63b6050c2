/**
 * The deploy tracker's SQS adapter: a batch of follow-up records → one `DeploymentTracker.check`
 * per `deploy.check` message, one `CommitStatusService.handle` per `commit-status.set` message
 * (Powertools Batch) → `{ batchItemFailures }`. A malformed body fails
 * on every receive and ends in the follow-up dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CommitStatusService, StatusHandling } from '../lib/commit-status/service';
import type { DeploymentTracker } from '../lib/deploy/tracker';
import type { CheckResult } from '../lib/deploy/types';
import type { SimpleLogger } from '../lib/observability/logger';
import { followUpDeadLetteredEvent, publishQuietly } from '../lib/notify/events';
import type { NotificationPublisher } from '../lib/notify/publisher';
import { parseFollowUp, type FollowUpMessage } from '../lib/queue/follow-up';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';

/** The part of an SQS record the tracker reads (Lambda's `SQSRecord` and the local queue's records fit). */
export interface FollowUpRecord {
  messageId: string;
  body: string;
  /** SQS attributes; the receive count tells the last receive. @default a first receive */
  attributes?: { ApproximateReceiveCount?: string };
}

/** A batch (Lambda's `SQSEvent`, or `InProcessQueueBatch` locally). */
export interface FollowUpEvent {
  Records: FollowUpRecord[];
}

/** The consumer: a batch in, the failed message ids out. */
export type DeployTrackerHandler = (event: FollowUpEvent, context?: Context) => Promise<SQSBatchResponse>;

/** What the consumer needs. */
export interface DeployTrackerDeps {
  /** Undefined when tracking is off: messages are then dropped. */
  tracker: DeploymentTracker | undefined;
  log?: Partial<SimpleLogger>;
  /** Called with each check's result (local stack counters, benchmarks). */
  onCheck?: (result: CheckResult) => void;
  /** Commit statuses (`commit-status.set` messages); without it they are dropped. */
  statuses?: Pick<CommitStatusService, 'handle'>;
  /** Called with what each commit status message did. */
  onStatus?: (result: StatusHandling) => void;
  /** Called after each batch (flushes buffered metrics, deployed). */
  afterBatch?: () => void;
  /**
   * The follow-up queue's redrive `maxReceiveCount` (the stack's `queue.maxReceiveCount`): a message
   * that fails on that receive goes to the dead letters, and `notify` is told. @default 5
   */
  maxReceiveCount?: number;
  /** Where `delivery.dead-lettered` is queued for a follow-up that fails on its last receive. @default none */
  notify?: Pick<NotificationPublisher, 'publish'>;
}

/**
 * Builds the consumer around injected dependencies.
 * @example
 * const consume = createDeployTrackerHandler({ tracker });
 * followUps.start((batch) => consume(batch));
 */
export function createDeployTrackerHandler(deps: DepsOrBuilder<DeployTrackerDeps>): DeployTrackerHandler {
  const getDeps = lazyDeps(deps);
  return async (event, context) => {
    const d = await getDeps();
    const recordHandler = async (record: FollowUpRecord): Promise<void> => {
      try {
        await handleRecord(record);
      } catch (error) {
        // SQS moves the message to the dead letters by its redrive policy, running none of our code:
        // this receive is the last moment to say that a deployment is no longer followed.
        const receiveCount = Math.max(1, Number(record.attributes?.ApproximateReceiveCount) || 1);
        if (d.notify && receiveCount >= (d.maxReceiveCount ?? 5)) {
          let message: FollowUpMessage | undefined;
          try {
            message = parseFollowUp(record.body);
          } catch {
            message = undefined;
          }
          const event = followUpDeadLetteredEvent({
            body: record.body,
            ...(message ? { message } : {}),
            messageId: record.messageId,
            receiveCount,
            reason: error instanceof Error ? error.name : 'UnknownError',
            ts: new Date().toISOString(),
          });
          await publishQuietly(d.notify, event, d.log);
        }
        throw error;
      }
    };
    const handleRecord = async (record: FollowUpRecord): Promise<void> => {
      const message = parseFollowUp(record.body);
      if (message.type === 'commit-status.set') {
        if (!d.statuses) return;
        // Not `onStatus?.(await handle())`: an optional call skips its arguments when absent.
        const handled = await d.statuses.handle(message);
        d.onStatus?.(handled);
        return;
      }
      if (!d.tracker) return;
      const result = await d.tracker.check(message);
      d.onCheck?.(result);
    };
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event as unknown as SQSEvent, recordHandler, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
    for (const [, error] of processor.errors.entries()) d.log?.error?.('follow-up record failed', { error: error.name, reason: error.message });
    d.afterBatch?.();
    return response;
  };
}
