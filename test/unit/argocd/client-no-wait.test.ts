/**
 * The client against a busy ArgoCD: refreshes that do not wait for the controller, writes
 * that are never repeated blindly, and every call bounded by the caller's deadline. Each
 * test asserts what the simulator received.
 */
import {
  ArgoCDAuthError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  ArgoCDUnavailableError,
  APP_INDEX_FIELDS,
  type AppRef,
} from '../../../functions/lib/argocd';
import { REFRESH_ANNOTATION } from '../../../local/argocd-sim';
import { startSimWithClient, waitFor, type SimAndClient } from '../../helpers/argocd-sim';

const SRC = { repoURL: 'https://github.com/acme/mono.git', path: 'apps/web', targetRevision: 'main' };
const ref = (name: string): AppRef => ({ instance: 'default', namespace: 'argocd', name });
const REFRESH_CHECK = 'items.metadata.name,items.metadata.namespace,items.metadata.annotations';

describe('refreshApplication', () => {
  let env: SimAndClient;
  afterEach(() => env.close());

  it('on a busy controller counts the refresh as registered once ArgoCD shows its annotation, once, without holding on', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { refreshWaitMs: 150 });
    env.sim.addApp({ name: 'web', source: SRC });

    const r = await env.client.refreshApplication(ref('web'));

    expect(r).toMatchObject({ registered: true, registeredBy: 'annotation', confirmed: false, unconfirmedReason: 'deadline', requests: 1, attempts: 1 });
    // One check list (more only if a loaded simulator had not read the GET by the first).
    const lists = env.sim.requestsTo('GET', '/api/v1/applications');
    expect(lists.length).toBeGreaterThanOrEqual(1);
    expect(new Set(lists.map((q) => q.query.fields))).toEqual(new Set([REFRESH_CHECK]));
    expect(env.sim.refreshes).toEqual([expect.objectContaining({ name: 'web', type: 'normal' })]);
    expect(env.sim.getApp('web').metadata?.annotations?.[REFRESH_ANNOTATION]).toBe('normal');
    // The client hung up: the simulator records the held request as dropped, and nothing is open.
    await waitFor(() => env.sim.requestsTo('GET', '/api/v1/applications/web')[0]?.status === 0, 'held request dropped');
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    expect(env.sim.traffic.inFlight).toBe(0);
  });

  it('keeps a refresh the server has not read yet open until ArgoCD shows it registered (the storm bench defect)', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { refreshWaitMs: 150, timeoutMs: 10_000 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    // A starved server: it acts on the GET only after the client's 150 ms wait. A client that
    // closed then would lose the refresh: the server drops it (Go cancels the request's context).
    env.sim.injectFaults({ latencyQueue: [600], pathPattern: '^/api/v1/applications/web$' });

    const r = await env.client.refreshApplication(ref('web'));

    // Registered means the simulator registered it: the refresh is there the moment the call returns.
    expect(env.sim.refreshes).toEqual([expect.objectContaining({ name: 'web', type: 'normal' })]);
    expect(r).toMatchObject({ registered: true, registeredBy: 'annotation', confirmed: false, unconfirmedReason: 'deadline', requests: 1, attempts: 1 });
    // What the simulator received: one GET (then left by the client), and check lists asking only
    // for identity and annotations until one showed the annotation.
    await waitFor(() => env.sim.requestsTo('GET', '/api/v1/applications/web')[0]?.status === 0, 'held GET left');
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    const lists = env.sim.requestsTo('GET', '/api/v1/applications');
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(new Set(lists.map((q) => q.query.fields))).toEqual(new Set([REFRESH_CHECK]));
  });

  it('sends a refresh the server dropped unread once more, and counts it when the second is shown', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 10_000 }, { refreshWaitMs: 150, timeoutMs: 3000 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    // Not acted on within the client's whole call timeout: the client leaves, the server drops it.
    env.sim.injectFaults({ latencyQueue: [5000], pathPattern: '^/api/v1/applications/web$' });

    const r = await env.client.refreshApplication(ref('web'));

    expect(env.sim.refreshes).toEqual([expect.objectContaining({ name: 'web' })]);
    expect(r).toMatchObject({ registered: true, registeredBy: 'annotation', confirmed: false, requests: 2, attempts: 2 });
    await waitFor(() => env.sim.requestsTo('GET', '/api/v1/applications/web').every((q) => q.status !== undefined), 'both GETs settled', 15_000);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web').map((q) => q.status)).toEqual([0, 0]);
  });

  it('fails when ArgoCD dropped both GETs, and never sends a third', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { refreshWaitMs: 150, timeoutMs: 1000, retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    env.sim.injectFaults({ latencyQueue: [3000, 3000], pathPattern: '^/api/v1/applications/web$' });

    await expect(env.client.refreshApplication(ref('web'))).rejects.toMatchObject({ name: 'ArgoCDUnavailableError', reason: 'timeout' });

    await waitFor(() => env.sim.requestsTo('GET', '/api/v1/applications/web').every((q) => q.status !== undefined), 'both GETs settled', 15_000);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web').map((q) => q.status)).toEqual([0, 0]);
    expect(env.sim.refreshes).toHaveLength(0);
    expect(new Set(env.sim.requestsTo('GET', '/api/v1/applications').map((q) => q.query.fields))).toEqual(new Set([REFRESH_CHECK]));
  });

  it("keeps to the caller's deadline: no second GET and no check after it, however long the call timeout", async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { refreshWaitMs: 150, timeoutMs: 30_000 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    env.sim.injectFaults({ latencyQueue: [3000], pathPattern: '^/api/v1/applications/web$' });

    await expect(env.client.refreshApplication(ref('web'), { deadline: Date.now() + 1000 })).rejects.toBeInstanceOf(ArgoCDUnavailableError);

    // The GET was held until the deadline, then left (dropped by the server): never sent again.
    await waitFor(() => env.sim.requestsTo('GET', '/api/v1/applications/web')[0]?.status === 0, 'held GET dropped', 15_000);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    expect(env.sim.refreshes).toHaveLength(0);
  });

  it('shares one check list among refreshes that went unanswered together', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000, controllerProcessors: 1 }, { refreshWaitMs: 150, refreshCheckWindowMs: 200 });
    for (const name of ['a', 'b', 'c']) env.sim.addApp({ name, source: SRC });
    env.sim.clearRequests();

    const results = await Promise.all(['a', 'b', 'c'].map((n) => env.client.refreshApplication(ref(n))));

    expect(results.map((x) => [x.registeredBy, x.requests])).toEqual([
      ['annotation', 1],
      ['annotation', 1],
      ['annotation', 1],
    ]);
    // Shared: fewer lists than refreshes (one, unless a loaded simulator read a GET late).
    const lists = env.sim.requestsTo('GET', '/api/v1/applications');
    expect(lists.length).toBeLessThan(3);
    expect(new Set(lists.map((q) => q.query.fields))).toEqual(new Set([REFRESH_CHECK]));
    expect(env.sim.refreshes.map((x) => x.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('confirms a refresh the controller processed within the wait, with the app ArgoCD answered', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 0 }, { refreshWaitMs: 2000 });
    env.sim.addApp({ name: 'web', source: SRC });
    const r = await env.client.refreshApplication(ref('web'), { type: 'hard' });
    expect(r).toMatchObject({ registered: true, registeredBy: 'answer', confirmed: true, requests: 1, attempts: 1 });
    expect(r.app?.metadata?.name).toBe('web');
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')[0]).toMatchObject({ status: 200, query: { refresh: 'hard' } });
  });

  it('still answers 403 and 404 at once with the typed errors, and sends each once', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { refreshWaitMs: 2000 });
    await expect(env.client.refreshApplication(ref('nope'))).rejects.toBeInstanceOf(ArgoCDForbiddenError);
    await expect(env.client.refreshApplication(ref('nope'), { project: 'default' })).rejects.toBeInstanceOf(ArgoCDNotFoundError);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/nope').map((r) => r.status)).toEqual([403, 404]);
    expect(env.sim.refreshes).toHaveLength(0);
  });

  it('refreshes the token once after a 401 and fails with ArgoCDAuthError when that is refused too', async () => {
    let token = 'stale-token-123456';
    env = await startSimWithClient({}, { getToken: async () => token, refreshToken: async () => (token = 'sim-token-0123456789') });
    env.sim.addApp({ name: 'web', source: SRC });
    await expect(env.client.refreshApplication(ref('web'))).resolves.toMatchObject({ confirmed: true, attempts: 2 });
    env.sim.setToken('rotated-away-9876543');
    await expect(env.client.refreshApplication(ref('web'))).rejects.toBeInstanceOf(ArgoCDAuthError);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web').map((r) => r.status)).toEqual([401, 200, 401, 401]);
  });

  it('retries a 503 (the refresh was not registered) and respects Retry-After', async () => {
    env = await startSimWithClient({}, { retries: 2 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.injectFaults({ failNext: 1, failStatus: 503, retryAfterSec: 1, pathPattern: '^/api/v1/applications/web$' });
    const r = await env.client.refreshApplication(ref('web'));
    expect(r).toMatchObject({ confirmed: true, attempts: 2 });
    const [first, second] = env.sim.requestsTo('GET', '/api/v1/applications/web');
    expect([first.status, second.status]).toEqual([503, 200]);
    // The retry waited for Retry-After (1 s), not the 1 ms backoff of this client.
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(env.sim.refreshes).toHaveLength(1);
  });

  it('retries when the instance refuses connections (never reached), then reports it unavailable', async () => {
    env = await startSimWithClient({}, { retries: 1 });
    env.sim.addApp({ name: 'web', source: SRC });
    const port = env.port;
    await env.close();
    const client = env.makeClient({ server: `http://127.0.0.1:${port}` });
    await expect(client.refreshApplication(ref('web'))).rejects.toMatchObject({ name: 'ArgoCDUnavailableError', reason: 'network', attempts: 2 });
  });

  it('after a 504 from a proxy that gave up waiting, checks for the annotation instead of retrying', async () => {
    env = await startSimWithClient({ controllerMsPerApp: 5000 }, { retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC });
    // The app carries a pending refresh: the 504 came after ArgoCD registered it.
    env.sim.getApp('web').metadata!.annotations = { [REFRESH_ANNOTATION]: 'normal' };
    env.sim.injectFaults({ failNext: 1, failStatus: 504, pathPattern: '^/api/v1/applications/web$' });
    await expect(env.client.refreshApplication(ref('web'))).resolves.toMatchObject({
      registeredBy: 'annotation',
      confirmed: false,
      unconfirmedReason: 'gateway-timeout',
      requests: 1,
      attempts: 1,
    });
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
  });

  it('after a 504 with no refresh pending on the app, sends the GET once more', async () => {
    env = await startSimWithClient({}, { retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.injectFaults({ failNext: 1, failStatus: 504, pathPattern: '^/api/v1/applications/web$' });
    await expect(env.client.refreshApplication(ref('web'))).resolves.toMatchObject({ registeredBy: 'answer', confirmed: true, requests: 2, attempts: 2 });
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web').map((q) => q.status)).toEqual([504, 200]);
    expect(env.sim.refreshes).toHaveLength(1);
  });
});

describe('writes are never repeated blindly', () => {
  let env: SimAndClient;
  afterEach(() => env.close());

  it('a sync whose answer timed out after ArgoCD started it is read back, not sent again', async () => {
    env = await startSimWithClient({ syncDurationMs: 60_000 }, { timeoutMs: 1_500, retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    env.sim.injectFaults({ answerDelayMs: 10_000, pathPattern: '/sync$' });

    const app = await env.client.syncApplication(ref('web'));

    expect(app.status?.operationState?.phase).toBe('Running');
    expect(env.sim.requestsTo('POST', '/api/v1/applications/web/sync')).toHaveLength(1);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    expect(env.sim.runningOperations).toBe(1);
  });

  it('a sync that timed out before ArgoCD acted is sent again, once, after reading that nothing started', async () => {
    env = await startSimWithClient({ syncDurationMs: 60_000 }, { timeoutMs: 1_500, retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    env.sim.injectFaults({ latencyQueue: [10_000], pathPattern: '/sync$' });

    const app = await env.client.syncApplication(ref('web'));

    expect(app.status?.operationState?.phase).toBe('Running');
    await waitFor(() => env.sim.requestsTo('POST', '/api/v1/applications/web/sync').every((r) => r.status !== undefined), 'both POSTs settled', 15_000);
    expect(env.sim.requestsTo('POST', '/api/v1/applications/web/sync').map((r) => r.status)).toEqual([0, 200]);
    expect(env.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    expect(env.sim.getApp('web').status?.history).toHaveLength(1); // the seed's; the running sync is the only operation
  });

  it('a rollback whose answer was lost is read back and not repeated', async () => {
    env = await startSimWithClient({ syncDurationMs: 60_000 }, { timeoutMs: 1_500, retries: 3 });
    env.sim.addApp({ name: 'web', source: SRC, history: 3 });
    env.sim.clearRequests();
    env.sim.injectFaults({ answerDelayMs: 10_000, pathPattern: '/rollback$' });
    const app = await env.client.rollbackApplication(ref('web'), { id: 1 });
    expect(app.status?.operationState?.phase).toBe('Running');
    expect(env.sim.requestsTo('POST', '/api/v1/applications/web/rollback')).toHaveLength(1);
  });
});

describe('deadlines and projection', () => {
  let env: SimAndClient;
  afterEach(() => env.close());

  it('sends nothing once the deadline has passed', async () => {
    env = await startSimWithClient();
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    await expect(env.client.syncApplication(ref('web'), { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(ArgoCDUnavailableError);
    await expect(env.client.listApplications({ deadline: Date.now() - 1 })).rejects.toBeInstanceOf(ArgoCDUnavailableError);
    expect(env.sim.requests).toHaveLength(0);
  });

  it('does not wait out a Retry-After that ends after the deadline', async () => {
    env = await startSimWithClient({}, { retries: 5 });
    env.sim.addApp({ name: 'web', source: SRC });
    env.sim.clearRequests();
    env.sim.injectFaults({ failNext: 5, failStatus: 429, retryAfterSec: 30 });
    await expect(env.client.listApplications({ deadline: Date.now() + 2000 })).rejects.toMatchObject({ httpStatus: 429, attempts: 1 });
    expect(env.sim.requests).toHaveLength(1);
  });

  it('asks for a projected list with one comma-separated fields parameter', async () => {
    env = await startSimWithClient();
    env.sim.addApp({ name: 'web', source: SRC, labels: { team: 'a' } });
    env.sim.clearRequests();
    const apps = await env.client.listApplications({ fields: APP_INDEX_FIELDS });
    expect(env.sim.requestsTo('GET', '/api/v1/applications')[0].query).toEqual({ fields: APP_INDEX_FIELDS.join(',') });
    expect(apps).toEqual([{ metadata: { name: 'web', namespace: 'argocd', labels: { team: 'a' } }, spec: env.sim.getApp('web').spec }]);
  });
});
