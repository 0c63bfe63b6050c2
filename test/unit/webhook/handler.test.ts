import { createHmac, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDBAuditStore } from '../../../functions/lib/audit/dynamodb-audit-store';
import type { AuditStore } from '../../../functions/lib/audit/audit-store';
import type { AuditInput, AuditRecord } from '../../../functions/lib/audit/types';
import { loadConfig } from '../../../functions/lib/config/index';
import { DynamoDBDeliveryLedgerStore } from '../../../functions/lib/intake/dynamodb-delivery-ledger-store';
import type { Refusal } from '../../../functions/lib/intake/index';
import { parsePushMessage } from '../../../functions/lib/queue/message';
import type { PushMessage, PushQueue } from '../../../functions/lib/queue/types';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { createWebhookHandler, type WebhookHandlerDeps } from '../../../functions/webhook/handler';
import { INTERNAL_ERROR_MESSAGE } from '../../../functions/webhook/responses';
import { InProcessQueue } from '../../../local/in-process-queue';
import { createTestTables } from '../../helpers/dynamo';
import { loadEvent, sample, signFor, TEST_ENV, TEST_SECRET } from '../providers/fixtures';

type Tables = Awaited<ReturnType<typeof createTestTables>>;

/** Every record appended, as stored (the real DynamoDB store underneath). */
class RecordingAuditStore implements AuditStore {
  readonly records: AuditRecord[] = [];
  constructor(private readonly inner: AuditStore) {}
  async append(input: AuditInput): Promise<AuditRecord> {
    const r = await this.inner.append(input);
    this.records.push(r);
    return r;
  }
  query = (q: Parameters<AuditStore['query']>[0]) => this.inner.query(q);
  verify = (o?: Parameters<AuditStore['verify']>[0]) => this.inner.verify(o);
}

/** A queue recording messages exactly as they would be sent, on top of the in-process queue. */
class RecordingQueue implements PushQueue {
  readonly bodies: PushMessage[] = [];
  fail = false;
  readonly inner = new InProcessQueue({ visibilityTimeoutMs: 0 });
  async enqueue(message: PushMessage): Promise<void> {
    if (this.fail) throw new Error(`SQS is down (secret ${TEST_SECRET} must never leak)`);
    this.bodies.push(message);
    await this.inner.enqueue(message);
  }
}

let tables: Tables;
const logLines: string[] = [];
const captureLog = {
  debug: (m: string, e?: Record<string, unknown>) => logLines.push(`${m} ${JSON.stringify(e ?? {})}`),
  info: (m: string, e?: Record<string, unknown>) => logLines.push(`${m} ${JSON.stringify(e ?? {})}`),
  warn: (m: string, e?: Record<string, unknown>) => logLines.push(`${m} ${JSON.stringify(e ?? {})}`),
  error: (m: string, e?: Record<string, unknown>) => logLines.push(`${m} ${JSON.stringify(e ?? {})}`),
};
const responses: APIGatewayProxyStructuredResultV2[] = [];
const audits: RecordingAuditStore[] = [];

beforeAll(async () => {
  tables = await createTestTables('webhook');
});

function setup(env: Record<string, string> = TEST_ENV) {
  const audit = new RecordingAuditStore(new DynamoDBAuditStore({ tableName: tables.names.audit, client: tables.doc, logger: captureLog }));
  audits.push(audit);
  const queue = new RecordingQueue();
  const deps: WebhookHandlerDeps = {
    config: loadConfig(env),
    secrets: new EnvSecretsProvider(env),
    queue,
    auditStore: audit,
    ledger: new DynamoDBDeliveryLedgerStore({ doc: tables.doc, tableName: tables.names.idempotency }),
    refusals: { count: async (r) => void refused.push(r) },
    log: captureLog,
  };
  const refused: Refusal[] = [];
  const handler = createWebhookHandler(deps);
  const call = async (event: APIGatewayProxyEventV2) => {
    const r = await handler(event);
    responses.push(r);
    return { ...r, json: JSON.parse(r.body as string) as Record<string, unknown> };
  };
  return { call, audit, queue, deps, refused };
}

