/**
 * The notification kinds that come from no audit record (issue 14 item 3), end to end on the local
 * stack: a push that ends in the push queue's dead letters, an audit verify that finds a break,
 * a spike of refused webhook requests. Assertions are on what the local receiver RECEIVED.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { ReceivedNotification } from '../../local/notify-receiver';
import { rewriteAndRehash } from '../helpers/audit-attacker';
import { waitFor } from '../helpers/argocd-sim';
import { freePort } from '../helpers/free-port';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'notify-sources-secret';
const HMAC = 'notify-sources-hmac';
const REPO = 'https://github.com/acme/store.git';
const COMMIT = '3f'.repeat(20);

type Body = { kind: string; [key: string]: unknown };

describe('notifications of dead letters, failed verifies and refusal spikes on the local stack', () => {
  let stack: LocalStack;
  const received = (kind: string, path = '/webhook/ops'): Array<ReceivedNotification & { json: Body }> =>
    stack.notifyReceiver!.received.filter((r): r is ReceivedNotification & { json: Body } => r.path === path && (r.json as Body | undefined)?.kind === kind);

  beforeAll(async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'notify-sources-'));
    const config = join(dir, 'sentinel.yaml');
    writeFileSync(
      config,
      [
        // No client retries: each receive of the failing push makes one call per app.
        'argocd: { retries: 0 }',
        'notify:',
        '  maxAttempts: 2',
        '  backoffSeconds: 0.05',
        '  maxBackoffSeconds: 0.1',
        '  refusedSpike: { threshold: 3, windowMinutes: 1440 }',
        '  channels:',
        `    - { name: ops, type: webhook, url: 'http://127.0.0.1:${port}/webhook/ops', secret: { env: SENTINEL_LOCAL_WEBHOOK_SECRET } }`,
        `    - { name: broken, type: webhook, url: 'http://127.0.0.1:${port}/webhook/broken', secret: { env: SENTINEL_LOCAL_WEBHOOK_SECRET } }`,
        '  rules:',
        "    - { events: [delivery.dead-lettered], projects: ['shop-*'], channels: [ops] }",
        '    - { events: [audit.verify-failed, webhook.refused-spike], channels: [ops] }',
        '    - { events: [webhook.refused-spike], channels: [broken] }',
        '',
      ].join('\n'),
    );
    stack = await startLocalStack({
      env: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        SENTINEL_CONFIG: config,
        SENTINEL_LOCAL_WEBHOOK_SECRET: HMAC,
        SENTINEL_TABLE_PREFIX: `notify-src-${randomUUID().slice(0, 8)}`,
      },
      port: 0,
      notifyReceiver: { port },
      dataDir: null,
      simulatorSyncMs: 100,
      simulatorSeed: {
        instances: {
          default: {
            apps: [
              { name: 'shop', project: 'shop-prod', source: { repoURL: REPO, path: 'shop', targetRevision: 'main' } },
              { name: 'cart', project: 'shop-prod', source: { repoURL: REPO, path: 'cart', targetRevision: 'main' } },
              { name: 'billing', project: 'payments', source: { repoURL: REPO, path: 'billing', targetRevision: 'main' } },
            ],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('tells the rules whose project matches, once, when a push ends in the dead letters', async () => {
    // Prepare: the refreshes of shop and billing always fail; cart's works
    const sim = stack.simulators!.instances.default.sim;
    sim.injectFaults({ failRate: 1, failStatus: 500, pathPattern: '^/api/v1/applications/(shop|billing)$' });
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: COMMIT,
      repository: { html_url: 'https://github.com/acme/store', clone_url: REPO, default_branch: 'main', full_name: 'acme/store' },
      pusher: { name: 'octocat' },
      commits: [
        {
          id: COMMIT,
          message: 'bump PAYLOAD-MARKER-7f3',
          timestamp: '2026-01-01T00:00:00Z',
          added: [],
          modified: ['shop/a.yaml', 'cart/b.yaml', 'billing/c.yaml'],
          removed: [],
        },
      ],
      head_commit: { id: COMMIT },
    });

    // Act
    expect((await postGitHubPush(stack.url, body, SECRET, deliveryId)).status).toBe(202);
    await waitFor(() => stack.queue.deadLetters().length === 1, 'the push in the dead letters', 30_000);
    await waitFor(() => received('delivery.dead-lettered').length === 1, 'the dead-letter notification', 20_000);
    await stack.notifications.drain();
    sim.clearFaults();

    // Assess: the shop-prod group only (billing is in payments, which the rule does not name); one message
    const got = received('delivery.dead-lettered');
    expect(got).toHaveLength(1);
    expect(got[0].signatureValid).toBe(true);
    expect(got[0].headers['x-sentinel-signature']).toBe(`sha256=${createHmac('sha256', HMAC).update(got[0].body).digest('hex')}`);
    expect(got[0].json).toMatchObject({
      kind: 'delivery.dead-lettered',
      instance: 'default',
      project: 'shop-prod',
      app: 'shop',
      revision: COMMIT,
      deliveryId,
      details: { queue: 'push', receiveCount: 3, undoneCount: 1, undone: [{ instance: 'default', name: 'shop', project: 'shop-prod', action: 'refresh' }] },
    });
    expect(got[0].json.message).toMatch(
      new RegExp(
        `^push ${deliveryId} \\(github refs/heads/main\\) went to the dead-letter queue after 3 receive\\(s\\): 1 action\\(s\\) undone on ` +
          `default/shop-prod: shop \\(refresh: `,
      ),
    );
    // cart was refreshed on the first receive: not named; nothing of the payload is quoted
    expect(got[0].body).not.toContain('cart');
    expect(got[0].body).not.toContain('PAYLOAD-MARKER');
    const failed = (await stack.deps.auditStore.query({ deliveryId, kind: 'app.failed' })).items.map((r) => r.app).sort();
    expect(failed).toEqual(['billing', 'shop']);
  });

  it('tells once that audit verify found a break, naming the chain and position but not the edited content', async () => {
    // Prepare: an attacker with PutItem edits a record's message in place
    const [victim] = (await stack.deps.auditStore.query({ limit: 1 })).items;
    const key = { chain: victim.chain, seq: victim.seq };
    const { Item } = await stack.deps.doc.send(new GetCommand({ TableName: stack.tables.audit, Key: key }));
    await stack.deps.doc.send(new PutCommand({ TableName: stack.tables.audit, Item: { ...Item, message: 'EDITED-BY-ATTACKER token=hunter2' } }));
    const verify = () => fetch(`${stack.url}/api/audit/verify`, { headers: stack.authHeaders });

    // Act
    const first = await verify();
    const report = (await first.json()) as { ok: boolean; breaks: Array<{ chain: string; seq: number; reason: string }> };
    await waitFor(() => received('audit.verify-failed').length === 1, 'the verify-failed notification', 20_000);
    // the same break found again is the same event: no second message
    expect((await verify()).status).toBe(200);
    await stack.notifications.drain();

    // Assess
    expect(first.status).toBe(200);
    expect(report.ok).toBe(false);
    expect(report.breaks).toContainEqual(expect.objectContaining({ chain: victim.chain, seq: victim.seq, reason: 'hash-mismatch' }));
    const got = received('audit.verify-failed');
    expect(got).toHaveLength(1);
    expect(got[0].json).toMatchObject({ kind: 'audit.verify-failed', outcome: 'failure', details: { source: 'verify', breaks: report.breaks.length } });
    expect((got[0].json.details as { failures: unknown[] }).failures).toContainEqual({ chain: victim.chain, seq: victim.seq, reason: 'hash-mismatch' });
    expect(got[0].json.message).toContain(`hash-mismatch in ${victim.chain} at seq ${victim.seq}`);
    expect(got[0].body).not.toContain('EDITED-BY-ATTACKER');
    expect(got[0].body).not.toContain('hunter2');
    // a trail-wide event: no instance, project or app to filter on
    expect(got[0].json).not.toHaveProperty('app');
    expect(got[0].json).not.toHaveProperty('project');
  });

  it('tells once per window that refusals spiked, and a channel that refuses it is dead-lettered without a notification about that', async () => {
    // Prepare: the broken channel refuses every attempt (maxAttempts 2)
    stack.notifyReceiver!.answerNext('/webhook/broken', { status: 404 }, { status: 404 });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: COMMIT, repository: { clone_url: REPO } });
    const deadBefore = stack.notifications.deadLetters().length;

    // Act: five requests signed with the wrong secret (threshold 3)
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await postGitHubPush(stack.url, body, 'not-the-secret', randomUUID())).status);
    await waitFor(() => received('webhook.refused-spike').length === 1, 'the refused-spike notification', 20_000);
    await waitFor(() => stack.notifications.deadLetters().length === deadBefore + 1, 'the broken channel dead-lettered', 20_000);
    await stack.notifications.drain();

    // Assess
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    const got = received('webhook.refused-spike');
    expect(got).toHaveLength(1);
    expect(got[0].json).toMatchObject({
      kind: 'webhook.refused-spike',
      outcome: 'refused',
      details: { provider: 'github', threshold: 3, windowMinutes: 1440 },
    });
    expect(got[0].json.message).toMatch(/^3 webhook requests naming provider github were refused within 1440 minute\(s\)/);
    expect(got[0].body).not.toContain(SECRET);
    expect(received('webhook.refused-spike', '/webhook/broken').map((r) => r.status)).toEqual([404, 404]);
    // The notifier's own failure is audited (notify.failed), never notified: no dead-letter event names it.
    const failedRecords = (await stack.deps.auditStore.query({ kind: 'notify.failed' })).items;
    expect(failedRecords.map((r) => (r.details as { channel: string }).channel)).toEqual(['broken']);
    expect(received('delivery.dead-lettered').every((r) => (r.json.details as { queue: string }).queue === 'push')).toBe(true);
    expect(received('delivery.dead-lettered')).toHaveLength(1);
  });
});

describe('audit.verify-failed from an anchor run on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'notify-anchor-'));
    const config = join(dir, 'sentinel.yaml');
    writeFileSync(
      config,
      [
        'notify:',
        '  channels:',
        `    - { name: ops, type: webhook, url: 'http://127.0.0.1:${port}/webhook/ops', secret: { env: SENTINEL_LOCAL_WEBHOOK_SECRET } }`,
        '  rules:',
        '    - { events: [audit.verify-failed], channels: [ops] }',
        '',
      ].join('\n'),
    );
    stack = await startLocalStack({
      env: { SENTINEL_CONFIG: config, SENTINEL_LOCAL_WEBHOOK_SECRET: HMAC, SENTINEL_TABLE_PREFIX: `notify-anc-${randomUUID().slice(0, 8)}` },
      port: 0,
      notifyReceiver: { port },
      dataDir: null,
      anchorDir: dir,
      tokenFile: join(dir, 'local-token'),
      simulatorSeed: { instances: { default: { apps: [{ name: 'shop', source: { repoURL: REPO, path: 'shop', targetRevision: 'main' } }] } } },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('tells once that an anchor run held a chain rewritten (and re-hashed) after it was anchored', async () => {
    // Prepare: two records on the app's chain, anchored
    const ref = { instance: 'default', namespace: 'argocd', app: 'shop', actor: 'test', outcome: 'success' as const };
    const first = await stack.deps.auditStore.append({ ...ref, kind: 'app.refreshed', message: 'refreshed once' });
    await stack.deps.auditStore.append({ ...ref, kind: 'app.refreshed', message: 'refreshed twice' });
    const anchorNow = () =>
      fetch(`${stack.url}/api/audit/anchor`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: '{}' });
    expect((await anchorNow()).status).toBe(200);
    // the attacker rewrites the first record and re-hashes the chain, so the hash chain alone is consistent
    await rewriteAndRehash(stack.deps.doc, stack.tables.audit, first.chain, 0, (r) => ({ ...r, message: 'nothing to see here' }));
    const sent = () =>
      stack.notifyReceiver!.received.filter(
        (r) => (r.json as Body | undefined)?.kind === 'audit.verify-failed' && (r.json as { details: { source: string } }).details.source === 'anchor',
      );

    // Act
    const held = (await (await anchorNow()).json()) as { held: Array<{ chain: string }> };
    await waitFor(() => sent().length === 1, 'the anchor verify-failed notification', 20_000);
    expect((await anchorNow()).status).toBe(200);
    await stack.notifications.drain();

    // Assess
    expect(held.held.map((h) => h.chain)).toEqual([first.chain]);
    expect(sent()).toHaveLength(1);
    const got = sent()[0];
    expect(got.signatureValid).toBe(true);
    expect(got.json).toMatchObject({
      kind: 'audit.verify-failed',
      details: { source: 'anchor', chains: 1, failures: [{ chain: first.chain, reason: 'anchor-held' }] },
    });
    expect((got.json as Body).message).toContain(`anchor-held in ${first.chain}`);
    expect(got.body).not.toContain('nothing to see here');
  });
});
