/**
 * The local stand-in for Amazon SQS between the webhook and the sync worker: same message
 * contract (`PushMessage`, serialised by `serializePushMessage`) and the same delivery
 * semantics as an SQS event source mapping with `ReportBatchItemFailures`: batches of
 * SQS-shaped records, a failed record comes back after the visibility timeout with a higher
 * `ApproximateReceiveCount`, and after `maxReceiveCount` receives it moves to the dead letters.
 */
import { createHash, randomUUID } from 'node:crypto';
import { serializeFollowUp, type FollowUpMessage, type FollowUpQueue } from '../functions/lib/queue/follow-up';
import { serializePushMessage } from '../functions/lib/queue/message';
import { serializeNotify, type NotificationQueue, type NotifyMessage } from '../functions/lib/queue/notification';
import type { PushMessage, PushQueue } from '../functions/lib/queue/types';

/** One record of a batch, shaped like the `Records[]` of a Lambda SQS event. */
export interface InProcessQueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
  };
  messageAttributes: Record<string, { dataType: string; stringValue?: string }>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** A batch as the consumer sees it (Lambda's `SQSEvent`). */
export interface InProcessQueueBatch {
  Records: InProcessQueueRecord[];
}

/** What a consumer may answer (Lambda's `SQSBatchResponse`); nothing means all succeeded. */
export interface InProcessQueueBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** A consumer: the sync worker's handler, or a test function. Throwing fails the whole batch. */
export type InProcessQueueConsumer = (
  batch: InProcessQueueBatch,
) => Promise<InProcessQueueBatchResponse | void | undefined> | InProcessQueueBatchResponse | void;

/** A message that used up its receives. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  /** ISO-8601 time it was moved to the dead letters. */
  deadAt: string;
}

/** Options of {@link InProcessQueue.send}. */
export interface SendOptions {
  /** Keep the message invisible this long after sending, in ms (SQS `DelaySeconds`). @default 0 */
  delayMs?: number;
}

/** Counters, for `/api/stats`, benchmarks and tests. */
export interface InProcessQueueStats {
  enqueued: number;
  /** Messages sent with a delay. */
  delayed: number;
  /** Receives (a message retried twice counts three). */
  received: number;
  /** Batches handed to the consumer (Lambda invocations, deployed). */
  batches: number;
  succeeded: number;
  /** Failed receives (each retry that failed counts). */
  failed: number;
  deadLettered: number;
  /** Waiting, visible or not (delayed ones included). */
  pending: number;
  inFlight: number;
}

/** Options of {@link InProcessQueue}. */
export interface InProcessQueueOptions {
  /** Most records per batch (SQS event source `BatchSize`). @default 10 */
  batchSize?: number;
  /** Receives before a message goes to the dead letters (redrive policy `maxReceiveCount`). @default 3 */
  maxReceiveCount?: number;
  /** How long a failed message stays invisible before it is received again, in ms. @default 1000 */
  visibilityTimeoutMs?: number;
  /** Batches handed to the consumer at the same time (Lambda concurrency). @default 1 */
  concurrency?: number;
  /** Name used in the records' `eventSourceARN`. @default "gitops-sentinel-push" */
  queueName?: string;
}

interface Entry {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  visibleAt: number;
}

/**
 * In-process queue with SQS semantics. `enqueue` makes it a `PushQueue` for the webhook;
 * `start(consumer)` runs the consumer (the sync worker handler) on batches; `drain()` waits,
 * without sleeping, until every message has succeeded or gone to the dead letters.
 * @example
 * const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0 });
 * queue.start((batch) => workerHandler(batch));
 * await queue.enqueue({ push, receivedAt: new Date().toISOString() });
 * await queue.drain();
 */
