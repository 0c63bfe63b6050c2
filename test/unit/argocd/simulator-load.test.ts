import { REFRESH_ANNOTATION, startArgoCDSimulator, type StartedArgoCDSimulator } from '../../../local/argocd-sim';
import { waitFor } from '../../helpers/argocd-sim';

const TOKEN = 'sim-load-token-123456';
const SRC = { repoURL: 'https://github.com/acme/mono.git', path: 'apps/a', targetRevision: 'main' };

async function get(s: StartedArgoCDSimulator, path: string, signal?: AbortSignal): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(s.url + path, { headers: { Authorization: `Bearer ${TOKEN}` }, signal });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

describe('ArgoCD simulator: a busy controller holds refreshes', () => {
  let s: StartedArgoCDSimulator;
  beforeEach(async () => {
    // Long enough per app that the checks below run while the first refresh is still held.
    s = await startArgoCDSimulator({ token: TOKEN, controllerMsPerApp: 700 });
    for (const name of ['a', 'b', 'c']) s.sim.addApp({ name, source: { ...SRC, path: `apps/${name}` } });
  });
  afterEach(() => s.close());

  it('sets the refresh annotation at once and answers only after the controller processed the app', async () => {
    let answered = false;
    const pending = get(s, '/api/v1/applications/a?refresh=normal').then((r) => ((answered = true), r));
    await waitFor(() => s.sim.refreshes.length === 1, 'refresh registered');
    expect(s.sim.getApp('a').metadata?.annotations?.[REFRESH_ANNOTATION]).toBe('normal');
    expect(answered).toBe(false);
    expect(s.sim.requestsTo('GET', '/api/v1/applications/a')[0].status).toBeUndefined();
    expect(s.sim.traffic.inFlight).toBe(1);

    const r = await pending;
    expect(r.status).toBe(200);
    expect(s.sim.controllerLoad.processed).toBe(1);
    expect(r.json.metadata.annotations?.[REFRESH_ANNOTATION]).toBeUndefined();
    expect(s.sim.requestsTo('GET', '/api/v1/applications/a')[0]).toMatchObject({ status: 200, bytes: Buffer.byteLength(r.text) });
  });

  it('queues apps behind each other, so the wait grows with load; a second refresh of a queued app joins its wait', async () => {
    const order: string[] = [];
    const calls = ['a', 'b', 'c', 'c'].map((n, i) =>
      get(s, `/api/v1/applications/${n}?refresh=normal`).then(() => {
        order.push(`${n}${i}`);
        return s.sim.controllerLoad.processed;
      }),
    );
    await waitFor(() => s.sim.refreshes.length === 4, 'four refreshes registered');
    expect(s.sim.controllerLoad).toMatchObject({ queued: 3, peakQueued: 3, processed: 0 });
    expect(s.sim.traffic.peakInFlight).toBe(4);
    const processedWhenAnswered = await Promise.all(calls);
    // Each answer came only after every app queued before it was processed.
    expect(processedWhenAnswered).toEqual([1, 2, 3, 3]);
    expect(order.slice(0, 2)).toEqual(['a0', 'b1']);
  });

  it('keeps a refresh registered when the client gives up waiting, and records the dropped request', async () => {
    const abort = new AbortController();
    const pending = get(s, '/api/v1/applications/b?refresh=hard', abort.signal).catch((e: Error) => e);
    await waitFor(() => s.sim.refreshes.length === 1, 'refresh registered');
    abort.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await waitFor(() => s.sim.requestsTo('GET', '/api/v1/applications/b')[0]?.status === 0, 'dropped request recorded');
    expect(s.sim.refreshes[0]).toMatchObject({ name: 'b', type: 'hard' });
    // The controller still does the work the refresh asked for.
    await waitFor(() => s.sim.controllerLoad.processed === 1, 'controller processed b', 5000);
    expect(s.sim.getApp('b').metadata?.annotations?.[REFRESH_ANNOTATION]).toBeUndefined();
    expect(s.sim.traffic.inFlight).toBe(0);
  });
});

