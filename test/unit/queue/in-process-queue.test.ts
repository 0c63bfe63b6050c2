import { parsePushMessage, serializePushMessage, MAX_MESSAGE_BYTES } from '../../../functions/lib/queue/message';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { InProcessQueue, type InProcessQueueBatch } from '../../../local/in-process-queue';

const message = (ref: string): PushMessage => ({
  receivedAt: '2025-01-15T10:00:00.000Z',
  push: {
    provider: 'github',
    deliveryId: ref,
    repoUrls: ['https://github.com/acme/x'],
    revision: 'a'.repeat(40),
    ref,
    isTag: false,
    touchedHead: true,
    deleted: false,
    changedFiles: ['a.yaml'],
    pusher: 'me',
    commits: [],
  },
});

describe('InProcessQueue', () => {
  it('delivers SQS-shaped batches and removes what succeeded', async () => {
    const queue = new InProcessQueue({ batchSize: 10 });
    for (let i = 0; i < 25; i++) await queue.enqueue(message(`refs/heads/b${i}`));
    const batches: InProcessQueueBatch[] = [];
    queue.start((batch) => void batches.push(batch));
    await queue.drain();
    await queue.stop();
    const refs = batches.flatMap((b) => b.Records.map((r) => parsePushMessage(r.body).push.ref));
    expect(refs).toHaveLength(25);
    expect(new Set(refs).size).toBe(25);
    expect(batches.every((b) => b.Records.length <= 10)).toBe(true);
    expect(batches[0].Records[0]).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' }, messageId: expect.any(String) });
    expect(queue.stats()).toMatchObject({ enqueued: 25, received: 25, succeeded: 25, failed: 0, deadLettered: 0, pending: 0, inFlight: 0 });
  });

  it('retries only the items named in batchItemFailures, then dead-letters them after maxReceiveCount', async () => {
    const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0 });
    await queue.enqueue(message('refs/heads/good'));
    await queue.enqueue(message('refs/heads/bad'));
    const receives: Record<string, string[]> = {};
    queue.start((batch) => {
      const failures = [];
      for (const r of batch.Records) {
        const ref = parsePushMessage(r.body).push.ref;
        (receives[ref] ??= []).push(r.attributes.ApproximateReceiveCount);
        if (ref.endsWith('bad')) failures.push({ itemIdentifier: r.messageId });
      }
      return { batchItemFailures: failures };
    });
    await queue.drain();
    await queue.stop();
    expect(receives['refs/heads/good']).toEqual(['1']);
    expect(receives['refs/heads/bad']).toEqual(['1', '2', '3']);
    const dead = queue.deadLetters();
    expect(dead).toHaveLength(1);
    expect(parsePushMessage(dead[0].body).push.ref).toBe('refs/heads/bad');
    expect(dead[0].receiveCount).toBe(3);
    expect(queue.stats()).toMatchObject({ succeeded: 1, failed: 3, deadLettered: 1, pending: 0 });
  });

  it('fails the whole batch when the consumer throws or names an unknown id', async () => {
    const queue = new InProcessQueue({ maxReceiveCount: 2, visibilityTimeoutMs: 0 });
    await queue.enqueue(message('refs/heads/a'));
    await queue.enqueue(message('refs/heads/b'));
    let calls = 0;
    queue.start(() => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
    });
    await queue.drain();
    await queue.stop();
    expect(queue.deadLetters()).toHaveLength(2);
  });

  it('waits out the visibility timeout before a retry (drain waits on it without sleeping in the test)', async () => {
    const queue = new InProcessQueue({ maxReceiveCount: 2, visibilityTimeoutMs: 30 });
    await queue.enqueue(message('refs/heads/slow'));
    const at: number[] = [];
    queue.start((batch) => {
      at.push(Date.now());
      return { batchItemFailures: batch.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await queue.drain();
    await queue.stop();
    expect(at).toHaveLength(2);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(25);
  });

  it('refuses to drain when not started with messages pending, and rejects misuse', async () => {
    const queue = new InProcessQueue();
    queue.send('x');
    await expect(queue.drain()).rejects.toThrow(/not started/);
    expect(() => new InProcessQueue({ batchSize: 0 })).toThrow(TypeError);
    queue.start(() => undefined);
    expect(() => queue.start(() => undefined)).toThrow(/already started/);
    await queue.drain();
    await queue.stop();
  });
});

describe('serializePushMessage', () => {
  it('round-trips a message', () => {
    const m = message('refs/heads/main');
    expect(parsePushMessage(serializePushMessage(m))).toEqual(m);
  });
  it('stays under the SQS size limit by dropping detail in the safe direction', () => {
    const m = message('refs/heads/main');
    m.push.changedFiles = Array.from({ length: 10_000 }, (_, i) => `some/long/path/to/a/file/number/${i}/values.yaml`);
    m.push.commits = Array.from({ length: 2_000 }, (_, i) => ({ id: i.toString(16).padStart(40, '0'), message: 'x'.repeat(500) }));
    const json = serializePushMessage(m);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(parsePushMessage(json).push.changedFiles).toBeNull();
  });
  it('refuses bodies that are not push messages', () => {
    expect(() => parsePushMessage('nope')).toThrow(/not JSON/);
    expect(() => parsePushMessage('{"push":{}}')).toThrow(/not a PushMessage/);
  });
});
