/**
 * HTTP front of the simulator (node:http): ArgoCD's REST subset with its checks in
 * ArgoCD's order (content type, then auth, then the call), plus `/__sim/...` admin
 * routes (no auth; the server binds to 127.0.0.1) for the local stack, CLI and benchmarks.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { startAppSetWebhook, AppSetWebhookReceiver, type AppSetWebhookSecrets, type StartedAppSetWebhook } from './appset-webhook';
import { parseFieldSelection } from './projection';
import { ArgoCDSimulator, SimError } from './simulator';
import type { ArgoCDSimulatorOptions, DriftSpec } from './types';
import { listenLocal } from '../listen';

/** A running simulator. */
export interface StartedArgoCDSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Bearer token accepted at start (see `sim.setToken` for rotation). */
  token: string;
  /** The state and controller API. */
  sim: ArgoCDSimulator;
  /** The ApplicationSet controller's webhook, on its own port as in ArgoCD (when asked for). */
  appsetWebhook?: StartedAppSetWebhook;
  /** Stops the server, drops open connections and timers. */
  close(): Promise<void>;
}

/** Options of {@link startArgoCDSimulator}. */
export interface StartArgoCDSimulatorOptions extends ArgoCDSimulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /**
   * Also start the ApplicationSet controller's webhook (`appsetWebhook`), verifying with these
   * secrets (empty: nothing checked, as ArgoCD without them). @default not started
   */
  applicationSetWebhook?: { secrets?: AppSetWebhookSecrets };
}

const MAX_BODY = 10 * 1024 * 1024;

/**
 * Called with status and body bytes as an answer is sent (recorded then, not on 'finish',
 * which in one process may come after the client has read the answer).
 */
const onAnswer = new WeakMap<http.ServerResponse, (status: number, bytes: number) => void>();

function sendText(res: http.ServerResponse, status: number, text: string | Buffer, headers: Record<string, string>): void {
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  onAnswer.get(res)?.(status, length);
  res.writeHead(status, { ...headers, 'Content-Length': length });
  res.end(text);
}

/** JSON answer; a Buffer is sent as it is (JSON already encoded, as the list call builds it). */
function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  sendText(res, status, text, { 'Content-Type': 'application/json' });
}

function sendError(res: http.ServerResponse, err: SimError): void {
  sendJson(res, err.httpStatus, { error: err.message, code: err.grpcCode, message: err.message, details: [] });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SimError(8, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function queryOf(url: URL): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const k of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(k);
    q[k] = all.length > 1 ? all : all[0];
  }
  return q;
}

// Unref'd: the listening server keeps the process alive while it runs; a long injected latency
// must not keep it alive after the simulator closed.
const delay = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms).unref()) : Promise.resolve());

function parseJson(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SimError(3, 'invalid character in request body: not valid JSON');
  }
}

/** Builds the request handler for one simulator. */
export function createSimulatorHandler(sim: ArgoCDSimulator): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    handle(sim, req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof SimError) sendError(res, err);
      else sendError(res, new SimError(13, err instanceof Error ? err.message : 'internal error'));
    });
  };
}

