/**
 * The state and behaviour of one simulated ArgoCD instance, free of HTTP: apps,
 * projects, operations, history, sync windows, drift, and the fault settings the HTTP
 * layer applies. Tests may call these methods directly; `server.ts` exposes them over
 * ArgoCD's REST contract and a small `/__sim` admin API.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  ApplicationApplicationSyncWindowsResponse,
  V1alpha1AppProject,
  V1alpha1Application,
  V1alpha1ApplicationSource,
  V1alpha1ApplicationSpec,
  V1alpha1ResourceDiff,
  V1alpha1RevisionHistory,
  V1alpha1SyncOperationResource,
  V1alpha1SyncWindow,
  VersionVersionMessage,
} from '../../functions/lib/argocd/generated/models';
import { evaluateSyncWindows, isWindowActive } from './sync-windows';
import type { ArgoCDSimulatorOptions, DriftSpec, FaultOptions, RecordedRequest, SeedApp, SeedInstance, SimResourceSeed } from './types';

/** gRPC code -> HTTP status, as grpc-gateway's `HTTPStatusFromCode` maps them. */
export function httpStatusFromGrpc(code: number): number {
  return ({ 0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 } as Record<number, number>)[code] ?? 500;
}

/** An error the simulator answers with ArgoCD's `{error, code, message}` body. */
export class SimError extends Error {
  /** @param grpcCode gRPC status code; the HTTP status follows from it */
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }

  /** HTTP status for this error. */
  get httpStatus(): number {
    return httpStatusFromGrpc(this.grpcCode);
  }
}

const PERMISSION_DENIED = 'permission denied';
/** History entries ArgoCD keeps (`revisionHistoryLimit` default). */
export const HISTORY_LIMIT = 10;

interface SimResource {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  image?: string;
  replicas: number;
  health: string;
  /** Object in the "cluster"; null when missing. */
  live: Record<string, unknown> | null;
}

interface SimApp {
  app: V1alpha1Application;
  resources: SimResource[];
  /** Resolved revision per source that was last deployed (empty: never deployed). */
  deployed: string[];
  health: string;
  opTimer?: NodeJS.Timeout;
  healTimer?: NodeJS.Timeout;
  json?: string;
}

/** A refresh the simulator received. */
export interface RecordedRefresh {
  namespace: string;
  name: string;
  type: 'normal' | 'hard';
  at: number;
}

/** Request body of a sync, as ArgoCD reads it. */
export interface SimSyncRequest {
  revision?: string;
  revisions?: string[];
  sourcePositions?: Array<string | number>;
  prune?: boolean;
  dryRun?: boolean;
  strategy?: unknown;
  resources?: V1alpha1SyncOperationResource[];
  syncOptions?: { items?: string[] };
}

/** Filters of the list call. */
export interface SimListFilter {
  name?: string;
  selector?: string;
  projects?: string[];
  appNamespace?: string;
  repo?: string;
}

const KIND_GV: Record<string, [string, string]> = {
  Deployment: ['apps', 'v1'],
  StatefulSet: ['apps', 'v1'],
  DaemonSet: ['apps', 'v1'],
  Ingress: ['networking.k8s.io', 'v1'],
  CronJob: ['batch', 'v1'],
  Job: ['batch', 'v1'],
  Rollout: ['argoproj.io', 'v1alpha1'],
};

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    const key = /^\d+$/.test(p) ? Number(p) : p;
    const next = (cur as Record<string | number, unknown>)[key];
    if (typeof next !== 'object' || next === null) (cur as Record<string | number, unknown>)[key] = {};
    cur = (cur as Record<string | number, unknown>)[key] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/** Parses and evaluates a Kubernetes label selector (`=`, `==`, `!=`, `in`, `notin`, `k`, `!k`). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  const terms = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    if (!t) return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const set = m[3]!.split(',').map((s) => s.trim());
      const has = m[1]! in l && set.includes(l[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    m = /^([^!=\s]+)\s*(!=|==|=)\s*(.*)$/.exec(t);
    if (m) {
      const v = l[m[1]!];
      return m[2] === '!=' ? v !== m[3]!.trim() : v === m[3]!.trim();
    }
    if (t.startsWith('!')) return !(t.slice(1).trim() in l);
    return t in l;
  });
}

function globMatch(pattern: string, value: string): boolean {
  return new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(value);
}

/**
 * One simulated ArgoCD instance.
 *
 * @example
 * const sim = new ArgoCDSimulator({ token: 't', syncDurationMs: 10 });
 * sim.addProject('default');
 * sim.addApp({ name: 'guestbook', source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' } });
 */
