import type { AppSetPayload } from '../appset/types';
import type { PushEvent } from '../providers/types';

/** What the webhook enqueues and the sync worker consumes, one push per message. */
export interface PushMessage {
  push: PushEvent;
  /** ISO-8601 time the webhook accepted the delivery. */
  receivedAt: string;
  /**
   * The raw body and provider headers for the ApplicationSet webhooks, when an instance takes
   * this push (see `functions/lib/appset`). @default absent (nothing to forward)
   */
  appset?: AppSetPayload;
}

/**
 * The queue port between the webhook and the sync worker. `SQSPushQueue` is the deployed
 * adapter; `InProcessQueue` (local/in-process-queue.ts) the local one, with the same
 * message contract and retry/dead-letter semantics.
 */
export interface PushQueue {
  /** Sends one message; resolves once the queue has accepted it. */
  enqueue(message: PushMessage): Promise<void>;
}
