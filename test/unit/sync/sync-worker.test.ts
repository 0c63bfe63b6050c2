import { createSyncWorkerHandler } from '../../../functions/sync-worker/worker';
import { serializePushMessage } from '../../../functions/lib/queue/message';
import { NotificationPublisher } from '../../../functions/lib/notify/publisher';
import type { NotifyMessage } from '../../../functions/lib/queue/notification';
import { InProcessQueue } from '../../../local/in-process-queue';
import { auditOf, pushMessage, startSyncEnv, webSeed, type SyncEnv } from './fixtures';

describe('sync worker (Powertools Batch over SQS records)', () => {
  let env: SyncEnv;

  beforeEach(async () => {
    env = await startSyncEnv({ default: webSeed() });
  });
  afterEach(async () => {
    await env.close();
  });

  const record = (body: string, receiveCount = 1, messageId = `m-${Math.random()}`) => ({
    messageId,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  });

  /** Sends one message through an in-process queue (3 receives, no visibility delay) consumed by the worker, until it is done or dead. */
  async function throughQueue(message: ReturnType<typeof pushMessage>): Promise<InProcessQueue> {
    const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0 });
    queue.start(createSyncWorkerHandler(env.deps, { maxReceiveCount: 3 }));
    await queue.enqueue(message);
    await queue.drain();
    await queue.stop();
    return queue;
  }

  it('answers no failures when every push is handled', async () => {
    // Prepare
    const worker = createSyncWorkerHandler(env.deps, { maxReceiveCount: 3 });
    const messages = [pushMessage(), pushMessage()];

    // Act
    const response = await worker({ Records: messages.map((m) => record(serializePushMessage(m))) });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web')).toHaveLength(2);
  });

  it('lists only the records with undone actions, and a body that is not a push', async () => {
    // Prepare
    const worker = createSyncWorkerHandler(env.deps, { maxReceiveCount: 3 });
    env.sims.default.sim.injectFaults({ failRate: 1, pathPattern: '^/api/v1/applications/other$' });
    const ok = record(serializePushMessage(pushMessage()), 1, 'ok');
    const failing = record(serializePushMessage(pushMessage({ repoUrls: ['https://github.com/acme/other.git'] })), 1, 'failing');
    const junk = record('{"not":"a push"}', 1, 'junk');

    // Act
    const response = await worker({ Records: [ok, failing, junk] });

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['failing', 'junk']);
  });

  it('sends a push that keeps failing to the dead letters of the in-process queue, audited as app.failed once', async () => {
    // Prepare: the refresh of `web` always fails; every other app works
    env.sims.default.sim.injectFaults({ failRate: 1, failStatus: 500, pathPattern: '^/api/v1/applications/web$' });
    const message = pushMessage();

    // Act
    const queue = await throughQueue(message);

    // Assess
    expect(queue.deadLetters()).toHaveLength(1);
    expect(queue.deadLetters()[0]).toMatchObject({ receiveCount: 3 });
    expect(queue.stats()).toMatchObject({ received: 3, failed: 3, deadLettered: 1 });
    const records = await auditOf(env.audit, message.push.deliveryId);
    expect(records.filter((r) => r.kind === 'app.failed').map((r) => r.app)).toEqual(['web']);
    // The other five matching apps were acted on and audited once, on the first receive.
    expect(records.filter((r) => r.kind !== 'app.failed')).toHaveLength(5);
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web-auto')).toHaveLength(1);
    expect(env.sims.default.sim.requestsTo('POST', '/api/v1/applications/web-sop/sync')).toHaveLength(1);
    // Three receives of three attempts each (the client's own retries).
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(9);
  });

  it('finishes on a later receive once ArgoCD recovers, without repeating what was done', async () => {
    // Prepare: the first receive's 3 attempts on `web` fail, then ArgoCD answers again
    env.sims.default.sim.injectFaults({ failNext: 3, failStatus: 503, pathPattern: '^/api/v1/applications/web$' });
    const message = pushMessage();

    // Act
    const queue = await throughQueue(message);

    // Assess
    expect(queue.deadLetters()).toHaveLength(0);
    expect(queue.stats()).toMatchObject({ received: 2, succeeded: 1, failed: 1 });
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web')).toHaveLength(1);
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web-auto')).toHaveLength(1);
    const records = await auditOf(env.audit, message.push.deliveryId);
    expect(records.map((r) => r.kind).sort()).toEqual(['app.refreshed', 'app.refreshed', 'app.refreshed', 'app.skipped', 'app.skipped', 'app.synced'].sort());
  });

  describe('delivery.dead-lettered', () => {
    /** A publisher over a queue that keeps what it was given. */
    function notifications() {
      const messages: NotifyMessage[] = [];
      const publisher = new NotificationPublisher({
        config: { rules: [{ events: ['delivery.dead-lettered'], channels: ['ops'] }] },
        queue: { publish: async (m) => void messages.push(m), deadLetter: async () => undefined },
      });
      return { messages, publisher };
    }

    it('is queued on the last receive of a push left undone, not on the earlier ones', async () => {
      // Prepare: the refresh of `web` always fails
      env.sims.default.sim.injectFaults({ failRate: 1, failStatus: 500, pathPattern: '^/api/v1/applications/web$' });
      const { messages, publisher } = notifications();
      const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0 });
      const seenAt: number[] = [];
      const worker = createSyncWorkerHandler(env.deps, { maxReceiveCount: 3, notify: publisher });
      queue.start(async (batch) => {
        const response = await worker(batch);
        seenAt.push(messages.length);
        return response;
      });
      const message = pushMessage();

      // Act
      await queue.enqueue(message);
      await queue.drain();
      await queue.stop();

      // Assess: nothing after receives 1 and 2, one event after receive 3
      expect(queue.deadLetters()).toHaveLength(1);
      expect(seenAt).toEqual([0, 0, 1]);
      expect(messages[0].event).toMatchObject({
        kind: 'delivery.dead-lettered',
        instance: 'default',
        project: 'default',
        namespace: 'argocd',
        app: 'web',
        deliveryId: message.push.deliveryId,
        details: { queue: 'push', receiveCount: 3, undoneCount: 1 },
      });
    });

    it('is queued for a body that is not a push, on its last receive, without quoting the body', async () => {
      const { messages, publisher } = notifications();
      const worker = createSyncWorkerHandler(env.deps, { maxReceiveCount: 2, notify: publisher });

      const early = await worker({ Records: [record('{"secret":"s3cr3t"}', 1, 'junk')] });
      const last = await worker({ Records: [record('{"secret":"s3cr3t"}', 2, 'junk')] });

      expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
      expect(last.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
      expect(messages).toHaveLength(1);
      expect(messages[0].event).toMatchObject({ kind: 'delivery.dead-lettered', details: { queue: 'push', receiveCount: 2, messageId: 'junk' } });
      expect(messages[0].event.message).toBe(
        'queue message junk went to the dead-letter queue after 2 receive(s): the body is not a push message (InvalidMessageError)',
      );
      expect(JSON.stringify(messages[0])).not.toContain('s3cr3t');
    });

    it('names each unreachable instance in an event of its own', async () => {
      const { messages, publisher } = notifications();
      env.sims.default.sim.injectFaults({ failRate: 1, failStatus: 503, pathPattern: '^/api/v1/applications$' });
      const worker = createSyncWorkerHandler(env.deps, { maxReceiveCount: 1, notify: publisher });
      const message = pushMessage();

      const response = await worker({ Records: [record(serializePushMessage(message), 1, 'm1')] });

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
      expect(messages.map((m) => m.event)).toEqual([
        expect.objectContaining({
          kind: 'delivery.dead-lettered',
          instance: 'default',
          deliveryId: message.push.deliveryId,
          details: expect.objectContaining({ unreachable: true }),
        }),
      ]);
    });
  });
});
