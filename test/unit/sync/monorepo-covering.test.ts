/**
 * Covering through `processPush`, against the simulator over HTTP with the real ledger and
 * audit store: a delivery the webhook received before an app's call was sent (by at least the
 * skew margin) is carried by that call, finished or not, however long after it the worker gets
 * to it; one received later gets a call of its own; a failed call covers nothing. What the
 * simulator received is counted per app; the audit trail must name the calls it received.
 * The coalescer's clock is injected; the deliveries' receive times are set on it.
 */
import { CallCoalescer, processPush } from '../../../functions/lib/sync';
import type { PushMessage } from '../../../functions/lib/queue/types';
import type { SeedInstance } from '../../../local/argocd-sim';
import { auditOf, pushMessage, REPO, startSyncEnv, webSeed, type SyncEnv } from './fixtures';

const N = 6;

function monorepo(n: number): SeedInstance {
  return {
    apps: Array.from({ length: n }, (_, i) => ({
      name: `svc-${i}`,
      source: { repoURL: REPO, path: `services/svc-${i}`, targetRevision: 'main' },
    })),
  };
}

/** Refresh GETs the simulator received, per app path. */
function getsPerApp(env: SyncEnv): Map<string, number> {
  const perApp = new Map<string, number>();
  for (const g of env.sims.default.sim.requestsTo('GET', /^\/api\/v1\/applications\/svc-\d+$/)) perApp.set(g.path, (perApp.get(g.path) ?? 0) + 1);
  return perApp;
}

type Call = { id: string; folded: boolean; leadDeliveryId: string };

async function callsOf(env: SyncEnv, m: PushMessage, kind: 'app.refreshed' | 'app.synced'): Promise<Map<string, Call>> {
  const records = (await auditOf(env.audit, m.push.deliveryId)).filter((r) => r.kind === kind);
  return new Map(records.map((r) => [r.app!, r.details?.call as Call]));
}

describe('processPush with the covering rule', () => {
  let env: SyncEnv;
  afterEach(() => env.close());
  jest.setTimeout(60_000);

  it('folds deliveries received before an app was refreshed into that refresh, and refreshes again for one received after it', async () => {
    env = await startSyncEnv({ default: monorepo(N) }, { clientOptions: { retries: 0 } });
    const t0 = Date.now();
    const clock = { t: t0 };
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000, skewMs: 1000, now: () => clock.t });

    const m1 = pushMessage({}, new Date(t0 - 5000));
    expect((await processPush(m1, env.deps)).complete).toBe(true);
    expect([...getsPerApp(env).values()]).toEqual(Array(N).fill(1));
    const first = await callsOf(env, m1, 'app.refreshed');
    expect([...first.values()].every((c) => !c.folded && c.leadDeliveryId === m1.push.deliveryId)).toBe(true);

    // Processed 10 s later (far beyond the window), received exactly the skew margin before the
    // refreshes were sent: carried by them, nothing sent.
    clock.t = t0 + 10_000;
    const m2 = pushMessage({}, new Date(t0 - 1000));
    expect((await processPush(m2, env.deps)).complete).toBe(true);
    expect([...getsPerApp(env).values()]).toEqual(Array(N).fill(1));
    const second = await callsOf(env, m2, 'app.refreshed');
    expect(second.size).toBe(N); // every delivery keeps its own record per app
    for (const [app, c] of second) expect(c).toMatchObject({ id: first.get(app)!.id, folded: true, leadDeliveryId: m1.push.deliveryId });

    // Received 999 ms before the sends: within the margin, so each app is refreshed again.
    const m3 = pushMessage({}, new Date(t0 - 999));
    expect((await processPush(m3, env.deps)).complete).toBe(true);
    expect([...getsPerApp(env).values()]).toEqual(Array(N).fill(2));
    const third = await callsOf(env, m3, 'app.refreshed');
    expect(third.size).toBe(N);
    for (const [app, c] of third) {
      expect(c).toMatchObject({ folded: false, leadDeliveryId: m3.push.deliveryId });
      expect(c.id).not.toBe(first.get(app)!.id);
    }
  });

  it('does not let a failed refresh cover: the next delivery refreshes that app again, and only that one', async () => {
    env = await startSyncEnv({ default: monorepo(N) }, { clientOptions: { retries: 0 } });
    const t0 = Date.now();
    const clock = { t: t0 };
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000, skewMs: 1000, now: () => clock.t });
    const sim = env.sims.default.sim;
    sim.injectFaults({ failNext: 1, failStatus: 503, pathPattern: '^/api/v1/applications/svc-0$', method: 'GET' });

    const m1 = pushMessage({}, new Date(t0 - 5000));
    const r1 = await processPush(m1, env.deps);
    expect(r1.complete).toBe(false);
    expect(r1.actions.filter((a) => a.status === 'failed').map((a) => a.name)).toEqual(['svc-0']);

    clock.t = t0 + 10_000;
    const m2 = pushMessage({}, new Date(t0 - 3000)); // received before every m1 call was sent
    expect((await processPush(m2, env.deps)).complete).toBe(true);
    const perApp = getsPerApp(env);
    expect(perApp.get('/api/v1/applications/svc-0')).toBe(2);
    for (let i = 1; i < N; i++) expect(perApp.get(`/api/v1/applications/svc-${i}`)).toBe(1);
    const calls = await callsOf(env, m2, 'app.refreshed');
    expect(calls.get('svc-0')).toMatchObject({ folded: false, leadDeliveryId: m2.push.deliveryId });
    expect(calls.get('svc-1')).toMatchObject({ folded: true, leadDeliveryId: m1.push.deliveryId });
  });

  it('gives a sync-on-push app one sync of the branch for a delivery received before that sync was sent', async () => {
    env = await startSyncEnv({ default: webSeed() }, { clientOptions: { retries: 0 } });
    const t0 = Date.now();
    const clock = { t: t0 };
    env.deps.coalescer = new CallCoalescer(undefined, { windowMs: 2000, skewMs: 1000, now: () => clock.t });
    const sim = env.sims.default.sim;

    const m1 = pushMessage({}, new Date(t0 - 5000));
    expect((await processPush(m1, env.deps)).complete).toBe(true);
    expect(sim.requestsTo('POST', /^\/api\/v1\/applications\/web-sop\/sync$/)).toHaveLength(1);
    clock.t = t0 + 10_000;
    const m2 = pushMessage({ revision: 'b'.repeat(40) }, new Date(t0 - 2000));
    expect((await processPush(m2, env.deps)).complete).toBe(true);
    expect(sim.requestsTo('POST', /^\/api\/v1\/applications\/web-sop\/sync$/)).toHaveLength(1);
    const [c1, c2] = [(await callsOf(env, m1, 'app.synced')).get('web-sop')!, (await callsOf(env, m2, 'app.synced')).get('web-sop')!];
    expect(c2).toMatchObject({ id: c1.id, folded: true, leadDeliveryId: m1.push.deliveryId });

    const m3 = pushMessage({ revision: 'c'.repeat(40) }, new Date(t0 + 9000)); // after the sync was sent
    expect((await processPush(m3, env.deps)).complete).toBe(true);
    expect(sim.requestsTo('POST', /^\/api\/v1\/applications\/web-sop\/sync$/)).toHaveLength(2);
  });
});
