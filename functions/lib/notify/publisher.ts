/**
 * The feeding side of notifications: turns an event into one queued message per matching
 * channel. Runs where the event happens (drift scan, deploy tracker, operator API); it only
 * enqueues, so sending never delays a scan, a check or a push.
 */
import type { AuditRecord } from '../audit/types';
import type { NotifyConfig, NotifyEventKind } from '../config/types';
import { NOTIFY_EVENT_KINDS } from '../config/schema';
import type { SimpleLogger } from '../observability/logger';
import type { NotificationQueue } from '../queue/notification';
import { stripUndefined } from '../runtime/objects';
import { NotifyRules } from './rules';
import type { NotificationEvent } from './types';

const KINDS: ReadonlySet<string> = new Set(NOTIFY_EVENT_KINDS);

/** True for the event kinds a notification rule may name. */
export function isNotifyEventKind(kind: string): kind is NotifyEventKind {
  return KINDS.has(kind);
}

/**
 * The notification event of an audit record, or undefined when its kind is not one rules may
 * name. The record goes along whole: it is the EventBridge detail, and it never holds a secret
 * or a payload body (the audit store redacts `details`).
 */
export function eventFromRecord(record: AuditRecord): NotificationEvent | undefined {
  if (!isNotifyEventKind(record.kind)) return undefined;
  const { kind, id, ts, instance, namespace, app, project, revision, repo, deliveryId, outcome, message } = record;
  return stripUndefined({ kind, id, ts, instance, namespace, app, project, revision, repo, deliveryId, outcome, message, record });
}

/** What a publisher needs. */
export interface NotificationPublisherDeps {
  config: Pick<NotifyConfig, 'rules'>;
  queue: NotificationQueue;
  log?: Partial<SimpleLogger>;
}

/** Queues events for the channels their rules name. */
export class NotificationPublisher {
  readonly #rules: NotifyRules;
  readonly #queue: NotificationQueue;
  readonly #log: Partial<SimpleLogger> | undefined;

  constructor(deps: NotificationPublisherDeps) {
    if (!deps?.config || !deps.queue) throw new TypeError('[gitops-sentinel/notify] config and queue are required');
    this.#rules = new NotifyRules(deps.config);
    this.#queue = deps.queue;
    this.#log = deps.log;
  }

  /** True when some rule names this kind. */
  wants(kind: string): boolean {
    return this.#rules.wants(kind);
  }

  /**
   * Queues one message per channel the rules name for this event.
   * @returns the channels it was queued for
   * @throws QueueError when the queue refuses a message (callers that must not fail log it)
   */
  async publish(event: NotificationEvent): Promise<string[]> {
    const channels = this.#rules.channelsFor(event);
    await Promise.all(channels.map((channel) => this.#queue.publish({ type: 'notify.send', v: 1, channel, attempt: 1, event })));
    if (channels.length) this.#log?.debug?.('notify: queued', { kind: event.kind, app: event.app, channels });
    return channels;
  }
}

/**
 * The publisher of a configuration: undefined without rules or without a queue (then nothing is
 * ever queued, and no function pays for it). Free of the ArgoCD client, so the webhook may use it.
 */
export function notificationPublisher(
  config: { notify: Pick<NotifyConfig, 'rules'> },
  queue: NotificationQueue | undefined,
  log?: Partial<SimpleLogger>,
): NotificationPublisher | undefined {
  if (!queue || config.notify.rules.length === 0) return undefined;
  return new NotificationPublisher({ config: config.notify, queue, log });
}
