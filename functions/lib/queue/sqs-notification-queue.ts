import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { QueueError } from './errors';
import { notifyDelaySeconds, serializeNotify, type NotificationQueue, type NotifyMessage } from './notification';

/** Options of `SQSNotificationQueue`. Pass either `client` or `clientConfig`. */
export type SQSNotificationQueueOptions = {
  /** The notification queue URL (`SENTINEL_NOTIFY_QUEUE_URL`); a standard queue (FIFO has no per-message delay). */
  queueUrl: string;
  /** Its dead-letter queue (`SENTINEL_NOTIFY_DLQ_URL`); only the notifier moves messages there. */
  deadLetterQueueUrl?: string;
} & ({ client: SQSClient; clientConfig?: never } | { clientConfig?: SQSClientConfig; client?: never });

/**
 * `NotificationQueue` on Amazon SQS: each (event, channel) is one message; a retry is a new
 * message with `DelaySeconds`; a message that failed for the last time is sent to the
 * dead-letter queue by the notifier (the redrive policy catches the rest: bodies that fail to parse).
 */
export class SQSNotificationQueue implements NotificationQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #dlqUrl: string | undefined;

  constructor(options: SQSNotificationQueueOptions) {
    if (!options?.queueUrl) throw new TypeError('[gitops-sentinel/queue] queueUrl is required');
    if (options.queueUrl.endsWith('.fifo'))
      throw new TypeError('[gitops-sentinel/queue] the notification queue must be a standard queue: FIFO queues ignore per-message DelaySeconds');
    this.#queueUrl = options.queueUrl;
    this.#dlqUrl = options.deadLetterQueueUrl;
    this.#client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async publish(message: NotifyMessage, delaySeconds?: number): Promise<void> {
    await this.#send(this.#queueUrl, serializeNotify(message), message, notifyDelaySeconds(delaySeconds));
  }

  async deadLetter(message: NotifyMessage, reason: string): Promise<void> {
    if (!this.#dlqUrl) throw new QueueError('cannot dead-letter a notification: SENTINEL_NOTIFY_DLQ_URL is not set');
    await this.#send(this.#dlqUrl, serializeNotify({ ...message, lastError: reason }), message, 0);
  }

  async #send(queueUrl: string, body: string, message: NotifyMessage, delay: number): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          DelaySeconds: delay,
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: message.event.kind },
            channel: { DataType: 'String', StringValue: message.channel },
          },
        }),
      );
    } catch (error) {
      // Keep the SDK's error name only; its message may quote the request.
      throw new QueueError(`cannot queue a notification for ${message.channel}: ${error instanceof Error ? error.name : 'UnknownError'}`);
    }
  }
}
