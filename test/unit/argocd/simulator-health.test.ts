/**
 * The simulator's health over time, outcomes on demand and resource tree, exercised through the
 * ArgoCD client over HTTP and the `/__sim` admin routes.
 */
import { startSimWithClient, waitFor, type SimAndClient } from '../../helpers/argocd-sim';

const REPO = 'https://github.com/acme/web.git';
const ref = { instance: 'default', namespace: 'argocd', name: 'web' };

async function admin(s: SimAndClient, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('ArgoCD simulator: operation phases, health over time, resource tree', () => {
  let s: SimAndClient;
  beforeEach(async () => {
    s = await startSimWithClient({
      syncDurationMs: 30,
      healthyAfterMs: 150,
      seed: {
        apps: [
          {
            name: 'web',
            source: { repoURL: REPO, path: 'web', targetRevision: 'main' },
            resources: [
              { kind: 'Deployment', name: 'web', replicas: 2 },
              { kind: 'Service', name: 'web' },
            ],
          },
        ],
      },
    });
  });
  afterEach(async () => {
    await s?.close();
  });

  it('runs a sync, then Progressing while rolling out, then Healthy stamped with its transition time', async () => {
    s.sim.setHead(REPO, 'main', 'c'.repeat(40));
    await s.client.syncApplication(ref, {});
    expect((await s.client.getApplication(ref)).status!.health!.status).toBe('Progressing');

    await waitFor(async () => (await s.client.getApplication(ref)).status?.operationState?.phase === 'Succeeded', 'operation succeeded');
    await waitFor(async () => (await s.client.getApplication(ref)).status?.health?.status === 'Healthy', 'healthy');
    const app = await s.client.getApplication(ref);
    expect(app.status!.sync).toMatchObject({ status: 'Synced', revision: 'c'.repeat(40) });
    expect(Date.parse(app.status!.health!.lastTransitionTime!)).toBeGreaterThanOrEqual(Date.parse(app.status!.operationState!.finishedAt!));
  });

  it('fails the next operation on demand (/__sim/outcome): phase Failed, the resource SyncFailed, no history entry', async () => {
    const before = (await s.client.getApplication(ref)).status!.history!.length;
    expect(await admin(s, '/__sim/outcome', { name: 'web', outcome: 'fail', message: 'admission webhook "policy" denied the request' })).toBe(200);
    s.sim.setHead(REPO, 'main', 'd'.repeat(40));

    await s.client.syncApplication(ref, {});
    await waitFor(async () => (await s.client.getApplication(ref)).status?.operationState?.phase === 'Failed', 'operation failed');

    const app = await s.client.getApplication(ref);
    expect(app.status!.operationState!.message).toMatch(/one or more objects failed to apply, reason: admission webhook "policy" denied/);
    expect(app.status!.operationState!.syncResult!.resources).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', status: 'SyncFailed' })]);
    expect(app.status!.history).toHaveLength(before);
    expect(app.status!.sync!.status).toBe('OutOfSync');
  });

  it('degrades on demand once the rollout settles; the tree shows the crashing pods under their ReplicaSet', async () => {
    expect(await admin(s, '/__sim/outcome', { name: 'web', outcome: 'degrade' })).toBe(200);
    s.sim.setHead(REPO, 'main', 'e'.repeat(40));
    await s.client.syncApplication(ref, {});
    await waitFor(async () => (await s.client.getApplication(ref)).status?.health?.status === 'Degraded', 'degraded');

    const tree = await s.client.getResourceTree(ref);
    const byKind = (k: string) => tree.nodes!.filter((n) => n.kind === k);
    expect(byKind('Deployment')).toEqual([
      expect.objectContaining({
        name: 'web',
        group: 'apps',
        health: expect.objectContaining({ status: 'Degraded', message: expect.stringMatching(/progress deadline/) }),
      }),
    ]);
    const [rs] = byKind('ReplicaSet');
    expect(rs.parentRefs).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', uid: byKind('Deployment')[0].uid })]);
    expect(byKind('Pod')).toHaveLength(2);
    for (const pod of byKind('Pod')) {
      expect(pod.parentRefs).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: rs.name })]);
      expect(pod.health!.status).toBe('Degraded');
      expect(pod.info).toContainEqual({ name: 'Status Reason', value: 'CrashLoopBackOff' });
      expect(pod.images).toEqual([expect.stringMatching(/:eeeeeee$/)]);
    }
    expect(byKind('Service')).toEqual([expect.objectContaining({ name: 'web', health: { status: 'Healthy' } })]);
    // The simulator received the tree call on ArgoCD's path
    expect(s.sim.requestsTo('GET', '/api/v1/applications/web/resource-tree')).toHaveLength(1);

    // A successful outcome heals it on the next sync
    expect(await admin(s, '/__sim/outcome', { name: 'web', outcome: 'succeed' })).toBe(200);
    s.sim.setHead(REPO, 'main', 'f'.repeat(40));
    await s.client.syncApplication(ref, {});
    await waitFor(async () => (await s.client.getApplication(ref)).status?.health?.status === 'Healthy', 'healed');
  });

  it('sets health now through /__sim/health and filters the tree like ArgoCD (kind, name)', async () => {
    expect(await admin(s, '/__sim/health', { name: 'web', health: 'Degraded', message: 'OOMKilled' })).toBe(200);
    const app = await s.client.getApplication(ref);
    expect(app.status!.health).toMatchObject({ status: 'Degraded', message: 'OOMKilled' });
    const pods = await s.client.getResourceTree(ref, { kind: 'Pod' });
    expect(pods.nodes!.map((n) => n.kind)).toEqual(['Pod', 'Pod']);
    expect(await admin(s, '/__sim/outcome', { name: 'web', outcome: 'explode' })).toBe(400);
  });

  it("answers an unknown app with ArgoCD's 403 (no project) and 404 (with project)", async () => {
    await expect(s.client.getResourceTree({ ...ref, name: 'nope' })).rejects.toMatchObject({ httpStatus: 403 });
    await expect(s.client.getResourceTree({ ...ref, name: 'nope' }, { project: 'default' })).rejects.toMatchObject({ httpStatus: 404 });
  });
});
