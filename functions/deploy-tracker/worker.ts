/**
 * The deploy tracker's SQS adapter: a batch of follow-up records → one `DeploymentTracker.check`
 * per `deploy.check` message (Powertools Batch) → `{ batchItemFailures }`. A malformed body fails
 * on every receive and ends in the follow-up dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeploymentTracker } from '../lib/deploy/tracker';
import type { CheckResult } from '../lib/deploy/types';
import type { SimpleLogger } from '../lib/observability/logger';
import { parseFollowUp } from '../lib/queue/follow-up';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';

/** The part of an SQS record the tracker reads (Lambda's `SQSRecord` and the local queue's records fit). */
export interface FollowUpRecord {
  messageId: string;
  body: string;
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
      const message = parseFollowUp(record.body);
      if (!d.tracker) return;
      const result = await d.tracker.check(message);
      d.onCheck?.(result);
    };
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event as unknown as SQSEvent, recordHandler, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
    for (const [, error] of processor.errors.entries()) d.log?.error?.('follow-up record failed', { error: error.name, message: error.message });
    return response;
  };
}
