import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidMessageError } from '../../../functions/lib/queue/errors';
import { parseFollowUp, serializeFollowUp, sqsDelaySeconds, type DeployCheckMessage } from '../../../functions/lib/queue/follow-up';
import { SQSFollowUpQueue } from '../../../functions/lib/queue/sqs-follow-up-queue';
import { InProcessQueue } from '../../../local/in-process-queue';

const check: DeployCheckMessage = {
  type: 'deploy.check',
  v: 1,
  trackId: 't-1',
  step: 2,
  checkId: 'c-1',
  instance: 'default',
  namespace: 'argocd',
  name: 'web',
};

describe('follow-up messages', () => {
  it('round-trips a deploy.check and refuses anything else', () => {
    expect(parseFollowUp(serializeFollowUp(check))).toEqual(check);
    for (const bad of [
      'nope',
      '{}',
      JSON.stringify({ ...check, type: 'push' }),
      JSON.stringify({ ...check, step: 0 }),
      JSON.stringify({ ...check, trackId: '' }),
      JSON.stringify({ ...check, v: 2 }),
    ]) {
      expect(() => parseFollowUp(bad)).toThrow(InvalidMessageError);
    }
  });

  it('maps delays to SQS DelaySeconds: whole seconds rounded up, 0..900', () => {
    expect([
      sqsDelaySeconds(0),
      sqsDelaySeconds(-1),
      sqsDelaySeconds(0.02),
      sqsDelaySeconds(10),
      sqsDelaySeconds(10.5),
      sqsDelaySeconds(5000),
      sqsDelaySeconds(NaN),
    ]).toEqual([0, 0, 1, 10, 11, 900, 0]);
  });
});

describe('SQSFollowUpQueue', () => {
  it('sends the message with DelaySeconds and a type attribute', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({});
    const queue = new SQSFollowUpQueue({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/follow-up', client: new SQSClient({}) });

    await queue.schedule(check, 37.2);

    const input = sqs.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(input).toMatchObject({ DelaySeconds: 38, MessageAttributes: { type: { DataType: 'String', StringValue: 'deploy.check' } } });
    expect(JSON.parse(input.MessageBody!)).toEqual(check);
    sqs.restore();
  });

  it('refuses a FIFO queue, which ignores per-message delays', () => {
    expect(() => new SQSFollowUpQueue({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/x.fifo' })).toThrow(TypeError);
  });
});

describe('InProcessQueue delays', () => {
  it('holds a delayed message back until its delay has passed, and drain waits for it', async () => {
    const queue = new InProcessQueue();
    const received: Array<{ body: string; at: number }> = [];
    queue.start((batch) => void received.push(...batch.Records.map((r) => ({ body: r.body, at: Date.now() }))));
    const sentAt = Date.now();

    await queue.schedule(check, 0.15);
    queue.send('now');
    await queue.drain();
    await queue.stop();

    expect(received.map((r) => r.body)).toEqual(['now', serializeFollowUp(check)]);
    expect(received[1].at - sentAt).toBeGreaterThanOrEqual(150);
    expect(queue.stats()).toMatchObject({ enqueued: 2, delayed: 1, succeeded: 2, pending: 0 });
  });
});
