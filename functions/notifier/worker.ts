/**
 * The notifier's SQS adapter: a batch of notification records → one `Notifier.handle` per
 * message (Powertools Batch) → `{ batchItemFailures }`. A body that does not parse fails on every
 * receive and ends in the dead-letter queue by the redrive policy; a send that failed for the
 * last time is moved there by the notifier itself.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Notifier, NotifyResult } from '../lib/notify/notifier';
import type { SimpleLogger } from '../lib/observability/logger';
import { parseNotify } from '../lib/queue/notification';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';

/** The part of an SQS record the notifier reads. */
export interface NotifyRecord {
  messageId: string;
  body: string;
}

/** A batch (Lambda's `SQSEvent`, or `InProcessQueueBatch` locally). */
export interface NotifyEvent {
  Records: NotifyRecord[];
}

/** The consumer: a batch in, the failed message ids out. */
export type NotifierHandler = (event: NotifyEvent, context?: Context) => Promise<SQSBatchResponse>;

/** What the consumer needs. */
export interface NotifierHandlerDeps {
  notifier: Notifier;
  log?: Partial<SimpleLogger>;
  /** Called with each message's result (local stack log, tests). */
  onResult?: (result: NotifyResult, channel: string, kind: string) => void;
}

/**
 * Builds the consumer around injected dependencies.
 * @example
 * const consume = createNotifierHandler({ notifier });
 * notifications.start((batch) => consume(batch));
 */
export function createNotifierHandler(deps: DepsOrBuilder<NotifierHandlerDeps>): NotifierHandler {
  const getDeps = lazyDeps(deps);
  return async (event, context) => {
    const d = await getDeps();
    const recordHandler = async (record: NotifyRecord): Promise<void> => {
      const message = parseNotify(record.body);
      const result = await d.notifier.handle(message);
      d.onResult?.(result, message.channel, message.event.kind);
    };
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event as unknown as SQSEvent, recordHandler, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
    for (const [, error] of processor.errors.entries()) d.log?.error?.('notification record failed', { error: error.name, reason: error.message });
    return response;
  };
}
