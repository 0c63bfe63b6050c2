/**
 * Issue 12's "done when", on the local stack against the simulator: push A, push B (before = A),
 * then A's exact body and signature again with a new delivery id and with none. The simulator
 * receives only syncs of the branch, never one that takes the sync-on-push app back to A, and the
 * trail shows both replays as duplicates. Refusals are counted in /api/stats, not audited.
 */
import { randomUUID } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'replay-secret';
const REPO = 'https://github.com/acme/shop.git';
const A = 'a1'.repeat(20);
const B = 'b2'.repeat(20);
const ZERO = '0'.repeat(40);

function pushBody(before: string, after: string): string {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before,
    after,
    repository: { html_url: 'https://github.com/acme/shop', clone_url: REPO, default_branch: 'main' },
    pusher: { name: 'dev' },
    commits: [{ id: after, message: `commit ${after.slice(0, 7)}`, author: { name: 'dev' }, added: ['deploy/app.yaml'], modified: [], removed: [] }],
  });
}

function post(stack: LocalStack, body: string, deliveryId: string | null, secret = SECRET) {
  return postGitHubPush(stack.url, body, secret, deliveryId);
}

describe('replayed pushes on the local stack (webhook -> worker -> ArgoCD simulator)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: `replay-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: {
        instances: {
          default: {
            apps: [
              { name: 'shop', annotations: { 'gitops-sentinel/sync-on-push': 'true' }, source: { repoURL: REPO, path: 'deploy', targetRevision: 'main' } },
            ],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('never syncs the sync-on-push app back to A, and audits both replays of A as duplicates', async () => {
    const sim = stack.simulators!.instances.default.sim;
    const syncs = () => sim.requestsTo('POST', '/api/v1/applications/shop/sync');

    // Push A (the branch head is A), then push B (before = A; the branch moves to B).
    sim.setHead(REPO, 'main', A);
    const bodyA = pushBody(ZERO, A);
    expect((await post(stack, bodyA, 'delivery-a')).status).toBe(202);
    await waitFor(() => syncs().length === 1, 'the sync for push A');
    sim.setHead(REPO, 'main', B);
    expect((await post(stack, pushBody(A, B), 'delivery-b')).status).toBe(202);
    await waitFor(() => syncs().length === 2, 'the sync for push B');
    await waitFor(() => sim.getApp('shop').status?.sync?.revision === B && !sim.getApp('shop').operation, 'B deployed');

    // Replays of A: the exact body and signature, with a new delivery id, and with none.
    const withNewId = await post(stack, bodyA, 'replayed-id');
    const withNone = await post(stack, bodyA, null);
    expect(withNewId.status).toBe(202);
    expect(await withNewId.json()).toMatchObject({ status: 'duplicate', duplicateOf: 'body' });
    expect(withNone.status).toBe(202);
    expect(await withNone.json()).toMatchObject({ status: 'duplicate', duplicateOf: 'body', deliveryId: expect.stringMatching(/^sha256:/) });

    // What the simulator received: only syncs of the branch, none naming A; it still runs B.
    await stack.queue.drain();
    expect(syncs()).toHaveLength(2);
    for (const s of syncs()) {
      expect(s.body).toMatchObject({ name: 'shop' });
      expect(JSON.stringify(s.body)).not.toContain(A);
    }
    expect(sim.getApp('shop').status?.sync?.revision).toBe(B);

    // The trail: both replays are duplicates of delivery-a.
    const audit = async (q: string) =>
      (
        (await (await fetch(`${stack.url}/api/audit?${q}`, { headers: stack.authHeaders })).json()) as {
          items: Array<{ kind: string; deliveryId?: string; details?: Record<string, unknown> }>;
        }
      ).items;
    const dups = await audit('kind=webhook.duplicate');
    const ids = dups.map((d) => d.deliveryId ?? '');
    expect(ids).toHaveLength(2);
    expect(ids).toContain('replayed-id');
    expect(ids.some((id) => /^sha256:[0-9a-f]{64}$/.test(id))).toBe(true);
    for (const d of dups) expect(d.details).toMatchObject({ duplicateOf: 'body', firstDeliveryId: 'delivery-a' });
    const synced = (await audit('kind=app.synced')).find((r) => r.deliveryId === 'delivery-b');
    expect(synced?.details).toMatchObject({ claimedRevision: B, syncTarget: ['main'] });
  });

  it("counts a forged request that reuses a real delivery id in /api/stats, and keeps it out of that delivery's trail", async () => {
    const trail = async () =>
      (
        (await (await fetch(`${stack.url}/api/audit?delivery=delivery-a`, { headers: stack.authHeaders })).json()) as { items: Array<{ id: string }> }
      ).items.map((r) => r.id);
    const before = await trail();
    expect(before.length).toBeGreaterThan(0);
    const body = pushBody(B, 'c3'.repeat(20));
    const res = await post(stack, body, 'delivery-a', 'not-the-secret');
    expect(res.status).toBe(401);
    expect(await trail()).toEqual(before);
    const stats = (await (await fetch(`${stack.url}/api/stats`, { headers: stack.authHeaders })).json()) as {
      refused?: { total: number; byProvider: Record<string, Record<string, number>> };
    };
    expect(stats.refused?.byProvider.github).toMatchObject({ signature: 1 });
    expect(stats.refused?.total).toBeGreaterThanOrEqual(1);
  });
});