export class ArgoCDSimulator {
  /** Instance name. */
  readonly instance: string;
  /** Namespace ArgoCD runs in. */
  readonly namespace: string;
  /** Requests received, oldest first (bounded). */
  readonly requests: RecordedRequest[] = [];
  /** Refreshes received, oldest first. */
  readonly refreshes: RecordedRefresh[] = [];
  /** Current faults (see {@link ArgoCDSimulator.injectFaults}). */
  faults: Required<Omit<FaultOptions, 'pathPattern'>> & { pathPattern?: RegExp } = ArgoCDSimulator.noFaults();
  /** Called when `down` becomes true so the server can drop open sockets. */
  onDown?: () => void;

  private token: string;
  private readonly options: Required<Pick<ArgoCDSimulatorOptions, 'syncDurationMs' | 'autoSync' | 'version' | 'maxRecordedRequests' | 'appNamespaces'>> &
    Pick<ArgoCDSimulatorOptions, 'selfHealDelayMs'>;
  private readonly apps = new Map<string, SimApp>();
  private readonly projects = new Map<string, V1alpha1AppProject>();
  private readonly heads = new Map<string, string>();
  private readonly now: () => Date;
  private seq = 0;
  private resourceVersion = 1000;
  private closed = false;

  /** @param options see {@link ArgoCDSimulatorOptions} */
  constructor(options: ArgoCDSimulatorOptions = {}) {
    this.instance = options.instance ?? 'default';
    this.namespace = options.seed?.namespace ?? options.namespace ?? 'argocd';
    this.token = options.token ?? randomBytes(24).toString('hex');
    this.now = options.now ?? (() => new Date());
    this.options = {
      syncDurationMs: options.syncDurationMs ?? 100,
      autoSync: options.autoSync ?? true,
      version: options.seed?.version ?? options.version ?? 'v3.1.0+sim',
      maxRecordedRequests: options.maxRecordedRequests ?? 10_000,
      appNamespaces: options.appNamespaces ?? ['*'],
      selfHealDelayMs: options.selfHealDelayMs,
    };
    this.addProject('default');
    if (options.seed) this.loadSeed(options.seed);
  }

  private static noFaults(): ArgoCDSimulator['faults'] {
    return { latencyMs: 0, latencyQueue: [], failRate: 0, failNext: 0, failStatus: 503, unauthorizedNext: 0, down: false, pathPattern: undefined };
  }

  // ---------------------------------------------------------------- auth & faults

  /** The bearer token accepted now. */
  get acceptedToken(): string {
    return this.token;
  }

  /** Rotates the accepted token: calls with the old one get 401 from now on. */
  setToken(token: string): void {
    this.token = token;
  }

  /** Changes how long the next sync operations run. */
  setSyncDurationMs(ms: number): void {
    this.options.syncDurationMs = ms;
  }

  /** Merges fault settings into the current ones. */
  injectFaults(f: FaultOptions): void {
    const { pathPattern, ...rest } = f;
    const wasDown = this.faults.down;
    this.faults = { ...this.faults, ...rest, ...(pathPattern !== undefined ? { pathPattern: new RegExp(pathPattern) } : {}) } as ArgoCDSimulator['faults'];
    if (rest.latencyQueue) this.faults.latencyQueue = [...rest.latencyQueue];
    if (this.faults.down && !wasDown) this.onDown?.();
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.faults = ArgoCDSimulator.noFaults();
  }

  /** Takes the delay for the next call on `path` (queue first, then the fixed latency). */
  takeLatency(path: string): number {
    if (this.faults.pathPattern && !this.faults.pathPattern.test(path)) return 0;
    if (this.faults.latencyQueue.length) return this.faults.latencyQueue.shift()!;
    return this.faults.latencyMs;
  }

