import {
  ArgoCDSimulator,
  generateSyntheticSeed,
  loadSeedFile,
  startArgoCDSimulator,
  startSimulators,
  type StartedArgoCDSimulator,
} from '../../../local/argocd-sim';
import { waitFor } from '../../helpers/argocd-sim';

const TOKEN = 'sim-test-token-123456';
const SRC = { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'main' };

/** Raw HTTP call, so the tests see exactly what the simulator answers. */
async function call(base: string, method: string, path: string, opts: { token?: string; contentType?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  const res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') };
}

describe('ArgoCD simulator over HTTP', () => {
  let s: StartedArgoCDSimulator;

  beforeEach(async () => {
    s = await startArgoCDSimulator({ token: TOKEN, syncDurationMs: 10 });
    s.sim.addApp({ name: 'guestbook', source: SRC });
    s.sim.addApp({ name: 'auto', source: SRC, syncPolicy: { automated: {} } });
  });
  afterEach(() => s.close());

  it("answers 401 with ArgoCD's error shape without a token or with a wrong one", async () => {
    const none = await call(s.url, 'GET', '/api/v1/applications');
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: 'no session information', code: 16, message: 'no session information', details: [] });
    const wrong = await call(s.url, 'GET', '/api/v1/applications', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe(16);
  });

  it('answers 415 in plain text when a write lacks Content-Type exactly application/json', async () => {
    const body = {};
    const charset = await call(s.url, 'POST', '/api/v1/applications/guestbook/sync', { token: TOKEN, contentType: 'application/json; charset=utf-8', body });
    expect(charset.status).toBe(415);
    expect(charset.text).toBe('Invalid content type\n');
    const missing = await call(s.url, 'POST', '/api/v1/applications/guestbook/sync', { token: TOKEN, body });
    expect(missing.status).toBe(415);
    const ok = await call(s.url, 'POST', '/api/v1/applications/guestbook/sync', { token: TOKEN, contentType: 'application/json', body });
    expect(ok.status).toBe(200);
    expect(ok.json.status.operationState.phase).toBe('Running');
  });

  it('checks the content type before auth, as ArgoCD wraps its whole API', async () => {
    const r = await call(s.url, 'POST', '/api/v1/applications/guestbook/sync', { contentType: 'text/plain', body: {} });
    expect(r.status).toBe(415);
  });

  it('reads appNamespace from the body on POST and ignores it in the query', async () => {
    s.sim.addApp({ name: 'worker', namespace: 'team-a', source: SRC });
    const viaQuery = await call(s.url, 'POST', '/api/v1/applications/worker/sync?appNamespace=team-a', {
      token: TOKEN,
      contentType: 'application/json',
      body: {},
    });
    expect(viaQuery.status).toBe(403);
    const viaBody = await call(s.url, 'POST', '/api/v1/applications/worker/sync', {
      token: TOKEN,
      contentType: 'application/json',
      body: { appNamespace: 'team-a' },
    });
    expect(viaBody.status).toBe(200);
  });

  it('matches repo exactly against the first source, without normalisation', async () => {
    const exact = await call(s.url, 'GET', `/api/v1/applications?repo=${encodeURIComponent(SRC.repoURL)}`, { token: TOKEN });
    expect(exact.json.items).toHaveLength(2);
    const noGit = await call(s.url, 'GET', `/api/v1/applications?repo=${encodeURIComponent(SRC.repoURL.replace(/\.git$/, ''))}`, { token: TOKEN });
    expect(noGit.json.items).toBeNull();
  });

  it('records requests without the Authorization header and serves them on /__sim/requests', async () => {
    await call(s.url, 'GET', '/api/v1/applications/guestbook?refresh=normal', { token: TOKEN });
    const log = await call(s.url, 'GET', '/__sim/requests');
    expect(log.json.requests).toHaveLength(1);
    expect(log.json.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/applications/guestbook', query: { refresh: 'normal' }, status: 200 });
    expect(JSON.stringify(log.json)).not.toContain(TOKEN);
    expect(log.json.refreshes).toEqual([expect.objectContaining({ name: 'guestbook', type: 'normal' })]);
  });

  it('injects faults and drift through the admin routes', async () => {
    await call(s.url, 'POST', '/__sim/faults', { contentType: 'application/json', body: { failNext: 1, failStatus: 500 } });
    expect((await call(s.url, 'GET', '/api/v1/applications', { token: TOKEN })).status).toBe(500);
    expect((await call(s.url, 'GET', '/api/v1/applications', { token: TOKEN })).status).toBe(200);
    await call(s.url, 'POST', '/__sim/drift', {
      contentType: 'application/json',
      body: { name: 'guestbook', drift: { kind: 'Service', name: 'guestbook', field: 'spec.type', value: 'NodePort' } },
    });
    const app = await call(s.url, 'GET', '/api/v1/applications/guestbook', { token: TOKEN });
    expect(app.json.status.sync.status).toBe('OutOfSync');
    expect(app.json.status.resources.find((r: any) => r.kind === 'Service').status).toBe('OutOfSync');
    await call(s.url, 'POST', '/__sim/token', { contentType: 'application/json', body: { token: 'rotated-token-999' } });
    expect((await call(s.url, 'GET', '/api/v1/applications', { token: TOKEN })).status).toBe(401);
  });

  it('auto-syncs an automated app when a refresh finds a new commit', async () => {
    const sha = 'a'.repeat(40);
    s.sim.setHead(SRC.repoURL, 'main', sha);
    await call(s.url, 'GET', '/api/v1/applications/auto?refresh=normal', { token: TOKEN });
    await waitFor(() => s.sim.getApp('auto').status?.history?.at(-1)?.revision === sha, 'auto-sync to the pushed commit');
    const app = s.sim.getApp('auto');
    expect(app.status?.sync?.status).toBe('Synced');
    expect(app.status?.history?.at(-1)?.initiatedBy).toEqual({ automated: true });
    // the manual app only shows OutOfSync
    await call(s.url, 'GET', '/api/v1/applications/guestbook?refresh=normal', { token: TOKEN });
    expect(s.sim.getApp('guestbook').status?.sync?.status).toBe('OutOfSync');
  });

  it('drops connections while down', async () => {
    s.sim.injectFaults({ down: true });
    await expect(call(s.url, 'GET', '/api/version')).rejects.toThrow();
    s.sim.clearFaults();
    expect((await call(s.url, 'GET', '/api/version')).status).toBe(200);
  });

  it('rollback puts the old revision live and leaves the app OutOfSync', async () => {
    for (const rev of ['1'.repeat(40), '2'.repeat(40)]) {
      await call(s.url, 'POST', '/api/v1/applications/guestbook/sync', { token: TOKEN, contentType: 'application/json', body: { revision: rev } });
      await waitFor(() => s.sim.getApp('guestbook').status?.operationState?.phase === 'Succeeded', 'sync');
    }
    const first = s.sim.getApp('guestbook').status!.history!.find((h) => h.revision === '1'.repeat(40))!;
    const r = await call(s.url, 'POST', '/api/v1/applications/guestbook/rollback', { token: TOKEN, contentType: 'application/json', body: { id: first.id } });
    expect(r.status).toBe(200);
    await waitFor(() => s.sim.getApp('guestbook').status?.operationState?.phase === 'Succeeded', 'rollback');
    expect(s.sim.getApp('guestbook').status?.history?.at(-1)?.revision).toBe('1'.repeat(40));
    expect(s.sim.getApp('guestbook').status?.sync?.status).toBe('OutOfSync');
  });
});

describe('ArgoCD simulator: sync windows', () => {
  const project = {
    syncWindows: [
      { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['*'], manualSync: false },
      { kind: 'allow', schedule: '0 8 * * 1-5', duration: '10h', applications: ['web-*'], manualSync: true },
    ],
  };

  function simAt(iso: string): ArgoCDSimulator {
    const sim = new ArgoCDSimulator({ now: () => new Date(iso) });
    sim.addProject('p', project);
    sim.addApp({ name: 'api', project: 'p', source: SRC });
    sim.addApp({ name: 'web-shop', project: 'p', source: SRC });
    return sim;
  }

  it('blocks inside a deny window and refuses sync with 403 "cannot sync: blocked by sync window"', () => {
    const sim = simAt('2025-03-04T23:30:00Z');
    const sa = sim.findApp('api');
    expect(sim.syncWindows(sa)).toMatchObject({ canSync: false, activeWindows: [expect.objectContaining({ kind: 'deny' })] });
    expect(() => sim.sync(sa, {})).toThrow('cannot sync: blocked by sync window');
    sim.close();
  });

  it('allows outside the deny window (it ended after 8h)', () => {
    const sim = simAt('2025-03-04T06:30:00Z');
    expect(sim.syncWindows(sim.findApp('api')).canSync).toBe(true);
    sim.close();
  });

  it('allows manual sync outside an allow window only with manualSync', () => {
    const sim = simAt('2025-03-08T12:00:00Z'); // Saturday: the weekday allow window is inactive
    const r = sim.syncWindows(sim.findApp('web-shop'));
    expect(r.activeWindows).toHaveLength(0);
    expect(r.assignedWindows).toHaveLength(2);
    expect(r.canSync).toBe(true);
    sim.close();
  });
});

describe('ArgoCD simulator: multi-source and seeds', () => {
  it('syncs a multi-source app per source and reports status.sync.revisions', async () => {
    const sim = new ArgoCDSimulator({ syncDurationMs: 5 });
    sim.addApp({
      name: 'stack',
      sources: [
        { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', targetRevision: '65.1.1' },
        { repoURL: 'https://github.com/acme/config.git', targetRevision: 'main', ref: 'values' },
      ],
    });
    const sa = sim.findApp('stack');
    expect(sa.app.status?.sync?.revisions?.[0]).toBe('65.1.1');
    sim.sync(sa, { revisions: ['b'.repeat(40)], sourcePositions: ['2'] });
    await waitFor(() => sa.app.status?.operationState?.phase === 'Succeeded', 'multi-source sync');
    expect(sa.app.status?.history?.at(-1)?.revisions).toEqual(['65.1.1', 'b'.repeat(40)]);
    sim.close();
  });

  it('loads the demo seed into two instances with apps in another namespace and annotations', async () => {
    const seed = loadSeedFile();
    expect(Object.keys(seed.instances)).toEqual(['default', 'staging']);
    const sims = await startSimulators(seed, { token: TOKEN });
    try {
      const body = await call(sims.instances.default.url, 'GET', '/api/v1/applications', { token: TOKEN });
      const names = body.json.items.map((a: any) => `${a.metadata.namespace}/${a.metadata.name}`);
      expect(names).toContain('team-payments/payments-worker');
      expect(body.json.items.some((a: any) => a.metadata.annotations?.['gitops-sentinel/auto-repair'] === 'true')).toBe(true);
      expect(body.json.items.some((a: any) => a.spec.sources?.length === 2)).toBe(true);
      const history = body.json.items.find((a: any) => a.metadata.name === 'helm-guestbook').status.history;
      expect(history).toHaveLength(10);
      expect(sims.instances.staging.url).not.toBe(sims.instances.default.url);
    } finally {
      await sims.close();
    }
  });

  // How fast is a benchmark's question (bench/drift-scan); a unit test on a shared machine
  // only checks that the whole list comes in one answer, and what it weighed.
  it('lists 20,000 synthetic apps in one answer and records its size', async () => {
    const seed = generateSyntheticSeed({ apps: 20_000, instances: 1 });
    const s = await startArgoCDSimulator({ token: TOKEN, seed: seed.instances['inst-0'] });
    try {
      const r = await call(s.url, 'GET', '/api/v1/applications', { token: TOKEN });
      expect(r.json.items).toHaveLength(20_000);
      expect(s.sim.requestsTo('GET', '/api/v1/applications')[0].bytes).toBe(Buffer.byteLength(r.text));
    } finally {
      await s.close();
    }
  });
});

describe('ArgoCD simulator: faults and namespaces', () => {
  const draw = (sim: ArgoCDSimulator, n: number): Array<number | undefined> => Array.from({ length: n }, () => sim.takeFailure('/api/v1/applications'));

  it('fails the same calls for the same fault seed, and a new seed restarts the sequence', () => {
    const a = new ArgoCDSimulator({ token: TOKEN, faultSeed: 7 });
    const b = new ArgoCDSimulator({ token: TOKEN, faultSeed: 7 });
    a.injectFaults({ failRate: 0.5 });
    b.injectFaults({ failRate: 0.5 });
    const first = draw(a, 64);
    expect(draw(b, 64)).toEqual(first);
    // About half fail, and not all the same way: the sequence is random, only repeatable.
    expect(first.filter((x) => x === 503).length).toBeGreaterThan(10);
    expect(first.filter((x) => x === undefined).length).toBeGreaterThan(10);
    a.injectFaults({ seed: 7 });
    expect(draw(a, 64)).toEqual(first);
    const other = new ArgoCDSimulator({ token: TOKEN, faultSeed: 8 });
    other.injectFaults({ failRate: 0.5 });
    expect(draw(other, 64)).not.toEqual(first);
    a.clearFaults();
    a.injectFaults({ failRate: 0.5 });
    expect(draw(a, 64)).toEqual(first);
  });

  it('allows app namespaces by glob and refuses others with 403', () => {
    const sim = new ArgoCDSimulator({ token: TOKEN, appNamespaces: ['team-*'] });
    sim.addApp({ name: 'w', namespace: 'team-a', source: SRC });
    expect(sim.findApp('w', 'team-a').app.metadata?.namespace).toBe('team-a');
    expect(() => sim.findApp('w', 'other')).toThrow(expect.objectContaining({ httpStatus: 403, message: "namespace 'other' is not permitted" }));
    expect(() => sim.createApp({ metadata: { name: 'x', namespace: 'teamb' }, spec: { project: 'default', source: SRC } })).toThrow(
      expect.objectContaining({ httpStatus: 403 }),
    );
  });
});
