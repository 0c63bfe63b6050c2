import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'push-flow-secret';
const REPO = 'https://github.com/jessesuen/test-repo.git';
/** The real GitHub push payload from ArgoCD's webhook tests (events/webhook/github-push.json). */
const BODY = JSON.parse(readFileSync(join(__dirname, '../../events/webhook/github-push.json'), 'utf8')).body as string;
const AFTER = JSON.parse(BODY).after as string;

function post(stack: LocalStack, deliveryId: string, body = BODY) {
  return postGitHubPush(stack.url, body, SECRET, deliveryId);
}

describe('push flow on the local stack (webhook -> in-process queue -> sync worker -> ArgoCD simulator)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: `push-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: {
        instances: {
          default: {
            apps: [
              { name: 'test-repo', source: { repoURL: REPO, path: '.', targetRevision: 'master' } },
              {
                name: 'test-repo-sop',
                annotations: { 'gitops-sentinel/sync-on-push': 'true' },
                source: { repoURL: 'git@github.com:jessesuen/test-repo', path: 'deploy', targetRevision: 'HEAD' },
              },
              { name: 'unrelated', source: { repoURL: 'https://github.com/acme/unrelated.git', path: '.', targetRevision: 'master' } },
            ],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 202 and the simulator receives the refresh and the sync; a duplicate delivery acts no further', async () => {
    const sim = stack.simulators!.instances.default.sim;
    const deliveryId = randomUUID();

    // Act: the delivery
    const res = await post(stack, deliveryId);

    // Assess: queued, then ArgoCD got exactly what it should
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'queued', deliveryId, revision: AFTER });
    await waitFor(
      () => sim.refreshes.some((r) => r.name === 'test-repo') && sim.requestsTo('POST', '/api/v1/applications/test-repo-sop/sync').length === 1,
      'the refresh and the sync',
      10_000,
    );
    expect(sim.requestsTo('GET', '/api/v1/applications/test-repo')[0].query).toEqual({ refresh: 'normal' });
    // Sync-on-push syncs the branch (the app's targetRevision), never the payload's commit.
    const syncBody = sim.requestsTo('POST', '/api/v1/applications/test-repo-sop/sync')[0].body;
    expect(syncBody).toMatchObject({ name: 'test-repo-sop' });
    expect(JSON.stringify(syncBody)).not.toContain(AFTER);
    expect(sim.requestsTo(undefined, /unrelated/)).toHaveLength(0);

    // Act: the provider redelivers it
    const again = await post(stack, deliveryId);
    await stack.queue.drain();

    // Assess
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ status: 'duplicate', deliveryId });
    expect(sim.refreshes.filter((r) => r.name === 'test-repo')).toHaveLength(1);
    expect(sim.requestsTo('POST', '/api/v1/applications/test-repo-sop/sync')).toHaveLength(1);
    expect(stack.queue.stats()).toMatchObject({ enqueued: 1, succeeded: 1, deadLettered: 0 });

    // Assess: the audit trail tells the whole story
    await waitFor(async () => (await stack.deps.auditStore.query({ deliveryId })).items.length >= 4, 'four audit records');
    const records = (await stack.deps.auditStore.query({ deliveryId })).items;
    expect(records.map((r) => `${r.kind}${r.app ? ` ${r.app}` : ''}`).sort()).toEqual([
      'app.refreshed test-repo',
      'app.synced test-repo-sop',
      'webhook.duplicate',
      'webhook.received',
    ]);
    for (const r of records) expect(r).toMatchObject({ deliveryId, revision: AFTER, actor: expect.stringMatching(/^webhook:github:/) });
    const refreshed = records.find((r) => r.kind === 'app.refreshed')!;
    expect(refreshed.details!.latencyMs).toBeLessThan(1000);
    expect((await stack.deps.auditStore.verify()).ok).toBe(true);
  });
});
