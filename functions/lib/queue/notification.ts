/**
 * The notification queue's contract: one message per (event, channel), consumed by the notifier
 * function, off the push path. A queue of its own (not the follow-up queue): a slow or failing
 * receiver must not delay deployment checks, and the notifier needs other grants (channel
 * secrets, SNS, EventBridge) than the tracker. Retries are new delayed messages carrying the
 * attempt number, so back-off and `Retry-After` are honoured without a waiting Lambda.
 */
import type { NotificationEvent } from '../notify/types';
import { InvalidMessageError } from './errors';
import { MAX_DELAY_SECONDS } from './follow-up';

/** One send of one event to one channel. */
export interface NotifyMessage {
  type: 'notify.send';
  /** Wire-format version. */
  v: 1;
  /** The channel's name (`notify.channels[].name`). */
  channel: string;
  /** Attempt number, from 1. */
  attempt: number;
  event: NotificationEvent;
  /** Why the previous attempt failed (retries and dead letters). */
  lastError?: string;
}

/** The port: `SQSNotificationQueue` deployed, `InProcessQueue` locally. */
export interface NotificationQueue {
  /** Sends a message that becomes visible after `delaySeconds` (SQS rounds up to whole seconds, at most 900). */
  publish(message: NotifyMessage, delaySeconds?: number): Promise<void>;
  /** Moves a message that failed for the last time to the dead-letter queue, with the reason. */
  deadLetter(message: NotifyMessage, reason: string): Promise<void>;
}

/** Largest message body kept whole; above it the audit record's `details` are left out. */
const MAX_BODY_BYTES = 250_000;

/** The wire format (JSON), under the SQS size limit: an oversized record loses its `details` first. */
export function serializeNotify(message: NotifyMessage): string {
  const json = JSON.stringify(message);
  if (Buffer.byteLength(json, 'utf8') <= MAX_BODY_BYTES || !message.event.record) return json;
  const { details: _dropped, ...record } = message.event.record;
  return JSON.stringify({ ...message, event: { ...message.event, record: { ...record, details: { truncated: true } } } });
}

const str = (v: unknown, max = 512): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * Parses a notification message body.
 * @throws InvalidMessageError when it is not JSON or not a `notify.send` message
 */
export function parseNotify(body: string): NotifyMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidMessageError('notification message body is not JSON');
  }
  const m = value as Partial<NotifyMessage> | null;
  const e = m?.event;
  if (
    m?.type === 'notify.send' &&
    m.v === 1 &&
    str(m.channel, 64) &&
    Number.isSafeInteger(m.attempt) &&
    m.attempt! >= 1 &&
    e &&
    typeof e === 'object' &&
    str(e.kind, 64) &&
    str(e.id) &&
    str(e.ts, 64) &&
    typeof e.message === 'string'
  )
    return m as NotifyMessage;
  throw new InvalidMessageError('not a notify.send message');
}

/** SQS `DelaySeconds` for a delay: whole seconds, rounded up, 0..900. */
export function notifyDelaySeconds(delaySeconds: number | undefined): number {
  if (delaySeconds === undefined || !Number.isFinite(delaySeconds) || delaySeconds <= 0) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds));
}