export class InProcessQueue implements PushQueue, FollowUpQueue, NotificationQueue {
  readonly #batchSize: number;
  readonly #maxReceiveCount: number;
  readonly #visibilityTimeoutMs: number;
  readonly #concurrency: number;
  readonly #arn: string;
  readonly #pending: Entry[] = [];
  readonly #dead: DeadLetter[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #batches = new Set<Promise<void>>();
  #consumer: InProcessQueueConsumer | undefined;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #counts = { enqueued: 0, delayed: 0, received: 0, batches: 0, succeeded: 0, failed: 0, deadLettered: 0 };

  constructor(options: InProcessQueueOptions = {}) {
    this.#batchSize = positive(options.batchSize, 10, 'batchSize');
    this.#maxReceiveCount = positive(options.maxReceiveCount, 3, 'maxReceiveCount');
    this.#visibilityTimeoutMs = Math.max(0, options.visibilityTimeoutMs ?? 1000);
    this.#concurrency = positive(options.concurrency, 1, 'concurrency');
    this.#arn = `arn:aws:sqs:local:000000000000:${options.queueName ?? 'gitops-sentinel-push'}`;
  }

  /** Adds a push message (serialised exactly as the SQS adapter does). */
  async enqueue(message: PushMessage): Promise<void> {
    this.send(serializePushMessage(message));
  }

  /**
   * Schedules a follow-up (serialised as the SQS adapter does), visible after `delaySeconds`
   * like SQS `DelaySeconds`, though fractions of a second are kept so local demos run fast.
   */
  async schedule(message: FollowUpMessage, delaySeconds: number): Promise<void> {
    this.send(serializeFollowUp(message), { delayMs: Math.max(0, delaySeconds) * 1000 });
  }

  /** Queues a notification (serialised as the SQS adapter does), visible after `delaySeconds` (fractions kept). */
  async publish(message: NotifyMessage, delaySeconds = 0): Promise<void> {
    this.send(serializeNotify(message), { delayMs: Math.max(0, delaySeconds) * 1000 });
  }

