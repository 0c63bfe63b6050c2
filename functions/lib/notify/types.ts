/** Types of the notify module: an event worth telling people about, and what one send attempt did. */
import type { AuditRecord } from '../audit/types';
import type { NotifyEventKind } from '../config/types';

export type { NotifyEventKind };

/**
 * Something a rule may send: made from an audit record (`drift.*`, `deploy.*`) or by a source
 * that writes none (a dead-lettered delivery, a failed verify, a refusal spike). Holds no secret
 * and no payload body: audit records never do, and the other sources build it from counts and names.
 */
export interface NotificationEvent {
  kind: NotifyEventKind;
  /** Id of what the event came from: the audit record id, or the source's own id. */
  id: string;
  /** ISO-8601 time of the event. */
  ts: string;
  instance?: string;
  namespace?: string;
  app?: string;
  project?: string;
  /** The commit (or revision) the event is about. */
  revision?: string;
  repo?: string;
  deliveryId?: string;
  outcome?: string;
  /** One line, as in the audit record. */
  message: string;
  /**
   * What makes two events "the same" for at-most-once sending, besides kind and channel.
   * @default `<instance>/<namespace>/<app>@<revision>` (the record id when there is no app or revision)
   */
  subject?: string;
  /**
   * Names and counts of an event that has no audit record (dead letters, verify failures, refusal
   * spikes): small, never a payload or a secret. Part of the webhook body and the EventBridge detail.
   */
  details?: Record<string, unknown>;
  /** The audit record behind the event (the EventBridge detail), when there is one. */
  record?: AuditRecord;
}

/** What one send attempt to one channel did. */
export type SendResult =
  | { ok: true; status?: number }
  | {
      ok: false;
      /** HTTP status, when there was an answer. */
      status?: number;
      /** Seconds the receiver asked us to wait (`Retry-After` on a 429 or 503). */
      retryAfterSeconds?: number;
      /** One line naming what failed, never a URL or a secret (e.g. `HTTP 404`, `TimeoutError`). */
      reason: string;
    };

/** What the notifier did with one message. */
export type NotifyOutcome =
  /** Sent now. */
  | 'sent'
  /** Already sent (or being sent) for this (event, app, revision, channel): nothing was sent. */
  | 'duplicate'
  /** Failed; a later attempt is scheduled. */
  | 'retrying'
  /** Failed for the last time: on the dead-letter queue, `notify.failed` audited. */
  | 'dead-lettered';
