/** Base error of the queue module. */
export class QueueError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueError';
  }
}

/** A message body is not a `PushMessage` (the worker sends it to the dead-letter queue). */
export class InvalidMessageError extends QueueError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidMessageError';
  }
}