/**
 * The body with a unique extra top-level field (providers ignore unknown fields), so tests
 * sharing the tables do not collide in the body-hash dedupe.
 */
function withNonce(body: string, nonce: string): string {
  if (body.startsWith('payload=')) {
    const form = new URLSearchParams(body);
    form.set('payload', withNonce(form.get('payload') ?? '', nonce));
    return form.toString();
  }
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return JSON.stringify({ ...json, test_nonce: nonce });
  } catch {
    // not JSON: left as it is (the malformed-body tests)
  }
  return body;
}

/** A sample event with a fresh delivery id and body (so tests sharing the tables do not collide). */
function fresh(name: string, mutate?: (body: string) => string): APIGatewayProxyEventV2 {
  const event = loadEvent(name);
  const { body, headers } = sample(name);
  const provider = name.startsWith('azure')
    ? 'azure-devops'
    : name.startsWith('bitbucket-cloud')
      ? 'bitbucket-cloud'
      : name.startsWith('bitbucket-server')
        ? 'bitbucket-server'
        : name.split('-')[0];
  let newBody = mutate ? mutate(withNonce(body, randomUUID())) : withNonce(body, randomUUID());
  const id = randomUUID();
  for (const h of ['x-github-delivery', 'x-gitlab-event-uuid', 'x-request-uuid', 'x-request-id', 'x-gitea-delivery', 'x-gogs-delivery'])
    if (headers[h]) headers[h] = id;
  if (provider === 'azure-devops') newBody = JSON.stringify({ ...JSON.parse(newBody), id });
  const signed = signFor(provider, headers, newBody);
  return { ...event, headers: signed, body: event.isBase64Encoded ? Buffer.from(newBody).toString('base64') : newBody };
}

