/**
 * Notifications end to end at the library level: records appended through the
 * `NotifyingAuditStore` (real DynamoDB adapter on dynalite) are queued per channel on the
 * in-process queue, the notifier sends them to the local receiver over HTTP, and the assertions
 * are on what the receiver RECEIVED, what the dead letters hold and what the trail says.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBAuditStore } from '../../../functions/lib/audit';
import type { AuditInput } from '../../../functions/lib/audit/types';
import { defaults } from '../../../functions/lib/config/defaults';
import type { NotifyConfig } from '../../../functions/lib/config/types';
import { deliveryIdOf, NotificationLedger, NotificationPublisher, Notifier, NotifyingAuditStore, type NotifyResult } from '../../../functions/lib/notify';
import { parseNotify } from '../../../functions/lib/queue/notification';
import { EnvSecretsProvider } from '../../../functions/lib/secrets';
import { createNotifierHandler } from '../../../functions/notifier/worker';
import { InProcessQueue } from '../../../local/in-process-queue';
import { startNotifyReceiver, type NotifyReceiver } from '../../../local/notify-receiver';
import { waitFor } from '../../helpers/argocd-sim';
import { createTestTables } from '../../helpers/dynamo';

const HMAC = 'hmac-test-secret-7d1c';
const SLACK_TOKEN_PATH = 'T000/B000/slack-secret-path-93af';
const REV = 'a1b2c3d4'.repeat(5);

interface Env {
  receiver: NotifyReceiver;
  queue: InProcessQueue;
  audit: DynamoDBAuditStore;
  store: NotifyingAuditStore;
  notifier: Notifier;
  results: NotifyResult[];
  logs: string[];
  close(): Promise<void>;
}

async function startEnv(notify: Partial<NotifyConfig> = {}): Promise<Env> {
  const { doc, names } = await createTestTables('notify');
  const receiver = await startNotifyReceiver({ webhookSecret: HMAC });
  const env = { SLACK_URL: `${receiver.url}/slack/${SLACK_TOKEN_PATH}`, HOOK_SECRET: HMAC };
  const config: NotifyConfig = {
    ...defaults.notify,
    channels: [
      { name: 'team-slack', type: 'slack', url: { env: 'SLACK_URL' } },
      { name: 'ops-hook', type: 'webhook', url: `${receiver.url}/webhook/ops`, secret: { env: 'HOOK_SECRET' } },
    ],
    rules: [
      { events: ['drift.found', 'deploy.failed'], channels: ['team-slack'] },
      { events: ['deploy.succeeded'], instances: ['prod-*'], channels: ['ops-hook'] },
    ],
    maxAttempts: 3,
    backoffSeconds: 0.01,
    maxBackoffSeconds: 0.05,
    timeoutMs: 2000,
    ...notify,
  };
  const logs: string[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string, e?: Record<string, unknown>) => logs.push(`${m} ${JSON.stringify(e)}`),
    error: (m: string, e?: Record<string, unknown>) => logs.push(`${m} ${JSON.stringify(e)}`),
  };
  const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0, queueName: 'notify-test' });
  const audit = new DynamoDBAuditStore({ tableName: names.audit, client: doc });
  const store = new NotifyingAuditStore(audit, new NotificationPublisher({ config, queue, log }), log);
  const notifier = new Notifier({
    config: { notify: config, instances: [{ name: 'prod-eu', server: 'https://argocd.example.com' }] },
    ledger: new NotificationLedger({ doc, tableName: names.state }),
    queue,
    auditStore: audit,
    channels: { secrets: new EnvSecretsProvider(env), region: 'us-east-1' },
    log,
  });
  const results: NotifyResult[] = [];
  const consume = createNotifierHandler({ notifier, log, onResult: (r) => results.push(r) });
  queue.start((batch) => consume(batch));
  return {
    receiver,
    queue,
    audit,
    store,
    notifier,
    results,
    logs,
    close: async () => {
      await queue.stop();
      await receiver.close();
    },
  };
}

const driftFound = (over: Partial<AuditInput> = {}): AuditInput => ({
  kind: 'drift.found',
  outcome: 'info',
  actor: 'scheduler',
  instance: 'prod-eu',
  namespace: 'argocd',
  app: 'payments-api',
  project: 'payments',
  revision: REV,
  message: 'drift found: 1 resource(s) differ: ConfigMap/payments-api-config (data.LOG_LEVEL)',
  details: {
    drift: {
      source: 'managed-resources',
      resources: [{ kind: 'ConfigMap', namespace: 'payments', name: 'payments-api-config', change: 'modified', fields: ['data.LOG_LEVEL'] }],
    },
  },
  ...over,
});

describe('notifications', () => {
  let env: Env;
  afterEach(async () => {
    await env?.close();
  });

  it('sends a readable Slack message for drift.found: app, revision, what drifted, a link to Argo CD', async () => {
    env = await startEnv();
    await env.store.append(driftFound());
    await env.queue.drain();

    expect(env.receiver.received).toHaveLength(1);
    const [got] = env.receiver.received;
    expect(got.path).toBe(`/slack/${SLACK_TOKEN_PATH}`);
    const msg = got.json as { text: string; blocks: Array<{ text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }> };
    expect(msg.text).toBe(':warning: Drift found: *payments-api* (prod-eu / payments) at `a1b2c3d`');
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('ConfigMap/payments-api-config: data.LOG_LEVEL');
    expect(all).toContain('<https://argocd.example.com/applications/argocd/payments-api|Open in Argo CD>');
    expect(msg.blocks[1].fields!.map((f) => f.text)).toEqual(['*App*\npayments-api', '*Instance*\nprod-eu', '*Project*\npayments', '*Revision*\n`a1b2c3d`']);
  });

  it('escapes names for Slack, so a name cannot mention @channel or forge a link', async () => {
    env = await startEnv();
    await env.store.append(driftFound({ app: '<!channel>', message: 'see <https://evil.example|docs>' }));
    await env.queue.drain();
    const body = env.receiver.received[0].body;
    expect(body).not.toContain('<!channel>');
    expect(body).not.toContain('<https://evil.example');
    expect(body).toContain('&lt;!channel&gt;');
  });

  it('signs the generic webhook body with X-Sentinel-Signature (verifiable with the secret) and a delivery id; filters by instance glob', async () => {
    env = await startEnv();
    const base: AuditInput = {
      kind: 'deploy.succeeded',
      outcome: 'success',
      actor: 'webhook:github:octocat',
      app: 'shop',
      namespace: 'argocd',
      revision: REV,
      message: 'push a1b2c3d deployed and healthy in 4.2s',
      details: { leadTimeMs: 4200 },
    };
    await env.store.append({ ...base, instance: 'staging' }); // rule wants prod-*: not sent
    const record = await env.store.append({ ...base, instance: 'prod-eu' });
    await env.queue.drain();

    expect(env.receiver.received).toHaveLength(1);
    const [got] = env.receiver.received;
    const expected = `sha256=${createHmac('sha256', HMAC).update(got.body).digest('hex')}`;
    expect(got.headers['x-sentinel-signature']).toBe(expected);
    expect(got.signatureValid).toBe(true);
    expect(got.headers['x-sentinel-event']).toBe('deploy.succeeded');
    const body = got.json as Record<string, unknown>;
    expect(got.headers['x-sentinel-delivery']).toBe(body.notificationId);
    expect(body).toMatchObject({
      kind: 'deploy.succeeded',
      instance: 'prod-eu',
      app: 'shop',
      revision: REV,
      link: 'https://argocd.example.com/applications/argocd/shop',
    });
    expect(body.record).toEqual(JSON.parse(JSON.stringify(record)));
    expect(body.notificationId).toBe(
      deliveryIdOf({
        channel: 'ops-hook',
        event: { kind: 'deploy.succeeded', id: record.id, ts: record.ts, message: '', instance: 'prod-eu', namespace: 'argocd', app: 'shop', revision: REV },
      }),
    );
  });

  it('sends each (event, app, revision, channel) at most once: a second record, a redelivered body and concurrent copies send nothing more', async () => {
    env = await startEnv();
    await env.store.append(driftFound());
    await env.store.append(driftFound()); // the same event written twice (e.g. a retried append)
    await env.queue.drain();
    expect(env.receiver.received).toHaveLength(1);
    expect(env.results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'sent']);

    // SQS delivers the same body again: nothing is sent
    const message = {
      type: 'notify.send' as const,
      v: 1 as const,
      channel: 'team-slack',
      attempt: 1,
      event: {
        kind: 'drift.found' as const,
        id: randomUUID(),
        ts: new Date().toISOString(),
        message: 'x',
        instance: 'prod-eu',
        namespace: 'argocd',
        app: 'orders',
        revision: REV,
      },
    };
    const [a, b] = await Promise.all([env.notifier.handle(message), env.notifier.handle(message)]);
    expect([a.outcome, b.outcome].sort()).toEqual(['duplicate', 'sent']);
    expect(await env.notifier.handle(message)).toEqual({ outcome: 'duplicate' });
    expect(env.receiver.received).toHaveLength(2);
    // another revision of the same app is another event
    await env.notifier.handle({ ...message, event: { ...message.event, revision: 'b'.repeat(40) } });
    expect(env.receiver.received).toHaveLength(3);
  });

  it('retries 5xx with back-off until the receiver takes it', async () => {
    env = await startEnv();
    env.receiver.answerNext('/slack/', { status: 500 }, { status: 502 });
    await env.store.append(driftFound());
    await waitFor(() => env.results.some((r) => r.outcome === 'sent'), 'the third attempt', 10_000);
    await env.queue.drain();

    expect(env.receiver.received.map((r) => r.status)).toEqual([500, 502, 200]);
    expect(env.results.map((r) => [r.outcome, r.retryInSeconds])).toEqual([
      ['retrying', 0.01],
      ['retrying', 0.02],
      ['sent', undefined],
    ]);
    expect(env.queue.deadLetters()).toHaveLength(0);
  });

  it('honours Retry-After on a 429', async () => {
    env = await startEnv();
    env.receiver.answerNext('/slack/', { status: 429, headers: { 'retry-after': '1' } });
    await env.store.append(driftFound());
    await waitFor(() => env.results.some((r) => r.outcome === 'sent'), 'the retry', 10_000);

    expect(env.results[0]).toMatchObject({ outcome: 'retrying', retryInSeconds: 1, send: { ok: false, status: 429, retryAfterSeconds: 1 } });
    expect(env.receiver.received.map((r) => r.status)).toEqual([429, 200]);
  });

  it('dead-letters a 4xx after maxAttempts and audits notify.failed, with no secret anywhere', async () => {
    env = await startEnv();
    env.receiver.answerNext('/slack/', { status: 404, body: 'no_service' }, { status: 404, body: 'no_service' }, { status: 404, body: 'no_service' });
    await env.store.append(driftFound());
    await waitFor(() => env.queue.deadLetters().length === 1, 'the dead letter', 10_000);
    await env.queue.drain();

    expect(env.receiver.received.map((r) => r.status)).toEqual([404, 404, 404]);
    const [dead] = env.queue.deadLetters();
    const message = parseNotify(dead.body);
    expect(message).toMatchObject({
      channel: 'team-slack',
      attempt: 3,
      lastError: 'HTTP 404 (no_service)',
      event: { kind: 'drift.found', app: 'payments-api' },
    });

    const failed = (await env.audit.query({ kind: 'notify.failed' })).items;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      app: 'payments-api',
      revision: REV,
      outcome: 'failure',
      details: expect.objectContaining({ channel: 'team-slack', channelType: 'slack', event: 'drift.found', attempts: 3, status: 404 }),
    });
    for (const text of [JSON.stringify(failed), dead.body, env.logs.join('\n')]) {
      expect(text).not.toContain(SLACK_TOKEN_PATH);
      expect(text).not.toContain(env.receiver.url);
    }
    // notify.failed notifies nobody (no rule may name it): still three requests
    expect(env.receiver.received).toHaveLength(3);
  });

  it('retries a receiver that is down (connection refused) and names the error, not the URL', async () => {
    env = await startEnv({ maxAttempts: 2 });
    await env.receiver.close();
    await env.store.append(driftFound());
    await waitFor(() => env.results.length === 2, 'the second attempt', 10_000);
    expect(env.results.map((r) => r.outcome)).toEqual(['retrying', 'dead-lettered']);
    expect(env.queue.deadLetters()).toHaveLength(1);
    const reason = (env.results[1].send as { reason: string }).reason;
    expect(reason).toMatch(/^TypeError/);
    expect(reason).not.toContain('127.0.0.1');
  });

  it('retries a receiver that takes the request and never answers (timeout), naming the timeout, not the URL', async () => {
    // Prepare: a receiver that reads each request and holds it open
    const held: ServerResponse[] = [];
    const hanging = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`;
    try {
      env = await startEnv({
        maxAttempts: 2,
        timeoutMs: 200,
        channels: [{ name: 'ops-hook', type: 'webhook', url, secret: { env: 'HOOK_SECRET' } }],
        rules: [{ events: ['drift.found'], channels: ['ops-hook'] }],
      });

      // Act
      await env.store.append(driftFound());
      await waitFor(() => env.results.length === 2, 'the second attempt', 10_000);

      // Assess: both attempts reached the receiver; the message was retried, then dead-lettered
      expect(held).toHaveLength(2);
      expect(env.results.map((r) => r.outcome)).toEqual(['retrying', 'dead-lettered']);
      const reason = (env.results[0].send as { reason: string }).reason;
      expect(reason).toMatch(/Timeout|Abort/);
      expect(reason).not.toContain('127.0.0.1');
    } finally {
      for (const res of held) res.destroy();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});
