import { createHash } from 'node:crypto';
import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { QueueError } from './errors';
import { serializePushMessage } from './message';
import type { PushMessage, PushQueue } from './types';

/** Options of `SQSPushQueue`. Pass either `client` or `clientConfig`. */
export type SQSPushQueueOptions = {
  /** The queue URL (`SENTINEL_QUEUE_URL`). A URL ending in `.fifo` gets group and dedupe ids. */
  queueUrl: string;
} & ({ client: SQSClient; clientConfig?: never } | { clientConfig?: SQSClientConfig; client?: never });

/**
 * `PushQueue` on Amazon SQS. Each push is one message with `provider` and `deliveryId`
 * attributes. On a FIFO queue the message group is the first repository URL (pushes to one
 * repository stay ordered) and the deduplication id is derived from the delivery id.
 */
export class SQSPushQueue implements PushQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #fifo: boolean;

  constructor(options: SQSPushQueueOptions) {
    if (!options?.queueUrl) throw new TypeError('[gitops-sentinel/queue] queueUrl is required');
    this.#queueUrl = options.queueUrl;
    this.#fifo = options.queueUrl.endsWith('.fifo');
    this.#client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async enqueue(message: PushMessage): Promise<void> {
    const { push } = message;
    const hash = (s: string) => createHash('sha256').update(s).digest('hex');
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: serializePushMessage(message),
          MessageAttributes: {
            provider: { DataType: 'String', StringValue: push.provider },
            deliveryId: { DataType: 'String', StringValue: push.deliveryId },
          },
          ...(this.#fifo
            ? {
                MessageGroupId: hash(push.repoUrls[0] ?? push.provider).slice(0, 64),
                MessageDeduplicationId: hash(`${push.provider}:${push.deliveryId}`).slice(0, 64),
              }
            : {}),
        }),
      );
    } catch (error) {
      // Keep the SDK's error name only; its message may quote the request.
      throw new QueueError(`cannot enqueue delivery ${push.deliveryId}: ${error instanceof Error ? error.name : 'UnknownError'}`);
    }
  }
}
