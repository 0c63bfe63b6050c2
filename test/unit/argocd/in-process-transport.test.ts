import { ArgoCDClient, type AppRef, type ArgoCDClientOptions } from '../../../functions/lib/argocd';
import { waitFor } from '../../helpers/argocd-sim';
import { ArgoCDSimulator, inProcessTransport, startArgoCDSimulator, type ArgoCDSimulatorOptions, type RecordedRequest } from '../../../local/argocd-sim';

const TOKEN = 'sim-token-0123456789';
const SOURCE = { repoURL: 'https://github.com/acme/api.git', path: '.', targetRevision: 'main' };
const ref = (name: string, namespace = 'argocd'): AppRef => ({ instance: 'default', namespace, name });

/** One simulator with the same seed for each run, and a client aimed at it. */
interface Target {
  sim: ArgoCDSimulator;
  client(options?: Partial<ArgoCDClientOptions>): ArgoCDClient;
  close(): Promise<void>;
}

function seededSim(): ArgoCDSimulatorOptions {
  return {
    instance: 'default',
    token: TOKEN,
    syncDurationMs: 20,
    seed: {
      projects: [{ name: 'shop' }],
      apps: [
        { name: 'api', project: 'shop', history: 2, source: SOURCE },
        { name: 'web', namespace: 'team-a', history: 1, source: { ...SOURCE, repoURL: 'https://github.com/acme/web.git' } },
      ],
    },
  };
}

const clientOptions = (server: string): ArgoCDClientOptions => ({
  name: 'default',
  server,
  getToken: async () => TOKEN,
  retries: 1,
  backoffMs: 1,
  timeoutMs: 2000,
  logger: { warn: () => undefined, error: () => undefined },
});

async function overHttp(): Promise<Target> {
  const started = await startArgoCDSimulator(seededSim());
  const clients: ArgoCDClient[] = [];
  return {
    sim: started.sim,
    client: (o = {}) => {
      const c = new ArgoCDClient({ ...clientOptions(started.url), ...o });
      clients.push(c);
      return c;
    },
    close: async () => {
      clients.forEach((c) => c.close());
      await started.close();
    },
  };
}

async function inProcess(): Promise<Target> {
  const sim = new ArgoCDSimulator(seededSim());
  return {
    sim,
    client: (o = {}) => new ArgoCDClient({ ...clientOptions('http://default.argocd.invalid'), transport: inProcessTransport(sim), ...o }),
    close: async () => sim.close(),
  };
}

/** What a call came to: the value's shape, or the error's class and its status/reason. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    const value = (await call()) as { metadata?: { name?: string } } | Array<{ metadata?: { name?: string } }>;
    return { ok: Array.isArray(value) ? value.map((a) => a.metadata?.name) : value?.metadata?.name };
  } catch (error) {
    const e = error as Error & { httpStatus?: number; reason?: string };
    return { error: e.name, status: e.httpStatus, reason: e.reason };
  }
}

/** A recorded request without what differs between runs (sequence, time, the host and its port). */
function comparable(r: RecordedRequest) {
  const { seq: _seq, at: _at, headers, ...rest } = r;
  const { host: _host, ...kept } = headers;
  return { ...rest, headers: kept };
}

/** The same calls against a target, from plain reads to faults; what each came to and what the simulator recorded. */
async function exercise(target: Target) {
  const client = target.client();
  const results: Record<string, unknown> = {};
  results.list = await outcome(() => client.listApplications({ projects: ['shop', 'default'], fields: ['items.metadata.name'] }));
  results.get = await outcome(() => client.getApplication(ref('web', 'team-a'), { project: 'default' }));
  results.missing = await outcome(() => client.getApplication(ref('nope'), { project: 'shop' }));
  results.sync = await outcome(() => client.syncApplication(ref('api'), { prune: false, project: 'shop' }));
  target.sim.injectFaults({ failNext: 1, failStatus: 503, retryAfterSec: 0 });
  results.retried = await outcome(() => client.listProjects());
  results.badToken = await outcome(() => target.client({ getToken: async () => 'wrong-token-000000' }).getProject('shop'));
  target.sim.injectFaults({ down: true });
  results.down = await outcome(() => client.getApplication(ref('api')));
  target.sim.clearFaults();
  target.sim.injectFaults({ latencyMs: 60_000, pathPattern: '^/api/v1/projects/shop$' });
  results.timeout = await outcome(() => target.client({ timeoutMs: 200, retries: 0 }).getProject('shop'));
  target.sim.clearFaults();
  return { results, requests: target.sim.requests.map(comparable) };
}