  /**
   * Moves a notification that failed for the last time straight to the dead letters, as the
   * notifier does deployed with a SendMessage to the dead-letter queue.
   */
  async deadLetter(message: NotifyMessage, reason: string): Promise<void> {
    this.#dead.push({
      messageId: randomUUID(),
      body: serializeNotify({ ...message, lastError: reason }),
      receiveCount: message.attempt,
      deadAt: new Date().toISOString(),
    });
    this.#counts.deadLettered++;
    this.#notify();
  }

  /**
   * Adds a raw body, e.g. a malformed one in a test of the worker's dead-letter path.
   * @returns the message id
   */
  send(body: string, options: SendOptions = {}): string {
    if (typeof body !== 'string') throw new TypeError('[gitops-sentinel/queue] body must be a string');
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new TypeError('[gitops-sentinel/queue] delayMs must be a non-negative number');
    const messageId = randomUUID();
    const now = Date.now();
    this.#pending.push({ messageId, body, sentAt: now, receiveCount: 0, visibleAt: delayMs > 0 ? now + delayMs : 0 });
    this.#counts.enqueued++;
    if (delayMs > 0) this.#counts.delayed++;
    this.#pump();
    return messageId;
  }

  /** Starts delivering batches to the consumer. @throws TypeError when already started */
  start(consumer: InProcessQueueConsumer): void {
    if (typeof consumer !== 'function') throw new TypeError('[gitops-sentinel/queue] consumer must be a function');
    if (this.#consumer) throw new TypeError('[gitops-sentinel/queue] queue already started');
    this.#consumer = consumer;
    this.#pump();
  }

  /** Stops delivering new batches and waits for the batches in flight. Messages stay queued. */
  async stop(): Promise<void> {
    this.#consumer = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    await Promise.all([...this.#batches]);
    this.#notify();
  }

  /** Messages that used up their receives, oldest first. */
  deadLetters(): DeadLetter[] {
    return this.#dead.map((d) => ({ ...d }));
  }

  /** Counters and current depth. */
  stats(): InProcessQueueStats {
    return { ...this.#counts, pending: this.#pending.length, inFlight: this.#inFlight };
  }

  /**
   * Resolves once nothing is pending or in flight (every message succeeded or is a dead
   * letter). Waits on state changes, never on a timer of its own.
   * @throws Error when the queue is not started and messages are pending (they would never drain)
   */
  drain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.#pending.length === 0 && this.#inFlight === 0) {
          this.#waiters.delete(check);
          resolve();
        } else if (!this.#consumer && this.#inFlight === 0) {
          this.#waiters.delete(check);
          reject(new Error('[gitops-sentinel/queue] queue is not started; pending messages cannot drain'));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #pump(): void {
    if (!this.#consumer) return this.#notify();
    const now = Date.now();
    while (this.#inFlight < this.#concurrency) {
      const batch: Entry[] = [];
      for (let i = 0; i < this.#pending.length && batch.length < this.#batchSize;) {
        const e = this.#pending[i];
        if (e.visibleAt <= now) {
          batch.push(e);
          this.#pending.splice(i, 1);
        } else i++;
      }
      if (batch.length === 0) break;
      this.#deliver(batch, this.#consumer);
    }
    this.#schedule(now);
    this.#notify();
  }

  /** Wakes up when the next invisible message becomes visible (only while nothing else will). */
  #schedule(now: number): void {
    let next = Infinity;
    for (const e of this.#pending) if (e.visibleAt > now && e.visibleAt < next) next = e.visibleAt;
    if (next === Infinity || next >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, next - now);
    this.#timer.unref?.();
  }

  #deliver(entries: Entry[], consumer: InProcessQueueConsumer): void {
    this.#inFlight++;
    this.#counts.batches++;
    const now = Date.now();
    const records = entries.map((e) => {
      e.receiveCount++;
      e.firstReceivedAt ??= now;
      this.#counts.received++;
      return this.#record(e);
    });
    const run = (async () => {
      let failedIds: Set<string>;
      try {
        const response = await consumer({ Records: records });
        failedIds = failuresOf(response, entries);
      } catch {
        // A thrown error fails the whole batch, as with Lambda.
        failedIds = new Set(entries.map((e) => e.messageId));
      }
      for (const e of entries) {
        if (!failedIds.has(e.messageId)) {
          this.#counts.succeeded++;
          continue;
        }
        this.#counts.failed++;
        if (e.receiveCount >= this.#maxReceiveCount) {
          this.#dead.push({ messageId: e.messageId, body: e.body, receiveCount: e.receiveCount, deadAt: new Date().toISOString() });
          this.#counts.deadLettered++;
        } else {
          e.visibleAt = Date.now() + this.#visibilityTimeoutMs;
          this.#pending.push(e);
        }
      }
    })();
    this.#batches.add(run);
    void run.finally(() => {
      this.#batches.delete(run);
      this.#inFlight--;
      this.#pump();
    });
  }

  #record(e: Entry): InProcessQueueRecord {
    return {
      messageId: e.messageId,
      receiptHandle: `${e.messageId}#${e.receiveCount}`,
      body: e.body,
      attributes: {
        ApproximateReceiveCount: String(e.receiveCount),
        SentTimestamp: String(e.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(e.firstReceivedAt ?? e.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(e.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.#arn,
      awsRegion: 'local',
    };
  }
}

/**
 * Which messages failed, by Lambda's rules for `ReportBatchItemFailures`: an answer naming
 * an id that is not in the batch (or an empty/invalid id) fails the whole batch.
 */
function failuresOf(response: InProcessQueueBatchResponse | void | undefined, entries: Entry[]): Set<string> {
  const all = new Set(entries.map((e) => e.messageId));
  const list = response && typeof response === 'object' ? response.batchItemFailures : undefined;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return all;
  const failed = new Set<string>();
  for (const item of list) {
    const id = item && typeof item === 'object' ? item.itemIdentifier : undefined;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new TypeError(`[gitops-sentinel/queue] ${name} must be a positive integer`);
  return v;
}
