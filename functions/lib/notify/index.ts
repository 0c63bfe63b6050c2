/**
 * Public face of the notify module (issue 14 item 3): rules that map event kinds to channels,
 * the publisher that queues one message per channel (fed by {@link NotifyingAuditStore} on the
 * audit store's append), and the notifier that sends them at most once with retries, a
 * dead-letter queue and `notify.failed` records.
 */
export type * from './types';
export { NotifyRules } from './rules';
export { NotificationPublisher, notificationPublisher, eventFromRecord, isNotifyEventKind, type NotificationPublisherDeps } from './publisher';
export { deadLetteredEvents, verifyFailedEvent, verifyReportEvent, heldChainsEvent, refusedSpikeEvent, publishQuietly } from './events';
export type { DeadLetterInput, UndoneAction, VerifyFailedInput, VerifyFailure, RefusedSpikeInput } from './events';
export { NotifyingAuditStore } from './notifying-audit-store';
export { NotificationLedger, subjectOf, type NotificationLedgerOptions } from './ledger';
export { Notifier, deliveryIdOf, type NotifierDeps, type NotifyResult } from './notifier';
export { sendTo, signBody, SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_HEADER, type ChannelDeps, type SendContext } from './channels/index';
export { parseRetryAfter } from './channels/http';
export { slackMessage, slackEscape, eventBody, argocdLink, resourceLines, titleOf } from './format';