  /** Decides whether the next call on `path` fails, and with which status. */
  takeFailure(path: string): number | undefined {
    if (this.faults.pathPattern && !this.faults.pathPattern.test(path)) return undefined;
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      return this.faults.failStatus;
    }
    if (this.faults.failRate > 0 && Math.random() < this.faults.failRate) return this.faults.failStatus;
    return undefined;
  }

  /** Whether the next call must answer 401 regardless of its token. */
  takeUnauthorized(): boolean {
    if (this.faults.unauthorizedNext > 0) {
      this.faults.unauthorizedNext--;
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- request log

  /** Records a request (the HTTP layer strips the Authorization header before). */
  record(r: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    const rec: RecordedRequest = { seq: ++this.seq, at: Date.now(), ...r };
    this.requests.push(rec);
    if (this.requests.length > this.options.maxRecordedRequests) this.requests.splice(0, this.requests.length - this.options.maxRecordedRequests);
    return rec;
  }

  /** Forgets recorded requests and refreshes. */
  clearRequests(): void {
    this.requests.length = 0;
    this.refreshes.length = 0;
  }

  /** Recorded requests matching method and/or a path (string = exact, RegExp = test). */
  requestsTo(method?: string, path?: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (path === undefined || (typeof path === 'string' ? r.path === path : path.test(r.path))),
    );
  }

  // ---------------------------------------------------------------- revisions

  /**
   * Points a branch or tag of a repo at a commit, as a push would; apps notice on their
   * next refresh (or {@link ArgoCDSimulator.reconcileAll}), as ArgoCD does.
   */
  setHead(repoURL: string, ref: string, sha: string): void {
    this.heads.set(`${repoURL}#${ref}`, sha);
  }

  /** The commit a source's target revision resolves to now. */
  resolveRevision(source: V1alpha1ApplicationSource, revision?: string): string {
    const rev = revision || source.targetRevision || 'HEAD';
    if (source.chart) return rev;
    if (/^[0-9a-f]{40}$/.test(rev)) return rev;
    return this.heads.get(`${source.repoURL}#${rev}`) ?? fakeSha(`${source.repoURL}#${rev}`);
  }

  // ---------------------------------------------------------------- projects

  /** Adds or replaces an AppProject. */
  addProject(name: string, spec: V1alpha1AppProject['spec'] = {}): V1alpha1AppProject {
    const project: V1alpha1AppProject = {
      metadata: { name, namespace: this.namespace, uid: randomUUID(), resourceVersion: String(++this.resourceVersion), creationTimestamp: this.now().toISOString() },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        ...clone(spec),
      },
      status: {},
    };
    this.projects.set(name, project);
    for (const sa of this.apps.values()) if (sa.app.spec?.project === name) sa.json = undefined;
    return project;
  }

  /** One project, or a 404 SimError. */
  getProject(name: string): V1alpha1AppProject {
    const p = this.projects.get(name);
    if (!p) throw new SimError(5, `appprojects.argoproj.io "${name}" not found`);
    return p;
  }

  /** All projects. */
  listProjects(): V1alpha1AppProject[] {
    return [...this.projects.values()];
  }

  /** Creates a project as `POST /api/v1/projects` does. */
  createProject(project: V1alpha1AppProject, upsert = false): V1alpha1AppProject {
    const name = project?.metadata?.name;
    if (!name) throw new SimError(3, 'project name is required');
    const existing = this.projects.get(name);
    if (existing && !upsert) {
      if (deepEqual(normalizeProjectSpec(existing.spec), normalizeProjectSpec({ ...DEFAULT_PROJECT_SPEC, ...project.spec }))) return existing;
      throw new SimError(3, 'existing project spec is different, use upsert flag to force update');
    }
    return this.addProject(name, project.spec);
  }

  // ---------------------------------------------------------------- apps

  /** Number of apps. */
  get size(): number {
    return this.apps.size;
  }

  /** Adds an app from the seed shorthand, deployed at its current target revision. */
  addApp(seed: SeedApp): V1alpha1Application {
    const namespace = seed.namespace ?? this.namespace;
    const project = seed.project ?? 'default';
    if (!this.projects.has(project)) this.addProject(project);
    const now = this.now();
    const spec: V1alpha1ApplicationSpec = {
      project,
      destination: seed.destination ?? { server: 'https://kubernetes.default.svc', namespace: seed.name },
      ...(seed.sources ? { sources: clone(seed.sources) } : { source: clone(seed.source ?? { repoURL: 'https://github.com/example/apps.git', path: seed.name, targetRevision: 'HEAD' }) }),
      ...(seed.syncPolicy ? { syncPolicy: clone(seed.syncPolicy) } : {}),
    };
    const app: V1alpha1Application = {
      metadata: {
        name: seed.name,
        namespace,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: new Date(now.getTime() - 86_400_000).toISOString(),
        ...(seed.labels ? { labels: { ...seed.labels } } : {}),
        ...(seed.annotations ? { annotations: { ...seed.annotations } } : {}),
      },
      spec,
      status: {},
    };
    const sa = this.buildSimApp(app, seed.resources, seed.health);
    const sources = sourcesOf(app);
    sa.deployed = sources.map((s) => this.resolveRevision(s));
    for (const r of sa.resources) r.live = this.render(r, sa.app, sa.deployed);
    const n = Math.max(0, seed.history ?? 1);
    const history: V1alpha1RevisionHistory[] = [];
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      const revs = last ? sa.deployed : sources.map((s) => (s.chart ? s.targetRevision ?? '0.0.0' : fakeSha(`${s.repoURL}#old-${seed.name}-${i}`)));
      const at = new Date(now.getTime() - (n - i) * 3_600_000).toISOString();
      history.push(historyEntry(i, sa.app, revs, at, at, 'admin'));
    }
    sa.app.status!.history = history.slice(-HISTORY_LIMIT);
    sa.app.status!.operationState = history.length
      ? {
          operation: { sync: syncOpOf(sa.app, sa.deployed, {}), initiatedBy: { username: 'admin' } },
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt: history[history.length - 1]!.deployStartedAt,
          finishedAt: history[history.length - 1]!.deployedAt,
        }
      : undefined;
    this.apps.set(key(namespace, seed.name), sa);
    for (const d of seed.drift ?? []) this.applyDrift(sa, d);
    this.recompute(sa);
    return sa.app;
  }

  private buildSimApp(app: V1alpha1Application, resources: SimResourceSeed[] | undefined, health?: string): SimApp {
    const name = app.metadata!.name!;
    const destNs = app.spec?.destination?.namespace ?? name;
    const seeds = resources ?? [
      { kind: 'Deployment', name, image: `ghcr.io/example/${name}` },
      { kind: 'Service', name },
    ];
    return {
      app,
      deployed: [],
      health: health ?? 'Healthy',
      resources: seeds.map((r) => ({
        kind: r.kind,
        name: r.name,
        namespace: r.namespace ?? destNs,
        group: r.group ?? KIND_GV[r.kind]?.[0] ?? '',
        version: r.version ?? KIND_GV[r.kind]?.[1] ?? 'v1',
        image: r.image ?? (r.kind === 'Deployment' ? `ghcr.io/example/${r.name}` : undefined),
        replicas: r.replicas ?? 1,
        health: r.health ?? 'Healthy',
        live: null,
      })),
    };
  }

  /** The manifest of a resource as Git has it at `revisions`. */
  private render(r: SimResource, app: V1alpha1Application, revisions: string[]): Record<string, unknown> {
    const metadata = { name: r.name, namespace: r.namespace, labels: { 'app.kubernetes.io/instance': app.metadata!.name! } };
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    const tag = (revisions[0] ?? 'latest').slice(0, /^[0-9a-f]{40}$/.test(revisions[0] ?? '') ? 7 : undefined);
    switch (r.kind) {
      case 'Deployment':
      case 'StatefulSet':
        return {
          apiVersion,
          kind: r.kind,
          metadata,
          spec: {
            replicas: r.replicas,
            selector: { matchLabels: { app: r.name } },
            template: { metadata: { labels: { app: r.name } }, spec: { containers: [{ name: r.name, image: `${r.image}:${tag}`, ports: [{ containerPort: 8080 }] }] } },
          },
        };
      case 'Service':
        return { apiVersion, kind: r.kind, metadata, spec: { type: 'ClusterIP', selector: { app: r.name }, ports: [{ port: 80, targetPort: 8080 }] } };
      case 'ConfigMap':
        return { apiVersion, kind: r.kind, metadata, data: { LOG_LEVEL: 'info' } };
      default:
        return { apiVersion, kind: r.kind, metadata, spec: {} };
    }
  }

  /** Recomputes sync/health status of an app from its resources and revisions. */
  private recompute(sa: SimApp): void {
    const app = sa.app;
    const sources = sourcesOf(app);
    const target = sources.map((s) => this.resolveRevision(s));
    const running = app.status?.operationState?.phase === 'Running';
    let outOfSync = false;
    const resources = sa.resources.map((r) => {
      const synced = r.live !== null && deepEqual(r.live, this.render(r, app, target));
      if (!synced) outOfSync = true;
      return {
        group: r.group || undefined,
        version: r.version,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        status: synced ? 'Synced' : 'OutOfSync',
        health: r.kind === 'ConfigMap' ? undefined : { status: r.live === null ? 'Missing' : running ? 'Progressing' : r.health },
      };
    });
    const multi = !!app.spec?.sources?.length;
    const status = app.status ?? (app.status = {});
    status.sync = {
      status: outOfSync ? 'OutOfSync' : 'Synced',
      comparedTo: multi
        ? { sources: clone(app.spec!.sources), destination: clone(app.spec!.destination) }
        : { source: clone(app.spec!.source), destination: clone(app.spec!.destination) },
      ...(multi ? { revisions: target } : { revision: target[0] }),
    };
    status.resources = resources;
    const worst = resources.some((r) => r.health?.status === 'Missing') ? 'Missing' : running ? 'Progressing' : sa.health;
    status.health = { status: worst };
    status.sourceType = sources[0]?.chart ? 'Helm' : sources[0]?.kustomize ? 'Kustomize' : 'Directory';
    if (multi) status.sourceTypes = sources.map((s) => (s.chart ? 'Helm' : 'Directory'));
    status.summary = { images: sa.resources.filter((r) => r.image).map((r) => `${r.image}:${(sa.deployed[0] ?? 'latest').slice(0, 7)}`) };
    status.reconciledAt = status.reconciledAt ?? this.now().toISOString();
    status.controllerNamespace = this.namespace;
    app.metadata!.resourceVersion = String(++this.resourceVersion);
    sa.json = undefined;
  }

  /**
   * Finds an app as `getAppEnforceRBAC` does: unknown without `project` = 403 (ArgoCD
   * does not reveal which apps exist), unknown or in another project with `project` = 404.
   */
  findApp(name: string, appNamespace?: string, project?: string): SimApp {
    const ns = appNamespace || this.namespace;
    if (ns !== this.namespace && !this.options.appNamespaces.some((p) => globMatch(p, ns))) {
      throw new SimError(7, `namespace '${ns}' is not permitted`);
    }
    const sa = this.apps.get(key(ns, name));
    if (!sa || (project && sa.app.spec?.project !== project)) {
      if (project) throw new SimError(5, `applications.argoproj.io "${name}" not found`);
      throw new SimError(7, PERMISSION_DENIED);
    }
    return sa;
  }

  /** An app's current wire object (live reference; do not mutate). */
  getApp(name: string, namespace?: string): V1alpha1Application {
    return this.findApp(name, namespace).app;
  }

  /** An app's cached JSON (the list call joins these, which keeps 50k apps fast). */
  appJson(sa: SimApp): string {
    return (sa.json ??= JSON.stringify(sa.app));
  }

  /** Apps matching the list filters. */
  listApps(filter: SimListFilter = {}): SimApp[] {
    const out: SimApp[] = [];
    for (const sa of this.apps.values()) {
      const a = sa.app;
      if (filter.name && a.metadata?.name !== filter.name) continue;
      if (filter.appNamespace && a.metadata?.namespace !== filter.appNamespace) continue;
      if (filter.projects?.length && !filter.projects.includes(a.spec?.project ?? '')) continue;
      // ArgoCD compares the first source's URL exactly, without normalisation.
      if (filter.repo && sourcesOf(a)[0]?.repoURL !== filter.repo) continue;
      if (filter.selector && !matchesSelector(a.metadata?.labels, filter.selector)) continue;
      out.push(sa);
    }
    return out;
  }

  /** The list response body as a JSON string. */
  listJson(filter: SimListFilter = {}): string {
    const items = this.listApps(filter);
    // Go marshals an empty slice in ApplicationList as null.
    const body = items.length ? '[' + items.map((sa) => this.appJson(sa)).join(',') + ']' : 'null';
    return `{"metadata":{"resourceVersion":"${this.resourceVersion}"},"items":${body}}`;
  }

  /** Registers a refresh as `GET ...?refresh=` does, re-resolving revisions; auto-sync may start. */
  refresh(sa: SimApp, type: 'normal' | 'hard'): void {
    const app = sa.app;
    this.refreshes.push({ namespace: app.metadata!.namespace!, name: app.metadata!.name!, type, at: Date.now() });
    app.status!.reconciledAt = this.now().toISOString();
    this.recompute(sa);
    this.maybeAutoSync(sa);
  }

  /** Refreshes every app, as the controller's periodic reconciliation would. */
  reconcileAll(): void {
    for (const sa of this.apps.values()) {
      sa.app.status!.reconciledAt = this.now().toISOString();
      this.recompute(sa);
      this.maybeAutoSync(sa);
    }
  }

  private maybeAutoSync(sa: SimApp): void {
    if (!this.options.autoSync || !isAutomated(sa.app) || sa.app.operation) return;
    const target = sourcesOf(sa.app).map((s) => this.resolveRevision(s));
    if (sa.app.status?.sync?.status === 'OutOfSync' && !deepEqual(target, sa.deployed)) {
      this.startOperation(sa, target, {}, { automated: true });
    }
  }

  /** Runs `POST .../sync` semantics; throws SimError as ArgoCD would answer. */
  sync(sa: SimApp, req: SimSyncRequest): V1alpha1Application {
    const app = sa.app;
    const project = this.projects.get(app.spec?.project ?? '');
    if (!project) throw new SimError(3, `application references project ${app.spec?.project} which does not exist`);
    if (!evaluateSyncWindows(project.spec?.syncWindows, app, this.now(), true).canSync) {
      throw new SimError(7, 'cannot sync: blocked by sync window');
    }
    const sources = sourcesOf(app);
    const multi = !!app.spec?.sources?.length;
    let revisions: string[];
    if (multi && req.revisions?.length) {
      const positions = (req.sourcePositions ?? []).map(Number);
      revisions = sources.map((s) => this.resolveRevision(s));
      req.revisions.forEach((rev, i) => {
        const idx = (positions[i] ?? i + 1) - 1;
        const s = sources[idx];
        if (!s) throw new SimError(3, `source position is out of range`);
        if (isAutomated(app) && !req.dryRun && rev && rev !== (s.targetRevision || 'HEAD')) {
          throw new SimError(9, `Cannot sync source ${s.repoURL} to ${rev}: auto-sync currently set to ${s.targetRevision}`);
        }
        revisions[idx] = this.resolveRevision(s, rev);
      });
    } else {
      const source = sources[0]!;
      if (isAutomated(app) && !req.dryRun && req.revision && req.revision !== (source.targetRevision || 'HEAD')) {
        throw new SimError(9, `Cannot sync to ${req.revision}: auto-sync currently set to ${source.targetRevision}`);
      }
      revisions = sources.map((s, i) => this.resolveRevision(s, i === 0 ? req.revision : undefined));
    }
    if (app.operation || app.status?.operationState?.phase === 'Running') {
      throw new SimError(9, 'another operation is already in progress');
    }
    this.startOperation(sa, revisions, req, { username: 'admin' });
    return app;
  }

  /** Runs `POST .../rollback` semantics. */
  rollback(sa: SimApp, req: { id?: number | string; dryRun?: boolean; prune?: boolean }): V1alpha1Application {
    const app = sa.app;
    if (isAutomated(app)) throw new SimError(9, 'rollback cannot be initiated when auto-sync is enabled');
    const id = Number(req.id ?? 0);
    const entry = app.status?.history?.find((h) => h.id === id);
    if (!entry) throw new SimError(3, `application ${app.metadata!.name} does not have deployment with id ${id}`);
    if (app.operation || app.status?.operationState?.phase === 'Running') {
      throw new SimError(9, 'another operation is already in progress');
    }
    const revisions = entry.revisions?.length ? entry.revisions : [entry.revision ?? ''];
    this.startOperation(sa, revisions, { dryRun: req.dryRun, prune: req.prune }, { username: 'admin' }, entry);
    return app;
  }

  private startOperation(
    sa: SimApp,
    revisions: string[],
    req: SimSyncRequest,
    initiatedBy: { username?: string; automated?: boolean },
    fromHistory?: V1alpha1RevisionHistory,
  ): void {
    const app = sa.app;
    const sync = syncOpOf(app, revisions, req, fromHistory);
    const operation = { sync, initiatedBy, retry: {} };
    const startedAt = this.now().toISOString();
    app.operation = operation;
    app.status!.operationState = { operation: clone(operation), phase: 'Running', message: 'one or more tasks are running', startedAt };
    this.recompute(sa);
    const done = (): void => this.completeOperation(sa, revisions, req, startedAt, initiatedBy);
    if (this.closed) return;
    sa.opTimer = setTimeout(done, this.options.syncDurationMs);
  }

  private completeOperation(sa: SimApp, revisions: string[], req: SimSyncRequest, startedAt: string, initiatedBy: { username?: string; automated?: boolean }): void {
    sa.opTimer = undefined;
    const app = sa.app;
    const finishedAt = this.now().toISOString();
    const selected = req.resources?.length
      ? sa.resources.filter((r) => req.resources!.some((x) => x.kind === r.kind && x.name === r.name && (!x.namespace || x.namespace === r.namespace)))
      : sa.resources;
    if (!req.dryRun) {
      for (const r of selected) r.live = this.render(r, app, revisions);
      sa.deployed = [...revisions];
      const history = app.status!.history ?? [];
      const nextId = history.length ? Math.max(...history.map((h) => h.id ?? 0)) + 1 : 0;
      history.push(historyEntry(nextId, app, revisions, startedAt, finishedAt, initiatedBy.username ?? '', initiatedBy.automated));
      app.status!.history = history.slice(-HISTORY_LIMIT);
    }
    const multi = !!app.spec?.sources?.length;
    const state = app.status!.operationState!;
    state.phase = 'Succeeded';
    state.message = 'successfully synced (all tasks run)';
    state.finishedAt = finishedAt;
    state.syncResult = {
      ...(multi ? { revisions: [...revisions], sources: clone(app.spec!.sources) } : { revision: revisions[0], source: clone(app.spec!.source) }),
      resources: selected.map((r) => ({
        group: r.group,
        version: r.version,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        status: 'Synced',
        message: `${r.kind.toLowerCase()}${r.group ? '.' + r.group : ''}/${r.name} ${req.dryRun ? 'configured (dry run)' : 'configured'}`,
        hookPhase: 'Running',
        syncPhase: 'Sync',
      })),
    };
    delete app.operation;
    this.recompute(sa);
  }

  /** `GET .../syncwindows` for an app. */
  syncWindows(sa: SimApp): ApplicationApplicationSyncWindowsResponse {
    const project = this.projects.get(sa.app.spec?.project ?? '');
    const ev = evaluateSyncWindows(project?.spec?.syncWindows, sa.app, this.now(), true);
    const view = (w: V1alpha1SyncWindow) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration, manualSync: w.manualSync ?? false });
    return { assignedWindows: ev.assignedWindows.map(view), activeWindows: ev.activeWindows.map(view), canSync: ev.canSync };
  }

  /** `GET /api/v1/projects/{name}/syncwindows`: the project's windows active now. */
  projectSyncWindows(name: string): { windows: V1alpha1SyncWindow[] } {
    const p = this.getProject(name);
    const now = this.now();
    return { windows: (p.spec?.syncWindows ?? []).filter((w) => isWindowActive(w, now)) };
  }

  /** `GET .../managed-resources`: states as JSON strings, as ArgoCD sends them. */
  managedResources(sa: SimApp, filter: { namespace?: string; name?: string; version?: string; group?: string; kind?: string } = {}): V1alpha1ResourceDiff[] {
    const target = sourcesOf(sa.app).map((s) => this.resolveRevision(s));
    return sa.resources
      .filter(
        (r) =>
          (!filter.kind || r.kind === filter.kind) &&
          (!filter.name || r.name === filter.name) &&
          (!filter.namespace || r.namespace === filter.namespace) &&
          (filter.group === undefined || filter.group === '' || r.group === filter.group) &&
          (!filter.version || r.version === filter.version),
      )
      .map((r) => {
        const t = this.render(r, sa.app, target);
        const live = r.live === null ? 'null' : JSON.stringify(r.live);
        return {
          group: r.group,
          kind: r.kind,
          namespace: r.namespace,
          name: r.name,
          targetState: JSON.stringify(t),
          liveState: live,
          normalizedLiveState: live,
          predictedLiveState: JSON.stringify(t),
          diff: '',
          hook: false,
          modified: r.live === null || !deepEqual(r.live, t),
          resourceVersion: String(this.resourceVersion),
        };
      });
  }

  /** `PUT .../spec`: replaces the spec (turning auto-sync off, typically). */
  updateSpec(sa: SimApp, spec: V1alpha1ApplicationSpec): V1alpha1ApplicationSpec {
    if (!spec || typeof spec !== 'object') throw new SimError(3, 'spec is required');
    if (!this.projects.has(spec.project ?? '')) throw new SimError(3, `application references project ${spec.project} which does not exist`);
    if (!spec.source && !spec.sources?.length) throw new SimError(3, 'spec.source or spec.sources is required');
    sa.app.spec = clone(spec);
    sa.app.metadata!.generation = (sa.app.metadata!.generation ?? 1) + 1;
    this.recompute(sa);
    this.maybeAutoSync(sa);
    return sa.app.spec;
  }

  /** `POST /api/v1/applications`: create, or with `upsert` replace. */
  createApp(app: V1alpha1Application, upsert = false): V1alpha1Application {
    const name = app?.metadata?.name;
    if (!name) throw new SimError(3, 'application name is required');
    const ns = app.metadata?.namespace || this.namespace;
    if (ns !== this.namespace && !this.options.appNamespaces.some((p) => globMatch(p, ns))) {
      throw new SimError(7, `namespace '${ns}' is not permitted`);
    }
    const spec = app.spec;
    if (!spec?.source && !spec?.sources?.length) throw new SimError(3, 'application spec is invalid: spec.source or spec.sources is required');
    if (!this.projects.has(spec.project ?? '')) {
      throw new SimError(3, `application spec for ${name} is invalid: InvalidSpecError: application references project ${spec.project} which does not exist`);
    }
    const existing = this.apps.get(key(ns, name));
    if (existing) {
      if (!upsert) {
        if (deepEqual(existing.app.spec, spec)) return existing.app;
        throw new SimError(3, 'existing application spec is different; use upsert flag to force update');
      }
      existing.app.spec = clone(spec);
      existing.app.metadata!.labels = clone(app.metadata?.labels);
      existing.app.metadata!.annotations = clone(app.metadata?.annotations);
      this.recompute(existing);
      this.maybeAutoSync(existing);
      return existing.app;
    }
    const fresh: V1alpha1Application = {
      metadata: {
        name,
        namespace: ns,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: this.now().toISOString(),
        ...(app.metadata?.labels ? { labels: clone(app.metadata.labels) } : {}),
        ...(app.metadata?.annotations ? { annotations: clone(app.metadata.annotations) } : {}),
      },
      spec: clone(spec),
      status: { history: [] },
    };
    const sa = this.buildSimApp(fresh, undefined);
    this.apps.set(key(ns, name), sa);
    this.recompute(sa);
    this.maybeAutoSync(sa);
    return fresh;
  }

  // ---------------------------------------------------------------- drift

  /**
   * Makes a live resource differ from Git (the app goes OutOfSync with a diff on that
   * field). With `selfHealDelayMs` set, self-heal apps repair it after that delay.
   */
  injectDrift(app: { name: string; namespace?: string }, drift: DriftSpec): V1alpha1Application {
    const sa = this.findApp(app.name, app.namespace);
    this.applyDrift(sa, drift);
    this.recompute(sa);
    const heal = this.options.selfHealDelayMs;
    if (heal !== undefined && isAutomated(sa.app) && sa.app.spec?.syncPolicy?.automated?.selfHeal && !this.closed) {
      clearTimeout(sa.healTimer);
      sa.healTimer = setTimeout(() => {
        if (!sa.app.operation && sa.app.status?.sync?.status === 'OutOfSync') {
          this.startOperation(sa, sourcesOf(sa.app).map((s) => this.resolveRevision(s)), {}, { automated: true });
        }
      }, heal);
    }
    return sa.app;
  }

  /** Puts every live resource of the app back to what was last deployed. */
  clearDrift(app: { name: string; namespace?: string }): void {
    const sa = this.findApp(app.name, app.namespace);
    for (const r of sa.resources) r.live = this.render(r, sa.app, sa.deployed);
    this.recompute(sa);
  }

  private applyDrift(sa: SimApp, d: DriftSpec): void {
    const r = sa.resources.find((x) => x.kind === d.kind && x.name === d.name && (!d.namespace || x.namespace === d.namespace));
    if (!r) throw new SimError(5, `resource ${d.kind}/${d.name} not found in app ${sa.app.metadata!.name}`);
    if (d.value === null && d.field === '') {
      r.live = null;
      return;
    }
    if (!r.live) r.live = this.render(r, sa.app, sa.deployed.length ? sa.deployed : ['unknown']);
    setPath(r.live, d.field, clone(d.value));
  }

  // ---------------------------------------------------------------- misc

  /** `GET /api/version`; anonymous callers get only the version, as ArgoCD does. */
  versionInfo(authenticated: boolean): VersionVersionMessage {
    if (!authenticated) return { Version: this.options.version };
    return {
      Version: this.options.version,
      BuildDate: '2025-01-01T00:00:00Z',
      GitCommit: fakeSha('sim'),
      GitTreeState: 'clean',
      GoVersion: 'go1.24.0',
      Compiler: 'gc',
      Platform: 'linux/amd64',
      KustomizeVersion: 'v5.4.3',
      HelmVersion: 'v3.16.2',
      KubectlVersion: 'v0.31.0',
      JsonnetVersion: 'v0.20.0',
    };
  }

  /** Loads a seed instance (projects first, then apps). */
  loadSeed(seed: SeedInstance): void {
    for (const p of seed.projects ?? []) this.addProject(p.name, p.spec);
    for (const a of seed.apps ?? []) this.addApp(a);
  }

  /** Apps with an operation running now. */
  get runningOperations(): number {
    let n = 0;
    for (const sa of this.apps.values()) if (sa.app.operation) n++;
    return n;
  }

  /** Stops every timer (operations, self-heal). */
  close(): void {
    this.closed = true;
    for (const sa of this.apps.values()) {
      clearTimeout(sa.opTimer);
      clearTimeout(sa.healTimer);
    }
  }
}