describe('webhook handler', () => {
  it.each([
    'github-push',
    'github-push-base64',
    'github-push-form',
    'github-tag',
    'github-branch-delete',
    'gitlab-push',
    'gitlab-tag-push',
    'gitlab-system-hook',
    'bitbucket-cloud-push',
    'bitbucket-server-push',
    'gitea-push',
    'gogs-push',
    'azure-devops-push',
  ])('answers 202 queued for %s, enqueues it once and audits webhook.received', async (name) => {
    // Prepare
    const { call, queue, audit } = setup();
    const event = fresh(name);
    // Act
    const res = await call(event);
    // Assess
    expect(res.statusCode).toBe(202);
    expect(res.json).toMatchObject({ status: 'queued' });
    expect(queue.bodies).toHaveLength(1);
    expect(queue.inner.stats().enqueued).toBe(1);
    expect(queue.bodies[0].push.deliveryId).toBe(res.json.deliveryId);
    expect(audit.records.map((r) => r.kind)).toEqual(['webhook.received']);
    expect(audit.records[0]).toMatchObject({ outcome: 'success', deliveryId: res.json.deliveryId });
    expect(audit.records[0].revision ?? '').toBe(queue.bodies[0].push.revision);
  });

  it('answers 200 ignored with the reason for pings and non-push events, and audits webhook.ignored', async () => {
    const { call, queue, audit } = setup();
    for (const name of ['github-ping', 'github-ghcr-package', 'bitbucket-server-ping']) {
      const res = await call(fresh(name));
      expect(res.statusCode).toBe(200);
      expect(res.json).toMatchObject({ status: 'ignored', reason: expect.any(String) });
    }
    expect(queue.bodies).toHaveLength(0);
    expect(audit.records.map((r) => r.kind)).toEqual(['webhook.ignored', 'webhook.ignored', 'webhook.ignored']);
  });

  it('answers 202 duplicate for a re-sent delivery, enqueues it once and audits webhook.duplicate', async () => {
    const { call, queue, audit } = setup();
    const event = fresh('github-push');
    const first = await call(event);
    const second = await call(event);
    const third = await call(event);
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([202, 202, 202]);
    expect([first.json.status, second.json.status, third.json.status]).toEqual(['queued', 'duplicate', 'duplicate']);
    expect(queue.bodies).toHaveLength(1);
    expect(audit.records.map((r) => r.kind)).toEqual(['webhook.received', 'webhook.duplicate', 'webhook.duplicate']);
    expect(audit.records[1].details).toMatchObject({ firstReceivedAt: audit.records[0].ts });
  });

  it('dedupes deliveries without an id by the hash of their body', async () => {
    const { call, queue } = setup();
    const event = fresh('gogs-push', (b) => b.replace('New commit message', `msg ${randomUUID()}`));
    delete event.headers['x-gogs-delivery'];
    expect((await call(event)).json.status).toBe('queued');
    const again = await call(event);
    expect(again.json).toMatchObject({ status: 'duplicate', deliveryId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(queue.bodies).toHaveLength(1);
  });

  it("refuses (409) a replayed delivery id with a different, validly signed body, counts it, and keeps it out of that delivery's trail", async () => {
    const { call, queue, audit, refused } = setup();
    const original = fresh('github-push');
    await call(original);
    const id = original.headers['x-github-delivery'];
    const tampered = fresh('github-push', (b) => b.replace('Add staging-argocd-demo environment', 'something else'));
    const headers = { ...tampered.headers, 'x-github-delivery': id! };
    const res = await call({ ...tampered, headers });
    expect(res.statusCode).toBe(409);
    expect(res.json).toMatchObject({ status: 'refused', error: 'delivery-conflict', message: expect.stringContaining(id!) });
    expect(queue.bodies).toHaveLength(1);
    expect(refused).toEqual([expect.objectContaining({ provider: 'github', reason: 'delivery-conflict' })]);
    // The trail of the real delivery, as stored in DynamoDB, holds only what was verified and accepted.
    const page = await audit.query({ deliveryId: id });
    expect(page.items.map((r) => r.kind)).toEqual(['webhook.received']);
  });

  it('answers 401 for a bad signature, counts and logs the refusal without the payload, writes no audit record, enqueues nothing', async () => {
    const { call, queue, audit, refused } = setup();
    const event = fresh('github-push');
    event.headers['x-hub-signature-256'] = `sha256=${'0'.repeat(64)}`;
    const res = await call(event);
    expect(res.statusCode).toBe(401);
    expect(res.json).toMatchObject({ status: 'refused', error: 'signature' });
    expect(queue.bodies).toHaveLength(0);
    expect(audit.records).toHaveLength(0);
    expect(refused).toEqual([expect.objectContaining({ provider: 'github', reason: 'signature' })]);
    const line = logLines.find((l) => l.startsWith('webhook refused') && l.includes(event.headers['x-github-delivery']!));
    expect(line).toBeDefined();
    expect(JSON.parse(line!.slice(line!.indexOf('{')))).toMatchObject({
      provider: 'github',
      reason: 'signature',
      verified: false,
      bodySha256: expect.any(String),
    });
    expect(logLines.join('\n')).not.toContain('jessesuen');
  });

  it.each([
    ['gitlab-push', 'x-gitlab-token'],
    ['bitbucket-cloud-push', 'x-hook-uuid'],
    ['azure-devops-push', 'authorization'],
    ['gogs-push', 'x-gogs-signature'],
    ['bitbucket-server-push', 'x-hub-signature'],
  ])('answers 401 for %s without %s', async (name, header) => {
    const { call, queue } = setup();
    const event = fresh(name);
    delete event.headers[header];
    expect((await call(event)).statusCode).toBe(401);
    expect(queue.bodies).toHaveLength(0);
  });

  it('answers 401 naming the setting when the provider has no secret configured', async () => {
    const { GITHUB_WEBHOOK_SECRET: _unused, ...env } = TEST_ENV;
    const { call, queue, audit, refused } = setup(env);
    const res = await call(fresh('github-push'));
    expect(res.statusCode).toBe(401);
    expect(res.json).toMatchObject({ error: 'no-secret', settings: ['GITHUB_WEBHOOK_SECRET'], message: expect.stringContaining('GITHUB_WEBHOOK_SECRET') });
    expect(queue.bodies).toHaveLength(0);
    expect(audit.records).toHaveLength(0);
    expect(refused).toEqual([expect.objectContaining({ provider: 'github', reason: 'no-secret' })]);
    const gitea = await call(fresh('gitea-push'));
    expect(gitea.statusCode).toBe(202);
  });

  it('accepts deliveries signed with any secret of a rotation, and fails closed (503) on a bad signature when one of them is gone', async () => {
    const { GITHUB_WEBHOOK_SECRET: _gh, AZURE_DEVOPS_PASSWORD: _az, ...rest } = TEST_ENV;
    const secrets = { github: [{ env: 'GH_NEW' }, { env: 'GH_OLD' }, { env: 'GH_DELETED' }], azureDevOpsPassword: [{ env: 'AZ_NEW' }, { env: 'AZ_OLD' }] };
    const env = {
      ...rest,
      GH_NEW: 'new-github-secret',
      GH_OLD: TEST_SECRET,
      AZ_NEW: 'new-azure-password',
      AZ_OLD: TEST_SECRET,
      SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets } }),
    };
    const { call, queue } = setup(env);
    // Signed with the old secret (the fixtures sign with TEST_SECRET), then with the new one.
    expect((await call(fresh('github-push'))).statusCode).toBe(202);
    const withNew = fresh('github-push');
    const body = withNew.body as string;
    withNew.headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', 'new-github-secret').update(body).digest('hex')}`;
    expect((await call(withNew)).statusCode).toBe(202);
    const withOther = fresh('github-push');
    withOther.headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', 'not-configured')
      .update(withOther.body as string)
      .digest('hex')}`;
    // GH_DELETED cannot be loaded and may be the one that signed: 503 (the provider retries), never 401 or unsigned.
    const other = await call(withOther);
    expect(other.statusCode).toBe(503);
    expect(other.json).toMatchObject({ error: 'secret-unavailable' });
    // Azure DevOps: the username with either password.
    expect((await call(fresh('azure-devops-push'))).statusCode).toBe(202);
    const azure = fresh('azure-devops-push');
    azure.headers.authorization = `Basic ${Buffer.from(`${TEST_ENV.AZURE_DEVOPS_USERNAME}:new-azure-password`).toString('base64')}`;
    expect((await call(azure)).statusCode).toBe(202);
    expect(queue.bodies).toHaveLength(4);
    // GH_DELETED is not in the environment: logged, the other two still verify.
    expect(logLines.some((l) => l.includes('webhook secret is configured but cannot be loaded') && l.includes('GH_DELETED'))).toBe(true);
    expect(logLines.join('\n')).not.toContain('new-github-secret');
  });

  it('names both Azure DevOps settings and GOGS_WEBHOOK_SECRET for Gitea', async () => {
    const { call } = setup({});
    expect((await call(fresh('azure-devops-push'))).json.settings).toEqual(['AZURE_DEVOPS_USERNAME', 'AZURE_DEVOPS_PASSWORD']);
    expect((await call(fresh('gitea-push'))).json.settings).toEqual(['GOGS_WEBHOOK_SECRET']);
  });

  it('accepts unsigned deliveries from unconfigured providers when SENTINEL_ALLOW_UNSIGNED=true, and still verifies configured ones', async () => {
    const { call, queue, audit } = setup({ SENTINEL_ALLOW_UNSIGNED: 'true', GITLAB_WEBHOOK_SECRET: TEST_SECRET });
    const event = fresh('github-push');
    delete event.headers['x-hub-signature-256'];
    const res = await call(event);
    expect(res.statusCode).toBe(202);
    expect(audit.records[0].details).toMatchObject({ unsigned: true });
    const gitlab = fresh('gitlab-push');
    gitlab.headers['x-gitlab-token'] = 'wrong';
    expect((await call(gitlab)).statusCode).toBe(401);
    expect(queue.bodies).toHaveLength(1);
  });

  it('answers 400 with a one-line reason for a signed but malformed body, counted, not audited', async () => {
    const { call, queue, audit, refused } = setup();
    for (const body of ['{not json', '[]', '{}', JSON.stringify({ ref: 'refs/heads/main', after: 'nope' })]) {
      const res = await call(fresh('github-push', () => body));
      expect(res.statusCode).toBe(400);
      expect(res.json).toMatchObject({ status: 'refused', error: 'malformed' });
      expect(String(res.json.message)).not.toMatch(/\n/);
    }
    expect(queue.bodies).toHaveLength(0);
    expect(audit.records).toHaveLength(0);
    expect(refused.map((r) => r.reason)).toEqual(['malformed', 'malformed', 'malformed', 'malformed']);
  });

  it('answers 400 for unknown provider headers and for an empty body', async () => {
    const { call } = setup();
    const event = fresh('github-push');
    const unknown = await call({ ...event, headers: { 'content-type': 'application/json' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json).toMatchObject({ error: 'unknown-provider' });
    const empty = await call(fresh('github-push', () => ''));
    expect(empty.statusCode).toBe(400);
    expect(empty.json.message).toBe('body is empty');
  });

  it('answers 413 over the size limit, before verifying, for plain and base64 bodies', async () => {
    const { call, queue, audit, refused } = setup({ ...TEST_ENV, SENTINEL_MAX_BODY_BYTES: '1024' });
    const res = await call(fresh('github-push'));
    expect(res.statusCode).toBe(413);
    expect((await call(fresh('github-push-base64'))).statusCode).toBe(413);
    expect(queue.bodies).toHaveLength(0);
    expect(audit.records).toHaveLength(0);
    expect(refused.map((r) => r.reason)).toEqual(['too-large', 'too-large']);
  });

  it('answers 405 for a method other than POST', async () => {
    const { call, audit } = setup();
    const event = fresh('github-push');
    const res = await call({ ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'GET' } } });
    expect(res.statusCode).toBe(405);
    expect(res.headers).toMatchObject({ allow: 'POST' });
    expect(audit.records).toHaveLength(0);
  });

  it('answers 500 with a fixed message when the queue fails, logs and counts the failure, and a retry then succeeds', async () => {
    const { call, queue, audit, refused } = setup();
    const event = fresh('github-push');
    queue.fail = true;
    const res = await call(event);
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ status: 'error', message: INTERNAL_ERROR_MESSAGE });
    expect(audit.records).toHaveLength(0);
    expect(refused).toEqual([expect.objectContaining({ reason: 'internal' })]);
    expect(logLines.some((l) => l.startsWith('webhook failed') && l.includes(event.headers['x-github-delivery']!))).toBe(true);
    queue.fail = false;
    const retry = await call(event);
    expect(retry.statusCode).toBe(202);
    expect(retry.json.status).toBe('queued');
  });

  it('enqueues a message the worker can parse, with the SQS-shaped record', async () => {
    const { call, queue } = setup();
    await call(fresh('gitlab-push'));
    const seen: string[] = [];
    queue.inner.start((batch) => {
      seen.push(...batch.Records.map((r) => parsePushMessage(r.body).push.ref));
    });
    await queue.inner.drain();
    await queue.inner.stop();
    expect(seen).toEqual(['refs/heads/master']);
  });

  it('never puts a secret in a response, an audit record or a log line', () => {
    const secrets = [TEST_SECRET, 'c2VudGluZWw6c2VudGluZWwtdGVzdC1zZWNyZXQ=', TEST_ENV.BITBUCKET_WEBHOOK_UUID, '8b2f3c5e-1d2a-4e6f-9a0b-7c1d2e3f4a5b'];
    const text = JSON.stringify({ responses, audits: audits.map((a) => a.records), logLines });
    expect(responses.length).toBeGreaterThan(30);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
  });
});
