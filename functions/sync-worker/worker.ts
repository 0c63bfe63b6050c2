/**
 * The sync worker's SQS adapter: a batch of SQS records → one `processPush` per record
 * (Powertools Batch, records in parallel) → `{ batchItemFailures }`, so only the pushes with
 * undone actions come back. Kept apart from `handler.ts` so the local stack and tests can
 * build a worker around their own dependencies without the deployed ones being built.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deadLetteredEvents, publishQuietly, type DeadLetterInput } from '../lib/notify/events';
import type { NotificationPublisher } from '../lib/notify/publisher';
import { parsePushMessage } from '../lib/queue/message';
import type { PushMessage } from '../lib/queue/types';
import type { BaseCoreDeps } from '../lib/runtime/core-deps';
import { createSyncDeps, IncompletePushError, processPush, type CreateSyncDepsOptions, type ProcessPushResult, type SyncDeps } from '../lib/sync/index';

/** The name of a caught error, never its message (it may quote a request). */
const errorName = (error: unknown) => (error instanceof Error ? error.name : 'UnknownError');

/** The part of an SQS record the worker reads; Lambda's `SQSRecord` and the local queue's records both fit. */
export interface SyncWorkerRecord {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

/** A batch (Lambda's `SQSEvent`, or `InProcessQueueBatch` locally). */
export interface SyncWorkerEvent {
  Records: SyncWorkerRecord[];
}

/** The worker: a batch in, the failed message ids out. */
export type SyncWorkerHandler = (event: SyncWorkerEvent, context?: Context) => Promise<SQSBatchResponse>;

/** Options of {@link createSyncWorkerHandler}. */
export interface SyncWorkerOptions extends CreateSyncDepsOptions {
  /**
   * The queue's redrive `maxReceiveCount`: on that receive, undone actions are audited as
   * `app.failed` before the message goes to the dead letters. Must equal the queue's setting
   * (CDK `queue.maxReceiveCount`, the local `InProcessQueue`'s `maxReceiveCount`).
   * @default 5 (the CDK default)
   */
  maxReceiveCount?: number;
  /**
   * Where `delivery.dead-lettered` notifications are queued on the last receive of a push that
   * stays undone. @default `deps.notify` (CoreDeps), else none
   */
  notify?: Pick<NotificationPublisher, 'publish'>;
}

/** Time kept back from the Lambda's remaining time to write the ledger and audit records. */
const DEADLINE_MARGIN_MS = 3_000;

const isSyncDeps = (d: BaseCoreDeps | SyncDeps): d is SyncDeps => 'ledger' in d && 'indexes' in d;

/**
 * Builds the worker around injected dependencies. Pass `BaseCoreDeps` (the sync dependencies,
 * with their app-index cache, are built once here) or ready `SyncDeps`.
 * @example
 * const worker = createSyncWorkerHandler(deps, { maxReceiveCount: 3 });
 * queue.start((batch) => worker(batch));
 */
export function createSyncWorkerHandler(deps: BaseCoreDeps | SyncDeps, options: SyncWorkerOptions = {}): SyncWorkerHandler {
  if (!deps) throw new TypeError('[gitops-sentinel/sync-worker] deps are required');
  const sync = isSyncDeps(deps) ? deps : createSyncDeps(deps, options);
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1)
    throw new TypeError('[gitops-sentinel/sync-worker] maxReceiveCount must be a positive integer');

  const notify = options.notify ?? (isSyncDeps(deps) ? undefined : deps.notify);

  /**
   * The last receive of a message that stays undone: SQS moves it to the dead-letter queue by its
   * redrive policy without running any code of ours, so this receive is the last moment to say so.
   * A Lambda that crashes or times out on it says nothing: the stack's dead-letter alarm covers that.
   */
  const deadLettered = async (record: SyncWorkerRecord, receiveCount: number, found: Omit<DeadLetterInput, 'messageId' | 'receiveCount' | 'ts'>) => {
    if (!notify) return;
    const events = deadLetteredEvents({ ...found, messageId: record.messageId, receiveCount, ts: new Date().toISOString() });
    for (const event of events) await publishQuietly(notify, event, sync.log);
  };

  const recordHandler =
    (deadline: number | undefined) =>
    async (record: SyncWorkerRecord): Promise<void> => {
      const receiveCount = Math.max(1, Number(record.attributes?.ApproximateReceiveCount) || 1);
      const last = receiveCount >= maxReceiveCount;
      let message: PushMessage;
      try {
        // A body that is not a PushMessage fails on every receive and so ends in the dead letters.
        message = parsePushMessage(record.body);
      } catch (error) {
        if (last)
          await deadLettered(record, receiveCount, { undone: [], unreachableInstances: [], other: [`the body is not a push message (${errorName(error)})`] });
        throw error;
      }
      const { push } = message;
      let result: ProcessPushResult;
      try {
        result = await processPush(message, sync, { receiveCount, maxReceiveCount, deadline });
      } catch (error) {
        if (last)
          await deadLettered(record, receiveCount, { push, undone: [], unreachableInstances: [], other: [`it could not be processed (${errorName(error)})`] });
        throw error;
      }
      if (result.complete) return;
      if (result.lastReceive) {
        await deadLettered(record, receiveCount, {
          push,
          undone: result.actions.filter((a) => a.status === 'failed' || a.status === 'in-progress'),
          unreachableInstances: result.unreachableInstances,
          other: result.appsets
            .filter((a) => a.status === 'failed' || a.status === 'in-progress')
            .map((a) => `ApplicationSet webhook of ${a.instance} not forwarded${a.message ? `: ${a.message}` : ''}`),
        });
      }
      throw new IncompletePushError(result);
    };

  return async (event, context) => {
    // Every ArgoCD call of this invocation ends before Lambda stops it, with time left to
    // record what happened (undone actions come back with the message).
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining !== undefined ? Date.now() + Math.max(0, remaining - DEADLINE_MARGIN_MS) : undefined;
    // One processor per invocation: it keeps per-batch state, and the local queue may run
    // several batches at once through the same handler.
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event as unknown as SQSEvent, recordHandler(deadline), processor, {
      ...(context ? { context } : {}),
      // All records failing is an answer like any other: listed, not thrown, so the
      // invocation does not count as an error on top of the redelivery.
      throwOnFullBatchFailure: false,
    });
    for (const [, error] of processor.errors.entries()) {
      if (!(error instanceof IncompletePushError)) sync.log?.error?.('push record failed', { error: error.name, reason: error.message });
    }
    return response;
  };
}
