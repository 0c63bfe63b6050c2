import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { QueueError } from './errors';
import { serializeFollowUp, sqsDelaySeconds, type FollowUpMessage, type FollowUpQueue } from './follow-up';

/** Options of `SQSFollowUpQueue`. Pass either `client` or `clientConfig`. */
export type SQSFollowUpQueueOptions = {
  /** The follow-up queue URL (`SENTINEL_FOLLOWUP_QUEUE_URL`); a standard queue (FIFO has no per-message delay). */
  queueUrl: string;
} & ({ client: SQSClient; clientConfig?: never } | { clientConfig?: SQSClientConfig; client?: never });

/**
 * `FollowUpQueue` on Amazon SQS: each follow-up is one message with `DelaySeconds`, so no
 * Lambda waits between deployment checks.
 */
export class SQSFollowUpQueue implements FollowUpQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SQSFollowUpQueueOptions) {
    if (!options?.queueUrl) throw new TypeError('[gitops-sentinel/queue] queueUrl is required');
    if (options.queueUrl.endsWith('.fifo'))
      throw new TypeError('[gitops-sentinel/queue] the follow-up queue must be a standard queue: FIFO queues ignore per-message DelaySeconds');
    this.#queueUrl = options.queueUrl;
    this.#client = options.client ?? new SQSClient(options.clientConfig ?? {});
  }

  async schedule(message: FollowUpMessage, delaySeconds: number): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: serializeFollowUp(message),
          DelaySeconds: sqsDelaySeconds(delaySeconds),
          MessageAttributes: { type: { DataType: 'String', StringValue: message.type } },
        }),
      );
    } catch (error) {
      // Keep the SDK's error name only; its message may quote the request.
      throw new QueueError(`cannot schedule ${message.type}: ${error instanceof Error ? error.name : 'UnknownError'}`);
    }
  }
}
