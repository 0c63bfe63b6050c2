/**
 * The deployed webhook's wiring of refusal spikes (`buildDeployedDeps`): with a rule naming
 * `webhook.refused-spike` and the notification queue's URL, the refusal that reaches the threshold
 * sends one message to that queue. The AWS SDK is mocked at the client (the DynamoDB window counter
 * itself runs on dynalite in test/unit/intake/refusal-spikes.test.ts).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parseNotify } from '../../../functions/lib/queue/notification';
import { buildDeployedDeps } from '../../../functions/webhook/handler';

const NOTIFY_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sentinel-notify';

describe('buildDeployedDeps (webhook.refused-spike)', () => {
  const sqs = mockClient(SQSClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  let windowCount = 0;
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  beforeEach(() => {
    sqs.reset();
    dynamo.reset();
    windowCount = 0;
    sqs.on(SendMessageCommand).resolves({});
    dynamo.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => {
      // The window item answers its new count; the per-day counter answers nothing.
      if (input.Key.pk.startsWith('refused-window#')) return { Attributes: { count: ++windowCount } };
      return {};
    });
  });
  afterAll(() => {
    stdout.mockRestore();
    sqs.restore();
    dynamo.restore();
  });

  const env = (rules: unknown[]) => ({
    AWS_REGION: 'eu-west-1',
    SENTINEL_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/sentinel-push',
    SENTINEL_NOTIFY_QUEUE_URL: NOTIFY_URL,
    SENTINEL_CONFIG_JSON: JSON.stringify({
      notify: {
        channels: [{ name: 'ops', type: 'webhook', url: 'https://hooks.example.com/x', secret: { secretId: 'hmac' } }],
        rules,
        refusedSpike: { threshold: 3, windowMinutes: 5 },
      },
    }),
  });

  it('queues one notification on the notify queue when refusals reach the threshold', async () => {
    const deps = buildDeployedDeps(env([{ events: ['webhook.refused-spike'], channels: ['ops'] }]));

    for (let i = 0; i < 5; i++) await deps.refusals!.count({ provider: 'gitlab', reason: 'signature', at: new Date('2026-05-01T12:00:00Z') });

    const sends = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sends).toHaveLength(1);
    expect(sends[0].QueueUrl).toBe(NOTIFY_URL);
    expect(parseNotify(sends[0].MessageBody!)).toMatchObject({
      channel: 'ops',
      event: { kind: 'webhook.refused-spike', details: { provider: 'gitlab', threshold: 3 } },
    });
  });

  it('writes no window counts and queues nothing when no rule names the kind', async () => {
    const deps = buildDeployedDeps(env([{ events: ['drift.found'], channels: ['ops'] }]));

    for (let i = 0; i < 5; i++) await deps.refusals!.count({ provider: 'gitlab', reason: 'signature', at: new Date('2026-05-01T12:00:00Z') });

    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const keys = dynamo.commandCalls(UpdateCommand).map((c) => (c.args[0].input.Key as { pk: string }).pk);
    expect(keys).toHaveLength(5);
    expect(keys.every((k) => k.startsWith('refused#'))).toBe(true);
  });
});
