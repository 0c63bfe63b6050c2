/**
 * Notifications on the local stack (issue 14 item 3 and its done-when): a drifted app becomes
 * exactly one Slack-shaped message on the local receiver, and a signed push becomes
 * `deploy.succeeded` and one signed generic-webhook delivery. Assertions are on what the local
 * receiver RECEIVED.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { freePort } from '../helpers/free-port';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'notify-flow-secret';
const HMAC = 'notify-flow-hmac-secret';
const REPO = 'https://github.com/acme/shop.git';
const COMMIT = '2e'.repeat(20);

describe('notifications on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const receiverPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'notify-flow-'));
    const config = join(dir, 'sentinel.yaml');
    writeFileSync(
      config,
      [
        'deploy: { firstCheckSeconds: 0.05, maxCheckSeconds: 0.2 }',
        'notify:',
        '  channels:',
        '    - { name: slack, type: slack, url: { env: SENTINEL_LOCAL_SLACK_URL } }',
        `    - { name: hook, type: webhook, url: 'http://127.0.0.1:${receiverPort}/webhook/ci', secret: { env: SENTINEL_LOCAL_WEBHOOK_SECRET } }`,
        '  rules:',
        '    - { events: [drift.found], channels: [slack] }',
        '    - { events: [deploy.succeeded], apps: [shop], channels: [hook] }',
        '',
      ].join('\n'),
    );
    stack = await startLocalStack({
      env: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        SENTINEL_CONFIG: config,
        SENTINEL_LOCAL_WEBHOOK_SECRET: HMAC,
        SENTINEL_TABLE_PREFIX: `notify-${randomUUID().slice(0, 8)}`,
      },
      port: 0,
      notifyReceiver: { port: receiverPort },
      dataDir: null,
      simulatorSyncMs: 100,
      simulatorSeed: {
        instances: {
          default: {
            apps: [
              { name: 'shop', annotations: { 'gitops-sentinel/sync-on-push': 'true' }, source: { repoURL: REPO, path: 'shop', targetRevision: 'main' } },
              { name: 'catalog', source: { repoURL: 'https://github.com/acme/catalog.git', path: 'catalog', targetRevision: 'main' } },
            ],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('turns a drifted app into exactly one Slack-shaped message on the local receiver', async () => {
    const receiver = stack.notifyReceiver!;
    const sim = stack.simulators!.instances.default.sim;
    sim.injectDrift({ name: 'catalog' }, { kind: 'Deployment', name: 'catalog', field: 'spec.replicas', value: 7 });
    const scan = () =>
      fetch(`${stack.url}/api/drift/scan`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: '{}' });

    expect((await scan()).status).toBe(200);
    const slack = () => receiver.received.filter((r) => r.kind === 'slack');
    await waitFor(() => slack().length === 1, 'the Slack message');
    // a second scan finds the same drift: no new drift.found, no second message
    expect((await scan()).status).toBe(200);
    await stack.notifications.drain();
    expect(slack()).toHaveLength(1);

    const [got] = receiver.received.filter((r) => r.kind === 'slack');
    expect(got).toMatchObject({ path: '/slack/local', status: 200 });
    const msg = got.json as { text: string; blocks: unknown[] };
    expect(msg.text).toMatch(/^:warning: Drift found: \*catalog\* \(default \/ default\) at `[0-9a-f]{7}`$/);
    expect(JSON.stringify(msg.blocks)).toContain('Deployment/catalog: spec.replicas');
    expect(JSON.stringify(msg.blocks)).toContain(`${stack.config.instances[0].server}/applications/argocd/catalog|Open in Argo CD`);
  });

  it('turns a signed push into deploy.succeeded and one signed generic-webhook delivery', async () => {
    const receiver = stack.notifyReceiver!;
    stack.simulators!.instances.default.sim.setHead(REPO, 'main', COMMIT);
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: COMMIT,
      repository: { html_url: 'https://github.com/acme/shop', clone_url: REPO, default_branch: 'main', full_name: 'acme/shop' },
      pusher: { name: 'octocat' },
      commits: [{ id: COMMIT, message: 'bump', timestamp: '2026-01-01T00:00:00Z', added: [], modified: ['shop/deploy.yaml'], removed: [] }],
      head_commit: { id: COMMIT },
    });
    expect((await postGitHubPush(stack.url, body, SECRET, deliveryId)).status).toBe(202);

    const hooks = () => receiver.received.filter((r) => r.kind === 'webhook');
    await waitFor(() => hooks().length === 1, 'the webhook delivery', 20_000);
    const [record] = (await stack.deps.auditStore.query({ deliveryId, kind: 'deploy.succeeded' })).items;
    const [got] = hooks();
    expect(got.headers['x-sentinel-signature']).toBe(`sha256=${createHmac('sha256', HMAC).update(got.body).digest('hex')}`);
    expect(got.json).toMatchObject({
      kind: 'deploy.succeeded',
      app: 'shop',
      revision: COMMIT,
      deliveryId,
      notificationId: got.headers['x-sentinel-delivery'],
      record: { id: record.id, hash: record.hash },
    });
    expect((got.json as { record: { details: { leadTimeMs: number } } }).record.details.leadTimeMs).toBe((record.details as { leadTimeMs: number }).leadTimeMs);
  });
});