describe('ArgoCD simulator: list projection and size', () => {
  let s: StartedArgoCDSimulator;
  beforeEach(async () => {
    s = await startArgoCDSimulator({ token: TOKEN, syncDurationMs: 5 });
    s.sim.addApp({ name: 'web', source: SRC, labels: { team: 'a' }, annotations: { note: 'x' }, history: 4, syncPolicy: { automated: { selfHeal: true } } });
  });
  afterEach(() => s.close());

  it('keeps only the named selectable fields; projected items have no apiVersion, kind or other metadata', async () => {
    const fields = [
      'items.metadata.name',
      'items.metadata.labels',
      'items.spec',
      'items.status.sync.status',
      'items.status.history',
      'items.status.conditions',
      'metadata.name',
      'items.bogus',
    ];
    const r = await get(s, `/api/v1/applications?fields=${fields.join(',')}`);
    expect(r.status).toBe(200);
    expect(r.json.items).toHaveLength(1);
    // status.history and status.conditions are not selectable: ignored, as ArgoCD does.
    expect(r.json.items[0]).toEqual({
      metadata: { name: 'web', labels: { team: 'a' } },
      spec: s.sim.getApp('web').spec,
      status: { sync: { status: 'Synced' } },
    });
    expect(r.json.metadata).toEqual({ resourceVersion: expect.any(String) });
  });

  it('with a leading "-" keeps every selectable field except the named ones, and never the unselectable ones', async () => {
    const r = await get(s, '/api/v1/applications?fields=-items.status.resources,items.spec');
    const item = r.json.items[0];
    expect(item.spec).toBeUndefined();
    expect(item.status.resources).toBeUndefined();
    expect(item.status.history).toBeUndefined();
    expect(item.metadata).toEqual({
      name: 'web',
      namespace: 'argocd',
      labels: { team: 'a' },
      annotations: { note: 'x' },
      creationTimestamp: expect.any(String),
    });
    expect(item.status.sync).toEqual({ status: 'Synced', revision: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(item.status.health).toEqual({ status: 'Healthy', lastTransitionTime: expect.any(String) });
    expect(item.status.operationState).toEqual({ phase: 'Succeeded', startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(item.apiVersion).toBeUndefined();
  });

  it('keeps the whole spec when spec and one of its parts are both named', async () => {
    const r = await get(s, '/api/v1/applications?fields=items.spec.project,items.spec');
    expect(r.json.items[0]).toEqual({ spec: s.sim.getApp('web').spec });
    const part = await get(s, '/api/v1/applications?fields=items.spec.project,items.spec.syncPolicy');
    expect(part.json.items[0]).toEqual({ spec: { project: 'default', syncPolicy: { automated: { selfHeal: true } } } });
  });

  it("records the bytes it sent; the full list grows with the apps' status while a projected one does not", async () => {
    const full1 = await get(s, '/api/v1/applications');
    const proj1 = await get(s, '/api/v1/applications?fields=items.metadata.name,items.spec');
    const [rf1, rp1] = s.sim.requestsTo('GET', '/api/v1/applications');
    expect(rf1.bytes).toBe(Buffer.byteLength(full1.text));
    expect(rp1.bytes).toBe(Buffer.byteLength(proj1.text));
    expect(rp1.bytes!).toBeLessThan(rf1.bytes! / 3);
    expect(s.sim.traffic.bytesSent).toBe(rf1.bytes! + rp1.bytes!);

    // More history and more resources make the full list bigger.
    s.sim.addApp({
      name: 'big',
      source: { ...SRC, path: 'apps/big' },
      history: 10,
      resources: Array.from({ length: 20 }, (_, i) => ({ kind: 'ConfigMap', name: `cm-${i}` })),
    });
    s.sim.addApp({ name: 'small', source: { ...SRC, path: 'apps/small' }, history: 1, resources: [] });
    const big = await get(s, '/api/v1/applications?name=big');
    const small = await get(s, '/api/v1/applications?name=small');
    expect(Buffer.byteLength(big.text)).toBeGreaterThan(3 * Buffer.byteLength(small.text));
    const bigProj = await get(s, '/api/v1/applications?name=big&fields=items.metadata.name,items.spec');
    const smallProj = await get(s, '/api/v1/applications?name=small&fields=items.metadata.name,items.spec');
    expect(Math.abs(Buffer.byteLength(bigProj.text) - Buffer.byteLength(smallProj.text))).toBeLessThan(20);
  });

  it('answers what the app is now after any change, projected or whole, whichever selection came before', async () => {
    const fields = 'fields=items.metadata.name,items.status.sync.status,items.status.resources';
    const before = await get(s, `/api/v1/applications?${fields}`);
    expect(before.json.items[0].status.sync.status).toBe('Synced');
    s.sim.injectDrift({ name: 'web' }, { kind: 'Deployment', name: 'web', field: 'spec.replicas', value: 9 });
    const drifted = await get(s, `/api/v1/applications?${fields}`);
    expect(drifted.json.items[0].status.sync.status).toBe('OutOfSync');
    expect(drifted.json.items[0].status.resources.find((r: { kind: string }) => r.kind === 'Deployment').status).toBe('OutOfSync');
    // Another selection, then the first again: each answers its own fields.
    expect((await get(s, '/api/v1/applications?fields=items.metadata.labels')).json.items[0]).toEqual({ metadata: { labels: { team: 'a' } } });
    s.sim.clearDrift({ name: 'web' });
    const labelsOnly = await get(s, '/api/v1/applications?fields=items.metadata.labels');
    expect(labelsOnly.json.items[0]).toEqual({ metadata: { labels: { team: 'a' } } });
    expect((await get(s, `/api/v1/applications?${fields}`)).json.items[0].status.sync.status).toBe('Synced');
    // A refresh changes the app (annotation) at once: a projected list shows it.
    const annotated = await get(s, '/api/v1/applications/web?refresh=normal');
    expect(annotated.status).toBe(200);
    const updated = await get(s, '/api/v1/applications?fields=items.metadata.annotations');
    expect(updated.json.items[0].metadata.annotations).toEqual(s.sim.getApp('web').metadata?.annotations);
  });

  it('answers items null for an empty projected list', async () => {
    const r = await get(s, '/api/v1/applications?selector=team%3Dnone&fields=items.metadata.name');
    expect(r.text).toMatch(/"items":null/);
  });
});
