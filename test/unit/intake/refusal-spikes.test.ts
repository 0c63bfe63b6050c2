import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBRefusalCounter, refusedWindowPk } from '../../../functions/lib/intake/dynamodb-refusal-counter';
import { watchRefusalSpikes } from '../../../functions/lib/intake/refusal-spikes';
import type { Refusal, RefusalCounter } from '../../../functions/lib/intake/refusals';
import { NotificationPublisher } from '../../../functions/lib/notify/publisher';
import type { NotificationQueue, NotifyMessage } from '../../../functions/lib/queue/notification';
import { createTestTables } from '../../helpers/dynamo';

/** A notification queue that keeps what it was given (the port's contract: one message per channel). */
function keepingQueue(): NotificationQueue & { messages: NotifyMessage[] } {
  const messages: NotifyMessage[] = [];
  return { messages, publish: async (m) => void messages.push(m), deadLetter: async () => undefined };
}

const rules = (events: string[]) => ({ rules: [{ events: events as never, channels: ['ops'] }] });

describe('watchRefusalSpikes (webhook.refused-spike)', () => {
  let counter: DynamoDBRefusalCounter;
  let tables: Awaited<ReturnType<typeof createTestTables>>;

  beforeAll(async () => {
    tables = await createTestTables('spikes');
  });
  beforeEach(() => {
    counter = new DynamoDBRefusalCounter({ doc: tables.doc, tableName: tables.names.state });
  });

  const at = (iso: string): Refusal => ({ provider: 'github', reason: 'signature', at: new Date(iso) });

  it('queues one event for the refusal that reaches the threshold, none for the others in the window', async () => {
    // Prepare
    const queue = keepingQueue();
    const watched = watchRefusalSpikes(counter, {
      windows: counter,
      publisher: new NotificationPublisher({ config: rules(['webhook.refused-spike']), queue }),
      settings: { threshold: 3, windowMinutes: 5 },
    });

    // Act: seven refusals in the window 10:00-10:05
    for (let s = 0; s < 7; s++) await watched.count(at(`2026-03-01T10:0${Math.floor(s / 2)}:${10 + s}Z`));

    // Assess
    expect(queue.messages).toHaveLength(1);
    expect(queue.messages[0]).toMatchObject({
      channel: 'ops',
      event: {
        kind: 'webhook.refused-spike',
        subject: 'refused-spike:github:2026-03-01T10:00:00.000Z',
        details: { provider: 'github', windowStart: '2026-03-01T10:00:00.000Z', threshold: 3, windowMinutes: 5 },
      },
    });
    const { Items } = await tables.doc.send(
      new QueryCommand({
        TableName: tables.names.state,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': refusedWindowPk('2026-03-01T10:00:00.000Z') },
      }),
    );
    expect(Items).toEqual([expect.objectContaining({ sk: 'github', count: 7 })]);
  });

  it('queues exactly one event when the threshold is crossed by concurrent refusals', async () => {
    const queue = keepingQueue();
    const watched = watchRefusalSpikes(counter, {
      windows: counter,
      publisher: new NotificationPublisher({ config: rules(['webhook.refused-spike']), queue }),
      settings: { threshold: 10, windowMinutes: 5 },
    });

    await Promise.all(Array.from({ length: 25 }, (_, i) => watched.count(at(`2026-03-05T10:01:${String(10 + i)}Z`))));

    expect(queue.messages).toHaveLength(1);
  });

  it('starts a new count in the next window, and counts each provider apart', async () => {
    const queue = keepingQueue();
    const watched = watchRefusalSpikes(counter, {
      windows: counter,
      publisher: new NotificationPublisher({ config: rules(['webhook.refused-spike']), queue }),
      settings: { threshold: 2, windowMinutes: 5 },
    });

    await watched.count(at('2026-03-02T10:04:59Z'));
    await watched.count(at('2026-03-02T10:05:00Z'));
    await watched.count({ provider: 'gitlab', reason: 'signature', at: new Date('2026-03-02T10:05:01Z') });
    await watched.count(at('2026-03-02T10:06:00Z'));

    expect(queue.messages.map((m) => m.event.subject)).toEqual(['refused-spike:github:2026-03-02T10:05:00.000Z']);
  });

  it('leaves our own faults (internal, secret-unavailable) out of a spike, but still counts them', async () => {
    const queue = keepingQueue();
    const seen: Refusal[] = [];
    const inner: RefusalCounter = { count: async (r) => void seen.push(r) };
    const watched = watchRefusalSpikes(inner, {
      windows: counter,
      publisher: new NotificationPublisher({ config: rules(['webhook.refused-spike']), queue }),
      settings: { threshold: 1, windowMinutes: 5 },
    });

    await watched.count({ provider: 'github', reason: 'internal', at: new Date('2026-03-03T10:00:00Z') });
    await watched.count({ provider: 'github', reason: 'secret-unavailable', at: new Date('2026-03-03T10:00:01Z') });

    expect(seen).toHaveLength(2);
    expect(queue.messages).toEqual([]);
  });

  it('returns the counter itself when no rule names the kind, so a refusal costs no second write', () => {
    const queue = keepingQueue();
    const publisher = new NotificationPublisher({ config: rules(['drift.found']), queue });
    expect(watchRefusalSpikes(counter, { windows: counter, publisher, settings: { threshold: 1, windowMinutes: 5 } })).toBe(counter);
    expect(watchRefusalSpikes(counter, { windows: counter, publisher: undefined, settings: { threshold: 1, windowMinutes: 5 } })).toBe(counter);
  });

  it('answers the refusal even when the notification queue is down (logged, not thrown)', async () => {
    const errors: string[] = [];
    const watched = watchRefusalSpikes(counter, {
      windows: counter,
      publisher: new NotificationPublisher({
        config: rules(['webhook.refused-spike']),
        queue: { publish: async () => Promise.reject(new Error('queue down')), deadLetter: async () => undefined },
      }),
      settings: { threshold: 1, windowMinutes: 5 },
      log: { error: (m) => void errors.push(m) },
    });

    await expect(watched.count(at('2026-03-04T10:00:00Z'))).resolves.toBeUndefined();
    expect(errors).toEqual(['notify: could not queue a notification']);
  });
});
