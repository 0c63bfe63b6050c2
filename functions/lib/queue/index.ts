/** The queue module: the `PushQueue` port, the message wire format and the SQS adapter. */
export type * from './types';
export { QueueError, InvalidMessageError } from './errors';
export { serializePushMessage, parsePushMessage, MAX_MESSAGE_BYTES } from './message';
export { SQSPushQueue, type SQSPushQueueOptions } from './sqs-push-queue';
