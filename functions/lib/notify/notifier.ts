/**
 * `Notifier`: the consumer side. One message = one attempt to send one event to one channel:
 * claim it in the ledger (a duplicate stops there), send, record the outcome. A failure is
 * retried as a new delayed message (back-off doubling from `notify.backoffSeconds`, or the
 * receiver's `Retry-After`), up to `notify.maxAttempts`; the last failure goes to the
 * dead-letter queue and is audited as `notify.failed`. Every failure counts towards the limit,
 * a 4xx included: a receiver that refuses is not retried forever.
 */
import { createHash } from 'node:crypto';
import type { AuditStore } from '../audit/audit-store';
import type { InstanceConfig, NotifyChannelConfig, NotifyConfig } from '../config/types';
import type { SimpleLogger } from '../observability/logger';
import type { NotificationQueue, NotifyMessage } from '../queue/notification';
import { sendTo, type ChannelDeps } from './channels/index';
import { argocdLink } from './format';
import { subjectOf, type NotificationLedger } from './ledger';
import type { NotifyOutcome, SendResult } from './types';

/** What the notifier needs. */
export interface NotifierDeps {
  config: { notify: NotifyConfig; instances: readonly Pick<InstanceConfig, 'name' | 'server'>[] };
  ledger: NotificationLedger;
  queue: NotificationQueue;
  /** Where `notify.failed` goes (the plain store: a failed notification notifies nobody). */
  auditStore: Pick<AuditStore, 'append'>;
  channels: Omit<ChannelDeps, 'timeoutMs'>;
  log?: Partial<SimpleLogger>;
}

/** What one message came to. */
export interface NotifyResult {
  outcome: NotifyOutcome;
  /** The send's result, when one was attempted. */
  send?: SendResult;
  /** Delay of the next attempt, seconds (when retrying). */
  retryInSeconds?: number;
}

/**
 * The delivery id of an (event, channel): stable across retries and queued copies, so a
 * receiver can dedupe on it; a hash, so it names nothing.
 */
export function deliveryIdOf(message: Pick<NotifyMessage, 'channel' | 'event'>): string {
  const h = createHash('sha256')
    .update(`${message.channel}\n${message.event.kind}\n${subjectOf(message.event)}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Sends queued notifications, at most once per (event, app, revision, channel). */
export class Notifier {
  readonly #d: NotifierDeps;

  constructor(deps: NotifierDeps) {
    if (!deps?.config || !deps.ledger || !deps.queue || !deps.auditStore || !deps.channels)
      throw new TypeError('[gitops-sentinel/notify] config, ledger, queue, auditStore and channels are required');
    this.#d = deps;
  }

  /** Handles one message. Throws only when the ledger or the queue fails (the message is then redelivered). */
  async handle(message: NotifyMessage): Promise<NotifyResult> {
    const cfg = this.#d.config.notify;
    const channel = cfg.channels.find((c) => c.name === message.channel);
    if (!channel) return this.#giveUp(message, undefined, { ok: false, reason: `channel "${message.channel}" is no longer configured` });
    const owner = await this.#d.ledger.claim(channel.name, message.event, message.attempt);
    if (!owner) return { outcome: 'duplicate' };

    const link = argocdLink(this.#d.config.instances, message.event);
    const send = await sendTo(
      channel,
      message.event,
      { deliveryId: deliveryIdOf(message), ...(link ? { link } : {}) },
      { ...this.#d.channels, timeoutMs: cfg.timeoutMs },
    );
    if (send.ok) {
      await this.#d.ledger.complete(channel.name, message.event, owner, 'sent', { attempt: message.attempt });
      return { outcome: 'sent', send };
    }
    await this.#d.ledger.complete(channel.name, message.event, owner, 'failed', { attempt: message.attempt, reason: send.reason });
    if (message.attempt >= cfg.maxAttempts) return this.#giveUp(message, channel, send);
    const retryInSeconds = send.retryAfterSeconds ?? Math.min(cfg.maxBackoffSeconds, cfg.backoffSeconds * 2 ** (message.attempt - 1));
    await this.#d.queue.publish({ ...message, attempt: message.attempt + 1, lastError: send.reason }, retryInSeconds);
    this.#d.log?.warn?.('notify: send failed, retrying', {
      channel: channel.name,
      kind: message.event.kind,
      attempt: message.attempt,
      reason: send.reason,
      retryInSeconds,
    });
    return { outcome: 'retrying', send, retryInSeconds };
  }

  /** Dead-letters the message, then audits `notify.failed` (a failed append is logged: the message is safe on the DLQ). */
  async #giveUp(message: NotifyMessage, channel: NotifyChannelConfig | undefined, send: Extract<SendResult, { ok: false }>): Promise<NotifyResult> {
    await this.#d.queue.deadLetter(message, send.reason);
    const e = message.event;
    await this.#d.auditStore
      .append({
        kind: 'notify.failed',
        outcome: 'failure',
        actor: 'notifier',
        message: `${e.kind} notification to ${message.channel} failed after ${message.attempt} attempt(s): ${send.reason}`,
        instance: e.instance,
        namespace: e.namespace,
        app: e.app,
        project: e.project,
        revision: e.revision,
        deliveryId: e.deliveryId,
        details: {
          channel: message.channel,
          channelType: channel?.type,
          event: e.kind,
          eventId: e.id,
          notificationId: deliveryIdOf(message),
          attempts: message.attempt,
          status: send.status,
          reason: send.reason,
        },
      })
      .catch((error: unknown) =>
        this.#d.log?.error?.('notify: could not audit notify.failed', { channel: message.channel, error: error instanceof Error ? error.name : 'Error' }),
      );
    this.#d.log?.error?.('notify: dead-lettered', { channel: message.channel, kind: e.kind, attempts: message.attempt, reason: send.reason });
    return { outcome: 'dead-lettered', send };
  }
}
