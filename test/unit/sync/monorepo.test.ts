/**
 * The "done when" against the simulator with a busy controller: a push to a 500-app
 * monorepo registers every refresh once, retries none, and the worker is done long before the
 * controller (refreshes are not waited for); index list calls carry `fields=`; a burst of
 * pushes is coalesced, and every delivery keeps its own audit record naming its call.
 */
import { APP_INDEX_FIELDS } from '../../../functions/lib/argocd';
import { CallCoalescer, FairScheduler, processPush } from '../../../functions/lib/sync';
import type { SeedInstance } from '../../../local/argocd-sim';
import { auditOf, pushMessage, REPO, startSyncEnv, type SyncEnv } from './fixtures';

const APPS = 500;
const REFRESH_CHECK = 'items.metadata.name,items.metadata.namespace,items.metadata.annotations';

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

  // 500 refreshes listened to for 1.5 s each, 64 at a time: about 12 s, more on a loaded machine.
  // timeoutMs bounds how long an unanswered refresh stays open until the simulator shows it: the
  // simulator shares this process with dynalite and the worker, and on a loaded CI machine it
  // reads some GETs seconds late (each is closed as soon as a check list shows its annotation).
  jest.setTimeout(180_000);

  it('registers each of 500 refreshes once, retries none, and finishes before the controller processed them', async () => {
    env = await startSyncEnv(
      { default: monorepo(APPS) },
      { clientOptions: { refreshWaitMs: 1500, timeoutMs: 30_000, ratePerSecond: 0, concurrency: 64, retries: 3 } },
    );
    const sim = env.sims.default.sim;
    // Every refresh is held 5 s by the controller (500 processors: each app 5 s, all in parallel).
    sim.setControllerMsPerApp(5000, APPS);
    env.deps.scheduler = new FairScheduler(64);
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
    // A refresh counts as registered only once ArgoCD showed it (its annotation in a check list),
    // so when processPush returns the simulator has registered every one: counted at once.
    expect(new Set(sim.refreshes.map((r) => r.name)).size).toBe(APPS);
    expect(sim.refreshes).toHaveLength(APPS);
    // What the simulator received: one refresh GET per app, none repeated.
    const gets = sim.requestsTo('GET', /^\/api\/v1\/applications\/svc-\d+$/);
    expect(gets).toHaveLength(APPS);
    expect(new Set(gets.map((r) => r.path)).size).toBe(APPS);
    expect(gets.every((r) => r.query.refresh === 'normal')).toBe(true);
    // Every list call is projected: the index's, and the registration checks (a few, shared by many refreshes).
    const lists = sim.requestsTo('GET', '/api/v1/applications');
    const index = lists.filter((r) => r.query.fields === APP_INDEX_FIELDS.join(','));
    const checks = lists.filter((r) => r.query.fields === REFRESH_CHECK);
    expect(index.length).toBeGreaterThan(0);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.length).toBeLessThan(APPS / 4);
    expect(index.length + checks.length).toBe(lists.length);
    // Each app's record says registered (ArgoCD showed the annotation), not confirmed, one GET.
    const records = (await auditOf(env.audit, message.push.deliveryId)).filter((r) => r.kind === 'app.refreshed');
    expect(records).toHaveLength(APPS);
    const shapes = new Set(
      records.map((r) =>
        JSON.stringify([r.details?.confirmed, r.details?.registeredBy, r.details?.unconfirmedReason, r.details?.requests, r.details?.attempts]),
      ),
    );
    expect([...shapes]).toEqual([JSON.stringify([false, 'annotation', 'deadline', 1, 1])]);
  });

  it('registers, once each, refreshes a starved ArgoCD reads only after the client stopped waiting for an answer', async () => {
    env = await startSyncEnv(
      { default: monorepo(APPS) },
      { clientOptions: { refreshWaitMs: 1500, timeoutMs: 30_000, ratePerSecond: 0, concurrency: 64, retries: 3 } },
    );
    const sim = env.sims.default.sim;
    sim.setControllerMsPerApp(5000, APPS);
    env.deps.scheduler = new FairScheduler(64);
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000 });
    await env.deps.indexes.get('default');
    sim.clearRequests();
    // The first 20 refresh GETs are acted on 3 s after they arrive, past the client's 1.5 s wait
    // (the storm bench's starved simulators): a client that closed then lost them, since the
    // server drops a request whose client has left before it acted.
    sim.injectFaults({ latencyQueue: Array.from({ length: 20 }, () => 3000), pathPattern: '^/api/v1/applications/svc-\\d+$' });
    const message = pushMessage();

    const result = await processPush(message, env.deps);

    expect(result.complete).toBe(true);
    expect(result.actions.filter((a) => a.status === 'refreshed')).toHaveLength(APPS);
    // Every app registered in the simulator when processPush returned, once, from one GET.
    expect(new Set(sim.refreshes.map((r) => r.name)).size).toBe(APPS);
    expect(sim.refreshes).toHaveLength(APPS);
    const gets = sim.requestsTo('GET', /^\/api\/v1\/applications\/svc-\d+$/);
    expect(gets).toHaveLength(APPS);
    expect(new Set(gets.map((r) => r.path)).size).toBe(APPS);
    const records = (await auditOf(env.audit, message.push.deliveryId)).filter((r) => r.kind === 'app.refreshed');
    expect(records).toHaveLength(APPS);
    expect(records.every((r) => r.details?.registeredBy === 'annotation' && r.details?.requests === 1)).toBe(true);
  });

  it('coalesces a burst of pushes to at most two calls per app, each delivery audited with the call it was folded into', async () => {
    const N = 20;
    env = await startSyncEnv({ default: monorepo(N) }, { clientOptions: { refreshWaitMs: 200, timeoutMs: 30_000, ratePerSecond: 0 } });
    const sim = env.sims.default.sim;
    // A busy controller holds each refresh 5 s (in parallel): every call ends registered by its
    // annotation, none answered by chance around the wait's end on a loaded machine.
    sim.setControllerMsPerApp(5000, N);
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