const DEFAULT_PROJECT_SPEC = { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] };

function normalizeProjectSpec(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}));
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** A deterministic fake commit SHA for a string. */
export function fakeSha(input: string): string {
  return createHash('sha1').update(input).digest('hex');
}

/** `spec.sources` or `[spec.source]`. */
export function sourcesOf(app: V1alpha1Application): V1alpha1ApplicationSource[] {
  if (app.spec?.sources?.length) return app.spec.sources;
  return app.spec?.source ? [app.spec.source] : [];
}

/** Whether auto-sync is on (`automated` set and not `enabled: false`). */
export function isAutomated(app: V1alpha1Application): boolean {
  const a = app.spec?.syncPolicy?.automated;
  return !!a && a.enabled !== false;
}

function syncOpOf(app: V1alpha1Application, revisions: string[], req: SimSyncRequest, fromHistory?: V1alpha1RevisionHistory) {
  const multi = !!app.spec?.sources?.length;
  return {
    ...(multi
      ? { revisions: [...revisions], sources: clone(fromHistory?.sources ?? app.spec!.sources) }
      : { revision: revisions[0], ...(fromHistory ? { source: clone(fromHistory.source) } : {}) }),
    prune: req.prune ?? false,
    dryRun: req.dryRun ?? false,
    syncStrategy: (req.strategy as never) ?? undefined,
    resources: req.resources,
    syncOptions: req.syncOptions?.items,
  };
}

function historyEntry(
  id: number,
  app: V1alpha1Application,
  revisions: string[],
  startedAt: string,
  deployedAt: string,
  username: string,
  automated?: boolean,
): V1alpha1RevisionHistory {
  const multi = !!app.spec?.sources?.length;
  return {
    id,
    ...(multi ? { revisions: [...revisions], sources: clone(app.spec!.sources) } : { revision: revisions[0], source: clone(app.spec!.source) }),
    deployStartedAt: startedAt,
    deployedAt,
    initiatedBy: automated ? { automated: true } : { username },
  };
}
