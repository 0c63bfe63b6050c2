/**
 * The deployed sync worker's wiring of `delivery.dead-lettered`: `buildCoreDeps` carries the
 * notification publisher when the function has the notification queue's URL and a rule names a
 * kind, and the worker built on it sends the event to that queue on a message's last receive. The
 * AWS SDK is mocked at the client; a body that is not a push needs neither DynamoDB nor ArgoCD.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseNotify } from '../../../functions/lib/queue/notification';
import { buildCoreDeps } from '../../../functions/lib/runtime/core-deps';
import { createSyncWorkerHandler } from '../../../functions/sync-worker/worker';

const NOTIFY_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sentinel-notify';

describe('deployed sync worker (delivery.dead-lettered)', () => {
  const sqs = mockClient(SQSClient);
  // The Powertools logger writes JSON lines to stdout (the junk body is logged as failed).
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  afterAll(() => {
    stdout.mockRestore();
    sqs.restore();
  });

  const env = (withQueue: boolean) => ({
    AWS_REGION: 'eu-west-1',
    SENTINEL_TABLE_PREFIX: 'deployed-dlq',
    ...(withQueue ? { SENTINEL_NOTIFY_QUEUE_URL: NOTIFY_URL } : {}),
    SENTINEL_CONFIG_JSON: JSON.stringify({
      instances: [{ name: 'prod', server: 'https://argocd.example.com', token: { secretId: 'argocd-token' } }],
      notify: {
        channels: [{ name: 'ops', type: 'webhook', url: 'https://hooks.example.com/x', secret: { secretId: 'hmac' } }],
        rules: [{ events: ['delivery.dead-lettered'], channels: ['ops'] }],
      },
    }),
  });
  const junk = (receiveCount: number) => ({ Records: [{ messageId: 'm-1', body: 'not json', attributes: { ApproximateReceiveCount: String(receiveCount) } }] });

  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({});
  });

  it('sends the event to the notification queue on the last receive only', async () => {
    const core = buildCoreDeps('sync-worker', env(true));
    const worker = createSyncWorkerHandler(core, { maxReceiveCount: 2 });

    await worker(junk(1));
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const last = await worker(junk(2));

    expect(last.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    const sends = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sends.map((s) => s.QueueUrl)).toEqual([NOTIFY_URL]);
    expect(parseNotify(sends[0].MessageBody!)).toMatchObject({ channel: 'ops', event: { kind: 'delivery.dead-lettered', details: { messageId: 'm-1' } } });
    core.argocd.close();
  });

  it('has no publisher (and sends nothing) without the notification queue URL', async () => {
    const core = buildCoreDeps('sync-worker', env(false));
    expect(core.notify).toBeUndefined();

    await createSyncWorkerHandler(core, { maxReceiveCount: 1 })(junk(1));

    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    core.argocd.close();
  });
});