describe('inProcessTransport (the simulator without its socket)', () => {
  const targets: Target[] = [];
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((t) => t.close()));
  });

  it('gives the client the same answers, errors and retries as HTTP, and the simulator the same requests', async () => {
    const http = await overHttp();
    const local = await inProcess();
    targets.push(http, local);

    const viaHttp = await exercise(http);
    const viaInProcess = await exercise(local);

    expect(viaInProcess).toEqual(viaHttp);
    // The scenarios did what they say: the answers differ from one another as intended.
    expect(viaHttp.results).toMatchObject({
      list: { ok: ['api', 'web'] },
      get: { ok: 'web' },
      missing: { error: 'ArgoCDNotFoundError', status: 404 },
      sync: { ok: 'api' },
      badToken: { error: 'ArgoCDAuthError', status: 401 },
      down: { error: 'ArgoCDUnavailableError', reason: 'network' },
      timeout: { error: 'ArgoCDUnavailableError', reason: 'timeout' },
    });
    expect(viaHttp.requests.filter((r) => r.path === '/api/v1/projects').map((r) => r.status)).toEqual([503, 200]);
    expect(viaInProcess.requests.find((r) => r.method === 'POST')).toMatchObject({
      headers: { 'content-type': 'application/json', 'content-length': expect.any(String) },
      body: { name: 'api', prune: false, project: 'shop' },
    });
  });

  it('carries an injected 503 and its Retry-After header back to the client', async () => {
    const local = await inProcess();
    targets.push(local);
    local.sim.injectFaults({ failNext: 1, failStatus: 503, retryAfterSec: 7 });
    const seen: Array<{ status: number; retryAfter: unknown }> = [];
    const transport = inProcessTransport(local.sim);
    const probe = new ArgoCDClient({
      ...clientOptions('http://default.argocd.invalid'),
      transport: async (config) => {
        const res = await transport(config);
        seen.push({ status: res.status, retryAfter: res.headers['retry-after'] });
        return res;
      },
      retries: 0,
    });
    await expect(probe.listApplications()).rejects.toMatchObject({ name: 'ArgoCDUnavailableError', httpStatus: 503 });
    expect(seen).toEqual([{ status: 503, retryAfter: '7' }]);
  });

  it('drops held requests when the instance goes down, over HTTP and in-process from the same simulator', async () => {
    const http = await overHttp();
    targets.push(http);
    http.sim.injectFaults({ latencyMs: 60_000 });
    const overSocket = outcome(() => http.client({ retries: 0 }).listProjects());
    const inProcess = outcome(() =>
      new ArgoCDClient({ ...clientOptions('http://default.argocd.invalid'), transport: inProcessTransport(http.sim), retries: 0 }).listProjects(),
    );
    await waitFor(() => http.sim.requests.length === 2, 'both requests held by the simulator');

    http.sim.injectFaults({ down: true });

    expect(await Promise.all([overSocket, inProcess])).toEqual([
      { error: 'ArgoCDUnavailableError', status: undefined, reason: 'network' },
      { error: 'ArgoCDUnavailableError', status: undefined, reason: 'network' },
    ]);
  });

  it('refuses a refresh, which needs to know when bytes reached a socket', async () => {
    const local = await inProcess();
    targets.push(local);
    await expect(local.client().refreshApplication(ref('api'))).rejects.toThrow(TypeError);
    expect(local.sim.requests).toEqual([]);
  });
});
