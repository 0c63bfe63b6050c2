/** The queue module: the `PushQueue` and `FollowUpQueue` ports, their wire formats and SQS adapters. */
export type * from './types';
export { QueueError, InvalidMessageError } from './errors';
export { serializePushMessage, parsePushMessage, MAX_MESSAGE_BYTES } from './message';
export { SQSPushQueue, type SQSPushQueueOptions } from './sqs-push-queue';
export {
  serializeFollowUp,
  parseFollowUp,
  sqsDelaySeconds,
  MAX_DELAY_SECONDS,
  type DeployCheckMessage,
  type CommitStatusMessage,
  type FollowUpMessage,
  type FollowUpQueue,
} from './follow-up';
export { SQSFollowUpQueue, type SQSFollowUpQueueOptions } from './sqs-follow-up-queue';
export { serializeNotify, parseNotify, notifyDelaySeconds, type NotifyMessage, type NotificationQueue } from './notification';
export { SQSNotificationQueue, type SQSNotificationQueueOptions } from './sqs-notification-queue';
