/**
 * The "done when" against the simulator with a busy controller: a push to a 500-app
 * monorepo registers every refresh once, retries none, and the worker is done long before the
 * controller (refreshes are not waited for); index list calls carry `fields=`; a burst of
 * pushes is coalesced, and every delivery keeps its own audit record naming its call.
 */
import { APP_INDEX_FIELDS } from '../../../functions/lib/argocd';
import { CallCoalescer, FairScheduler, processPush } from '../../../functions/lib/sync';
import type { SeedInstance } from '../../../local/argocd-sim';
import { waitFor } from '../../helpers/argocd-sim';
import { auditOf, pushMessage, REPO, startSyncEnv, type SyncEnv } from './fixtures';

const APPS = 500;

function monorepo(n: number): SeedInstance {
  return {
    apps: Array.from({ length: n }, (_, i) => ({
      name: `svc-${i}`,
      source: { repoURL: REPO, path: `services/svc-${i}`, targetRevision: 'main' },
      resources: [{ kind: 'ConfigMap', name: `svc-${i}` }],
    })),
  };
}

describe('a monorepo push against a busy ArgoCD', () => {
  let env: SyncEnv;
  afterEach(() => env.close());

  it('registers each of 500 refreshes once, retries none, and finishes before the controller processed them', async () => {
    env = await startSyncEnv({ default: monorepo(APPS) }, { clientOptions: { refreshWaitMs: 1500, ratePerSecond: 0, concurrency: 16, retries: 3 } });
    const sim = env.sims.default.sim;
    // Every refresh is held 5 s by the controller (500 processors: each app 5 s, all in parallel).
    sim.setControllerMsPerApp(5000, APPS);
    env.deps.scheduler = new FairScheduler(16);
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000 });
    const message = pushMessage();

    const result = await processPush(message, env.deps);
    const processedWhenDone = sim.controllerLoad.processed;

    expect(
      result.actions
        .filter((a) => a.status !== 'refreshed')
        .map((a) => a.message)
        .slice(0, 3),
    ).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.actions.filter((a) => a.status === 'refreshed')).toHaveLength(APPS);
    // The worker did not wait for the controller: when it was done, refreshes were still held
    // (waiting on each would have taken 500 × 5 s / 64 at best, with all of them processed).
    expect(processedWhenDone).toBeLessThan(APPS);
    // What the simulator received: one refresh GET per app, none repeated. A refresh counts as
    // registered once its bytes are in the kernel, so on a loaded machine the simulator may read
    // the last ones after processPush returned: wait until it has them all, then count exactly.
    const refreshGets = () => sim.requestsTo('GET', /^\/api\/v1\/applications\/svc-\d+$/);
    await waitFor(() => refreshGets().length >= APPS && sim.refreshes.length >= APPS, 'every refresh GET received by the simulator', 30_000);
    const gets = refreshGets();
    expect(gets).toHaveLength(APPS);
    expect(new Set(gets.map((r) => r.path)).size).toBe(APPS);
    expect(gets.every((r) => r.query.refresh === 'normal')).toBe(true);
    expect(new Set(sim.refreshes.map((r) => r.name)).size).toBe(APPS);
    expect(sim.refreshes).toHaveLength(APPS);
    // The index was built from a projected list.
    const lists = sim.requestsTo('GET', '/api/v1/applications');
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.every((r) => r.query.fields === APP_INDEX_FIELDS.join(','))).toBe(true);
    // Each app's record says registered, not confirmed.
    const records = (await auditOf(env.audit, message.push.deliveryId)).filter((r) => r.kind === 'app.refreshed');
    expect(records).toHaveLength(APPS);
    expect(records.every((r) => r.details?.confirmed === false && r.details?.unconfirmedReason === 'deadline' && r.details?.attempts === 1)).toBe(true);
  });

  it('coalesces a burst of pushes to at most two calls per app, each delivery audited with the call it was folded into', async () => {
    const N = 20;
    env = await startSyncEnv({ default: monorepo(N) }, { clientOptions: { refreshWaitMs: 200, ratePerSecond: 0 } });
    const sim = env.sims.default.sim;
    env.deps.scheduler = new FairScheduler(16);
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000 });
    const messages = Array.from({ length: 8 }, () => pushMessage());

    const results = await Promise.all(messages.map((m) => processPush(m, env.deps)));

    expect(results.every((r) => r.complete)).toBe(true);
    const gets = sim.requestsTo('GET', /^\/api\/v1\/applications\/svc-\d+$/);
    const perApp = new Map<string, number>();
    for (const g of gets) perApp.set(g.path, (perApp.get(g.path) ?? 0) + 1);
    expect(perApp.size).toBe(N);
    expect(Math.max(...perApp.values())).toBeLessThanOrEqual(2);
    expect(gets.length).toBeLessThan(N * messages.length);

    const callsByApp = new Map<string, Set<string>>();
    for (const m of messages) {
      const records = (await auditOf(env.audit, m.push.deliveryId)).filter((r) => r.kind === 'app.refreshed');
      expect(records).toHaveLength(N); // every delivery keeps its own record per app
      for (const r of records) {
        const call = r.details?.call as { id: string; folded: boolean; leadDeliveryId: string };
        expect(call.id).toMatch(/^call-/);
        if (call.folded) expect(call.leadDeliveryId).not.toBe(m.push.deliveryId);
        if (!callsByApp.has(r.app!)) callsByApp.set(r.app!, new Set());
        callsByApp.get(r.app!)!.add(call.id);
      }
    }
    // The calls named in the trail are the calls the simulator received.
    for (const [app, ids] of callsByApp) expect(ids.size).toBe(perApp.get(`/api/v1/applications/${app}`));
  });
});