async function handle(sim: ArgoCDSimulator, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.local');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = await readBody(req);

  if (path.startsWith('/__sim/')) return admin(sim, method, path, url, raw, res);

  if (sim.faults.down) {
    req.socket.destroy();
    return;
  }

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'authorization' || k === 'cookie') continue;
    headers[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  }
  let body: unknown;
  if (raw) {
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
  }
  const rec = sim.record({ method, path, query: queryOf(url), headers, contentType: req.headers['content-type'], body });
  // Status and body bytes once answered; a request dropped first (client gave up on a held
  // refresh, or the instance went down) counts as status 0 and 0 bytes.
  sim.requestOpened();
  let answered = false;
  onAnswer.set(res, (status, bytes) => {
    answered = true;
    rec.status = status;
    sim.requestAnswered(rec, bytes);
  });
  res.on('close', () => {
    if (!answered) rec.status = 0;
    sim.requestClosed();
  });

  const latency = sim.takeLatency(path, method);
  await delay(latency);
  // A client that left before the request was acted upon (reset, or FIN: Go cancels the request's
  // context when the client closes, and ArgoCD's first Kubernetes call then fails) is not served.
  // That includes a request read late because the server was starved: the storm bench's defect.
  if (sim.faults.down || res.destroyed || res.socket?.readableEnded) {
    req.socket.destroy();
    return;
  }
  const failure = sim.takeFailure(path, method);
  if (failure) {
    // The gRPC code grpc-gateway answers each status for (409: Aborted, a Kubernetes conflict).
    const code = failure === 429 ? 8 : failure === 504 ? 4 : failure === 503 ? 14 : failure === 409 ? 10 : 13;
    const text = JSON.stringify({ error: 'injected failure', code, message: 'injected failure', details: [] });
    sendText(res, failure, text, {
      'Content-Type': 'application/json',
      ...(sim.faults.retryAfterSec > 0 ? { 'Retry-After': String(sim.faults.retryAfterSec) } : {}),
    });
    return;
  }

  // server/server.go enforceContentTypes: every non-GET needs the whole header to be an
  // allowed type (default only application/json); answered by http.Error in plain text.
  if (method !== 'GET' && (req.headers['content-type'] ?? '').toLowerCase() !== 'application/json') {
    sendText(res, 415, 'Invalid content type\n', { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    return;
  }

  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
  const authenticated = !!bearer && bearer === sim.acceptedToken && !sim.takeUnauthorized();

  if (method === 'GET' && path === '/api/version') return sendJson(res, 200, sim.versionInfo(authenticated));
  if (!authenticated) {
    const msg = bearer ? 'invalid session: token signature is invalid' : 'no session information';
    return sendError(res, new SimError(16, msg));
  }
  return route(sim, method, path, url, raw, res);
}

function qs(url: URL, name: string): string | undefined {
  return url.searchParams.get(name) ?? undefined;
}

/** One ArgoCD API request, as a route of {@link SIM_ROUTES} sees it. */
interface SimRequest {
  sim: ArgoCDSimulator;
  path: string;
  url: URL;
  raw: string;
  res: http.ServerResponse;
  /** The app or project the path names (`/api/v1/applications/{name}...`, `/api/v1/projects/{name}...`). */
  name: string;
}

/** The filters of managed-resources and resource-tree (query parameters of the same names). */
const resourceFilter = (url: URL) => ({
  namespace: qs(url, 'namespace'),
  name: qs(url, 'name'),
  version: qs(url, 'version'),
  group: qs(url, 'group'),
  kind: qs(url, 'kind'),
});

/** The app a GET (or PUT .../spec) names: `appNamespace` and `project` from the query. */
const queriedApp = ({ sim, name, url }: SimRequest) => sim.findApp(name, qs(url, 'appNamespace'), qs(url, 'project'));

/** The app a POST names: on POST, ArgoCD reads appNamespace and project from the body only. */
const postedApp = ({ sim, name }: SimRequest, body: Record<string, unknown>) =>
  sim.findApp(name, body.appNamespace as string | undefined, body.project as string | undefined);

/**
 * GET one app. With `refresh`, ArgoCD registers the refresh, then holds the request until the
 * controller has processed the app; a client that gives up meanwhile just closes the connection.
 * Like Go's server, a client that closes its side (FIN) cancels the wait: the connection is
 * dropped then, not held until the controller is done.
 */
async function getApp(r: SimRequest): Promise<void> {
  const { sim, url, res } = r;
  const sa = queriedApp(r);
  const refresh = qs(url, 'refresh');
  if (refresh === 'normal' || refresh === 'hard') {
    const socket = res.socket;
    let gone = false;
    let leave = (): void => undefined;
    const left = new Promise<void>((resolve) => {
      leave = () => {
        gone = true;
        resolve();
      };
      socket?.once('end', leave);
      res.once('close', leave);
    });
    const processed = sim.refresh(sa, refresh); // registered now, before any wait
    if (socket?.readableEnded) gone = true;
    else await Promise.race([processed, left]);
    // A keep-alive socket serves many requests: each one's listener goes with it.
    socket?.off('end', leave);
    res.off('close', leave);
    if (gone) {
      socket?.destroy();
      return;
    }
  }
  if (res.destroyed || sim.faults.down) return;
  return sendJson(res, 200, sim.appBytes(sa));
}

/**
 * The ArgoCD endpoints the simulator serves, by `METHOD path` below `/api/v1` (`:name` is one
 * segment; under `applications/:name`, segments after the sub-resource are not looked at, as
 * before this was a table). A request matching none is gRPC NotFound.
 */
const SIM_ROUTES: Record<string, (r: SimRequest) => void | Promise<void>> = {
  'GET applications': ({ sim, url, res }) => {
    const projects = [...url.searchParams.getAll('projects'), ...url.searchParams.getAll('project')];
    const filter = { name: qs(url, 'name'), selector: qs(url, 'selector'), projects, appNamespace: qs(url, 'appNamespace'), repo: qs(url, 'repo') };
    return sendJson(res, 200, sim.listBody(filter, parseFieldSelection(qs(url, 'fields'))));
  },
  'POST applications': ({ sim, url, raw, res }) => sendJson(res, 200, sim.createApp(parseJson(raw) as never, url.searchParams.get('upsert') === 'true')),
  'GET applications/:name': getApp,
  'POST applications/:name/sync': (r) => {
    const body = parseJson(r.raw) as Record<string, unknown>;
    return answerWrite(r.sim, r.path, r.res, r.sim.sync(postedApp(r, body), body));
  },
  'POST applications/:name/rollback': (r) => {
    const body = parseJson(r.raw) as Record<string, unknown>;
    return answerWrite(r.sim, r.path, r.res, r.sim.rollback(postedApp(r, body), body));
  },
  'GET applications/:name/syncwindows': (r) => sendJson(r.res, 200, r.sim.syncWindows(queriedApp(r))),
  'GET applications/:name/managed-resources': (r) => sendJson(r.res, 200, { items: r.sim.managedResources(queriedApp(r), resourceFilter(r.url)) }),
  'GET applications/:name/resource-tree': (r) => sendJson(r.res, 200, r.sim.resourceTree(queriedApp(r), resourceFilter(r.url))),
  'PUT applications/:name': ({ sim, name, url, raw, res }) => {
    // The namespace comes from the body's metadata; `project` (query) is the app's current project.
    const body = parseJson(raw) as { metadata?: { namespace?: string } };
    return sendJson(res, 200, sim.updateApp(sim.findApp(name, body.metadata?.namespace, qs(url, 'project')), body));
  },
  'PUT applications/:name/spec': (r) => sendJson(r.res, 200, r.sim.updateSpec(queriedApp(r), parseJson(r.raw) as never)),
  'GET projects': ({ sim, res }) => sendJson(res, 200, { metadata: {}, items: sim.listProjects() }),
  'POST projects': ({ sim, raw, res }) => {
    const body = parseJson(raw) as { project?: never; upsert?: boolean };
    return sendJson(res, 200, sim.createProject(body.project as never, body.upsert === true));
  },
  'GET projects/:name': ({ sim, name, res }) => sendJson(res, 200, sim.getProject(name)),
  'PUT projects/:name': ({ sim, name, raw, res }) => {
    const body = parseJson(raw) as { project?: never };
    return sendJson(res, 200, sim.updateProject(name, body.project as never));
  },
  'GET projects/:name/syncwindows': ({ sim, name, res }) => sendJson(res, 200, sim.projectSyncWindows(name)),
};

/** The {@link SIM_ROUTES} key of a path's segments below `/api/v1`, or undefined when it names no route shape. */
function routeKey(method: string, seg: string[]): string | undefined {
  const [, , collection, name, sub] = seg;
  if (collection === 'applications' && seg.length >= 3) return `${method} applications${seg.length >= 4 ? `/:name${sub ? `/${sub}` : ''}` : ''}`;
  if (collection !== 'projects') return undefined;
  if (seg.length === 3) return `${method} projects`;
  if (seg.length === 4) return `${method} projects/:name`;
  return seg.length === 5 && sub === 'syncwindows' && name ? `${method} projects/:name/syncwindows` : undefined;
}

async function route(sim: ArgoCDSimulator, method: string, path: string, url: URL, raw: string, res: http.ServerResponse): Promise<void> {
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  // seg: ['api','v1','applications', name?, sub?]
  if (seg[0] !== 'api' || seg[1] !== 'v1') throw new SimError(5, 'Not Found');
  const key = routeKey(method, seg);
  const handler = key !== undefined && Object.hasOwn(SIM_ROUTES, key) ? SIM_ROUTES[key] : undefined;
  if (!handler) throw new SimError(5, 'Not Found');
  return handler({ sim, path, url, raw, res, name: seg[3] });
}

/** Answers a write that was carried out, after the injected `answerDelayMs` (if the client is still there). */
async function answerWrite(sim: ArgoCDSimulator, path: string, res: http.ServerResponse, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  await delay(sim.takeAnswerDelay(path));
  if (res.destroyed) return;
  sendJson(res, 200, text);
}

/** `/__sim/...`: the controller API over HTTP. */
async function admin(sim: ArgoCDSimulator, method: string, path: string, url: URL, raw: string, res: http.ServerResponse): Promise<void> {
  const body = (raw ? parseJson(raw) : {}) as Record<string, unknown>;
  switch (`${method} ${path}`) {
    case 'GET /__sim/requests': {
      const since = Number(url.searchParams.get('since') ?? 0);
      return sendJson(res, 200, { requests: sim.requests.filter((r) => r.seq > since), refreshes: sim.refreshes });
    }
    case 'DELETE /__sim/requests':
      sim.clearRequests();
      return sendJson(res, 200, {});
    case 'POST /__sim/faults':
      sim.injectFaults(body);
      return sendJson(res, 200, { faults: { ...sim.faults, pathPattern: sim.faults.pathPattern?.source } });
    case 'DELETE /__sim/faults':
      sim.clearFaults();
      return sendJson(res, 200, {});
    case 'POST /__sim/token':
      sim.setToken(String(body.token));
      return sendJson(res, 200, {});
    case 'POST /__sim/drift': {
      const app = sim.injectDrift({ name: String(body.name), namespace: body.namespace as string | undefined }, body.drift as DriftSpec);
      return sendJson(res, 200, app);
    }
    case 'DELETE /__sim/drift':
      sim.clearDrift({ name: String(url.searchParams.get('name')), namespace: url.searchParams.get('namespace') ?? undefined });
      return sendJson(res, 200, {});
    case 'POST /__sim/heads':
      sim.setHead(String(body.repoURL), String(body.ref), String(body.sha));
      if (body.reconcile) sim.reconcileAll();
      return sendJson(res, 200, {});
    case 'POST /__sim/reconcile':
      sim.reconcileAll();
      return sendJson(res, 200, {});
    case 'GET /__sim/state':
      return sendJson(res, 200, {
        instance: sim.instance,
        namespace: sim.namespace,
        apps: sim.size,
        projects: sim.listProjects().length,
        runningOperations: sim.runningOperations,
        traffic: sim.traffic,
        controller: sim.controllerLoad,
      });
    case 'POST /__sim/outcome':
      // What the app's next operation does: {name, namespace?, outcome: fail|degrade|succeed, message?, sticky?}
      sim.setOutcome(
        { name: String(body.name), namespace: body.namespace as string | undefined },
        { kind: body.outcome as never, message: body.message as string | undefined, sticky: body.sticky === true },
      );
      return sendJson(res, 200, {});
    case 'POST /__sim/health':
      // Health now: {name, namespace?, health, message?}
      return sendJson(
        res,
        200,
        sim.setHealth({ name: String(body.name), namespace: body.namespace as string | undefined }, String(body.health), body.message as string | undefined),
      );
    case 'POST /__sim/timing':
      // {syncDurationMs?, healthyAfterMs?}
      if (body.syncDurationMs !== undefined) sim.setSyncDurationMs(Number(body.syncDurationMs));
      if (body.healthyAfterMs !== undefined) sim.setHealthyAfterMs(Number(body.healthyAfterMs));
      return sendJson(res, 200, {});
    case 'POST /__sim/controller':
      sim.setControllerMsPerApp(Number(body.msPerApp ?? 0), body.processors === undefined ? undefined : Number(body.processors));
      return sendJson(res, 200, { controller: sim.controllerLoad });
    default:
      throw new SimError(5, `unknown admin route ${method} ${path}`);
  }
}

/**
 * Starts one simulated ArgoCD instance on 127.0.0.1 (a free port by default).
 *
 * @example
 * const { url, token, sim, close } = await startArgoCDSimulator({ seed: loadSeedFile('local/seed/demo-apps.yaml').instances.default });
 */
export async function startArgoCDSimulator(options: StartArgoCDSimulatorOptions = {}): Promise<StartedArgoCDSimulator> {
  const sim = new ArgoCDSimulator(options);
  const sockets = new Set<Socket>();
  const server = http.createServer({ keepAliveTimeout: 5000 }, createSimulatorHandler(sim));
  // Go's net/http serves a request whose client has half-closed (FIN) after sending it; Node
  // would abort it. A client that stops listening to a held refresh half-closes.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  sim.onDown = () => {
    for (const s of sockets) s.destroy();
  };
  const port = await listenLocal(server, options.port, options.host);
  let appsetWebhook: StartedAppSetWebhook | undefined;
  try {
    if (options.applicationSetWebhook) appsetWebhook = await startAppSetWebhook(new AppSetWebhookReceiver(options.applicationSetWebhook.secrets));
  } catch (error) {
    await new Promise<void>((r) => server.close(() => r()));
    throw error;
  }
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    token: sim.acceptedToken,
    sim,
    ...(appsetWebhook ? { appsetWebhook } : {}),
    close: async () => {
      await appsetWebhook?.close();
      sim.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
