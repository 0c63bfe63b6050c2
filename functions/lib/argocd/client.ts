/**
 * `ArgoCDClient`: the only code in gitops-sentinel that speaks HTTP to ArgoCD.
 * One client per instance; calls follow the REST contract in ArgoCD's swagger.json.
 */
import { normalizeServer } from '../config/index';
import { DEFAULT_ARGOCD_NAMESPACE, defaults } from '../config/defaults';
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import { ArgoCDAuthError, ArgoCDError, ArgoCDUnavailableError, errorFromResponse, redact, sanitizeAxiosError } from './errors';
import type {
  ApplicationApplicationRollbackRequest,
  ApplicationApplicationSyncRequest,
  V1alpha1AppProjectList,
  V1alpha1ApplicationList,
  ApplicationApplicationSyncWindowsResponse,
  ApplicationManagedResourcesResponse,
} from './generated/models';
import { completeLogger, type SimpleLogger } from '../observability/simple-logger';
import { Semaphore } from '../runtime/concurrency';
import { RateLimiter } from './rate-limit';
import { DEFAULT_REFRESH_CHECK_WINDOW_MS, REFRESH_CHECK_FIELDS, RefreshCheck } from './refresh-check';
import type {
  AppProject,
  AppRef,
  Application,
  ApplicationTree,
  ApplicationSpec,
  ArgoCDClientOptions,
  CreateApplicationOptions,
  CreateProjectOptions,
  GetApplicationOptions,
  ListApplicationsOptions,
  ManagedResourcesOptions,
  RefreshOptions,
  RefreshResult,
  ResourceDiff,
  RollbackApplicationOptions,
  SyncApplicationOptions,
  SyncWindowsState,
  UpdateSpecOptions,
  VersionMessage,
} from './types';

type Query = Record<string, string | string[] | boolean | undefined>;

interface RequestSpec {
  method: Method;
  path: string;
  query?: Query;
  body?: unknown;
  /** Epoch ms no attempt or wait may pass. */
  deadline?: number;
  /**
   * For writes that must not be repeated: after an answer that leaves open whether the write
   * happened, returns what ArgoCD started (then that is the answer), or undefined (not started).
   */
  verify?: () => Promise<unknown>;
  /** Statuses that end the call as they are (handed back, neither retried nor thrown). */
  final?: readonly number[];
  /**
   * Past the concurrency and rate limits: for the refresh check's list, which refreshes holding
   * every slot wait on (gated, it would wait for them and they for it).
   */
  ungated?: boolean;
}

/** What one attempt came to. */
type Outcome =
  | { kind: 'response'; res: AxiosResponse }
  | { kind: 'failed'; failure: AxiosError }
  /**
   * A refresh written and neither answered nor refused before its wait ended (see `sendRefresh`);
   * `seen` when a check showed its annotation while the request was still open.
   */
  | { kind: 'accepted'; reason: 'deadline' | 'connection-closed'; seen: boolean };

/** Connection errors that mean the request never reached ArgoCD. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Whether a failed write may still have been carried out (timeout, connection lost, gateway error). */
function isAmbiguous(out: Outcome): boolean {
  if (out.kind === 'failed') return !NOT_SENT_CODES.has(out.failure.code ?? '');
  return out.kind === 'response' && (out.res.status === 502 || out.res.status === 504);
}

/** `Retry-After` of a 429 or 503 in ms (seconds or an HTTP date), if any. */
function retryAfterMs(res: AxiosResponse | undefined): number | undefined {
  if (!res || (res.status !== 429 && res.status !== 503)) return undefined;
  const raw: unknown = res.headers?.['retry-after'];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a header value: a string, or a string array String joins
  const at = Date.parse(String(raw));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** A node response in the shape the error mapping takes. */
function asResponse(res: http.IncomingMessage, text: string): AxiosResponse {
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text, as axios's silent parsing does
  }
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers: res.headers,
    data,
    config: {} as AxiosResponse['config'],
  };
}

/** Allowance for the difference between our clock and ArgoCD's when reading `startedAt`. */
const CLOCK_SKEW_MS = 5_000;

/**
 * Longest wait between two attempts. Not a setting: with the default 3 retries and 200 ms base
 * the exponential backoff never reaches it; it bounds what a large `backoffMs` can make a caller wait.
 */
const MAX_BACKOFF_MS = 5_000;

/** Repeated keys (`projects=a&projects=b`), as grpc-gateway expects; never `projects[]=`. */
export function serializeQuery(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) v.forEach((x) => params.append(k, x));
    else params.append(k, String(v));
  }
  return params.toString();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Typed REST client for one ArgoCD instance: bearer auth, keep-alive, per-call timeout,
 * bounded concurrency, retries with exponential backoff and full jitter on network
 * errors, timeouts, 5xx and 429 only, a single token refresh after a 401, and
 * ArgoCD's `{error, code, message}` body mapped to typed errors.
 *
 * @example
 * const argocd = new ArgoCDClient({ name: 'default', server: 'argocd.example.com', getToken });
 * const apps = await argocd.listApplications({ projects: ['payments'] });
 */
export class ArgoCDClient {
  /** Instance name. */
  readonly name: string;
  /** Base URL after normalisation. */
  readonly baseUrl: string;
  /** Namespace ArgoCD runs in. */
  readonly namespace: string;

  readonly #http: AxiosInstance;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  /**
   * Refreshes get agents of their own without a socket cap: a refresh that stopped listening
   * leaves a half-closed socket until the server closes it, which must not make the next
   * refresh queue for a socket (the semaphore bounds the calls in progress).
   */
  readonly #refreshHttpAgent: http.Agent;
  readonly #refreshHttpsAgent: https.Agent;
  readonly #semaphore: Semaphore;
  /** Batches "did ArgoCD register this unanswered refresh?" into projected lists. */
  readonly #refreshCheck: RefreshCheck;
  readonly #limiter: RateLimiter;
  readonly #log: SimpleLogger;
  readonly #settings: { timeoutMs: number; retries: number; backoffMs: number; maxBackoffMs: number; refreshWaitMs: number };
  readonly #getToken: () => Promise<string>;
  readonly #refreshToken?: () => Promise<string>;
  /** Every token this client has used, so errors and logs can be scrubbed of all of them. */
  readonly #seenTokens = new Set<string>();

  /** @param options see {@link ArgoCDClientOptions} */
  constructor(options: ArgoCDClientOptions) {
    if (!options.name) throw new TypeError('[gitops-sentinel/argocd] name is required');
    if (typeof options.getToken !== 'function') throw new TypeError('[gitops-sentinel/argocd] getToken is required');
    this.name = options.name;
    this.baseUrl = normalizeServer(options.server);
    this.namespace = options.namespace ?? DEFAULT_ARGOCD_NAMESPACE;
    this.#getToken = options.getToken;
    this.#refreshToken = options.refreshToken;
    // The configuration's defaults (config/defaults.ts), so a client built without a config behaves as one built from it.
    const settings = defaults.argocd;
    this.#settings = {
      timeoutMs: options.timeoutMs ?? settings.timeoutMs,
      retries: options.retries ?? settings.retries,
      backoffMs: options.backoffMs ?? settings.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? MAX_BACKOFF_MS,
      refreshWaitMs: options.refreshWaitMs ?? settings.refreshWaitMs!,
    };
    this.#limiter = new RateLimiter(options.ratePerSecond ?? settings.ratePerSecond!);
    const concurrency = options.concurrency ?? settings.concurrency;
    this.#semaphore = new Semaphore(concurrency);
    this.#log = completeLogger(options.logger);
    this.#refreshCheck = new RefreshCheck(
      (deadline) => this.#listForRefreshCheck(deadline),
      this.namespace,
      options.refreshCheckWindowMs ?? DEFAULT_REFRESH_CHECK_WINDOW_MS,
    );
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: concurrency,
      rejectUnauthorized: options.insecure !== true,
    });
    this.#refreshHttpAgent = new http.Agent({ keepAlive: true });
    this.#refreshHttpsAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: options.insecure !== true });
    this.#http = axios.create({
      baseURL: this.baseUrl,
      httpAgent: this.#httpAgent,
      httpsAgent: this.#httpsAgent,
      timeout: this.#settings.timeoutMs,
      // Status handling (and error mapping) is ours; axios must not throw on 4xx/5xx.
      validateStatus: () => true,
      // Our own serializer: grpc-gateway wants repeated keys for arrays.
      paramsSerializer: { serialize: (p) => serializeQuery(p as Query) },
      maxRedirects: 0,
      proxy: false,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
      // Undefined keeps axios's own (node:http) adapter.
      adapter: options.transport,
    });
  }

  /**
   * Lists Applications (one call; filter by selector, projects, namespace, first-source repo).
   * @returns the items, never null
   */
  async listApplications(options: ListApplicationsOptions = {}): Promise<Application[]> {
    const list = await this.#request<V1alpha1ApplicationList>({
      method: 'GET',
      path: '/api/v1/applications',
      query: {
        selector: options.selector || undefined,
        projects: options.projects?.length ? options.projects : undefined,
        appNamespace: options.appNamespace,
        repo: options.repo,
        // One parameter, comma-separated, as ArgoCD's list forwarder reads it.
        fields: options.fields?.length ? options.fields.join(',') : undefined,
      },
      deadline: options.deadline,
    });
    return list?.items ?? [];
  }

  /**
   * Gets one Application; with `refresh` ArgoCD reconciles it first (there is no other
   * refresh endpoint) and answers once its controller has processed the app.
   */
  async getApplication(ref: AppRef, options: GetApplicationOptions = {}): Promise<Application> {
    return this.#request<Application>({
      method: 'GET',
      path: this.#appPath(ref),
      query: { ...this.#nsQuery(ref), refresh: options.refresh, project: options.project },
      deadline: options.deadline,
    });
  }

  /**
   * Asks ArgoCD to refresh an app without waiting for its controller. ArgoCD sets the refresh
   * annotation and then holds the GET until the controller has processed the app (seconds to
   * minutes when it is busy); this call listens for `refreshWaitMs`. Answered in time: registered
   * and confirmed. Unanswered: the request stays open while a projected list, shared with the
   * instance's other unanswered refreshes ({@link RefreshCheck}), looks for the refresh annotation
   * on the app, every `refreshWaitMs` up to the call timeout. Seen: registered, not confirmed, and
   * the connection is closed. It is kept open until then because a server that has not acted on
   * the request yet (starved, or its Kubernetes read is slow) drops it when the client closes: Go
   * cancels the request's context. A GET that ends without being answered or seen (the call
   * timeout, the server closed it, a proxy's 504) is checked once more, then sent once more, then
   * reported as {@link ArgoCDUnavailableError} (the caller's redelivery decides when to try
   * again): never more than two refresh GETs per call, so a busy ArgoCD is not handed a pile of
   * waiting requests. 401 (after one token refresh), 403, 404 and other refusals come back fast
   * as the typed errors; 5xx, 429 and failures before the request was written are retried as
   * every call is.
   */
  async refreshApplication(ref: AppRef, options: RefreshOptions = {}): Promise<RefreshResult> {
    // `sendRefresh` speaks node:http itself. An injected transport is a function; axios's own default is a list of adapter names.
    if (typeof this.#http.defaults.adapter === 'function') throw new TypeError('[gitops-sentinel/argocd] refresh needs node:http');
    const started = Date.now();
    const ctx = { instance: this.name, method: 'GET', path: this.#appPath(ref) };
    const waitMs = options.waitMs ?? this.#settings.refreshWaitMs;
    let attempts = 0;
    let reason: RefreshResult['unconfirmedReason'];
    let gets = 0;
    for (const requests of [1, 2] as const) {
      gets = requests;
      const sent = await this.#refreshOnce(ref, options, waitMs);
      attempts += sent.attempts;
      const done = (r: Pick<RefreshResult, 'registeredBy' | 'confirmed'> & Partial<RefreshResult>): RefreshResult => ({
        registered: true,
        ...r,
        requests,
        attempts,
        elapsedMs: Date.now() - started,
      });
      if (sent.app !== undefined) return done({ registeredBy: 'answer', confirmed: true, app: sent.app || undefined });
      reason = sent.reason;
      if (sent.seen) return done({ registeredBy: 'annotation', confirmed: false, unconfirmedReason: reason });
      // Ended unseen: one more look, since the server may have acted just before it ended.
      let seen: boolean;
      try {
        seen = await this.#refreshCheck.seen(ref, options.deadline);
      } catch (error) {
        if (requests === 2) throw error;
        this.#log.warn('cannot check whether ArgoCD registered a refresh; sending it once more', { ...ctx, error: (error as Error).name });
        seen = false;
      }
      if (seen) return done({ registeredBy: 'annotation', confirmed: false, unconfirmedReason: reason });
      if (requests === 2) break;
      // A GET sent with less than one wait left would be closed before a busy server has read
      // it, which is the very loss the second GET is meant to repair: leave it to redelivery.
      if (this.#remaining(options.deadline) < waitMs) break;
      this.#log.info('ArgoCD did not show an unanswered refresh; sending it once more', { ...ctx, reason });
    }
    throw new ArgoCDUnavailableError(
      `refresh of ${ctx.path} on "${this.name}" not registered: ${gets === 1 ? 'its GET' : 'two GETs'} went unanswered (${reason}) ` +
        `and the app carried no refresh annotation after ${gets === 1 ? 'it' : 'either'}`,
      'timeout',
      { ...ctx, attempts },
    );
  }

  /**
   * One refresh GET through the retry loop: the app when ArgoCD answered (null for an empty
   * body), else why it went unanswered after the request was written and whether a check saw
   * its annotation meanwhile.
   */
  async #refreshOnce(
    ref: AppRef,
    options: RefreshOptions,
    waitMs: number,
  ): Promise<{ attempts: number; app?: Application | null; reason?: RefreshResult['unconfirmedReason']; seen?: boolean }> {
    const spec: RequestSpec = {
      method: 'GET',
      path: this.#appPath(ref),
      query: { ...this.#nsQuery(ref), refresh: options.type ?? 'normal', project: options.project },
      deadline: options.deadline,
      // A proxy's 504: it gave up waiting; whether ArgoCD acted is for the check to show.
      final: [504],
    };
    let attempts = 0;
    const out = await this.#exchange(spec, (token, timeoutMs) => {
      attempts++;
      return this.#sendRefresh(spec, ref, token, Math.min(waitMs, timeoutMs), timeoutMs);
    });
    if (out.kind === 'accepted') return { attempts, reason: out.reason, seen: out.seen };
    if (out.res.status === 504) return { attempts, reason: 'gateway-timeout' };
    return { attempts, app: (out.res.data as Application) || null };
  }

  /** The refresh check's list: identity and annotations only, past the limits (see `ungated`). */
  async #listForRefreshCheck(deadline?: number): Promise<Application[]> {
    const list = await this.#request<V1alpha1ApplicationList>({
      method: 'GET',
      path: '/api/v1/applications',
      query: { fields: REFRESH_CHECK_FIELDS.join(',') },
      deadline,
      ungated: true,
    });
    return list?.items ?? [];
  }

  /**
   * Starts a sync operation. ArgoCD answers 400 code 9 ({@link ArgoCDFailedPreconditionError})
   * when an operation is already running or when a different revision is asked for under auto-sync.
   * `appNamespace` and `project` travel in the body (ArgoCD ignores them in the query on POST).
   */
  async syncApplication(ref: AppRef, options: SyncApplicationOptions = {}): Promise<Application> {
    const body: ApplicationApplicationSyncRequest = {
      name: ref.name,
      ...this.#nsBody(ref),
      revision: options.revision,
      revisions: options.revisions,
      sourcePositions: options.sourcePositions?.map(String),
      prune: options.prune,
      dryRun: options.dryRun,
      strategy: options.strategy,
      resources: options.resources,
      syncOptions: options.syncOptions ? { items: options.syncOptions } : undefined,
      project: options.project,
    };
    return this.#request<Application>({
      method: 'POST',
      path: `${this.#appPath(ref)}/sync`,
      body,
      deadline: options.deadline,
      verify: this.#operationStartedSince(ref, Date.now(), options.project),
    });
  }

  /**
   * For a sync or rollback whose answer was lost: reads the app and returns it when an
   * operation is running or started after `since` (less a clock-skew allowance), else
   * undefined. ArgoCD refuses a second operation while one runs, and a finished one that
   * started after our call is ours or newer; either way sending the write again is wrong.
   */
  #operationStartedSince(ref: AppRef, since: number, project?: string): () => Promise<Application | undefined> {
    return async () => {
      const app = await this.#request<Application>({ method: 'GET', path: this.#appPath(ref), query: { ...this.#nsQuery(ref), project } });
      const op = app?.status?.operationState;
      if (app?.operation || op?.phase === 'Running') return app;
      const startedAt = op?.startedAt ? Date.parse(op.startedAt) : NaN;
      return Number.isFinite(startedAt) && startedAt >= since - CLOCK_SKEW_MS ? app : undefined;
    };
  }

  /**
   * Rolls back to a `status.history[]` entry by id (a JSON number). Refused (code 9)
   * while `spec.syncPolicy.automated` is set.
   */
  async rollbackApplication(ref: AppRef, options: RollbackApplicationOptions): Promise<Application> {
    if (!Number.isSafeInteger(options.id)) {
      throw new TypeError(`[gitops-sentinel/argocd] rollback id must be an integer, got ${String(options.id)}`);
    }
    const body: ApplicationApplicationRollbackRequest = {
      name: ref.name,
      ...this.#nsBody(ref),
      id: options.id,
      dryRun: options.dryRun,
      prune: options.prune,
      project: options.project,
    };
    return this.#request<Application>({
      method: 'POST',
      path: `${this.#appPath(ref)}/rollback`,
      body,
      deadline: options.deadline,
      verify: this.#operationStartedSince(ref, Date.now(), options.project),
    });
  }

  /** Whether a manual/API sync is allowed now, and which windows apply. */
  async getSyncWindows(ref: AppRef, options: { deadline?: number; project?: string } = {}): Promise<SyncWindowsState> {
    const res = await this.#request<ApplicationApplicationSyncWindowsResponse>({
      method: 'GET',
      path: `${this.#appPath(ref)}/syncwindows`,
      // `project` makes a project-scoped ArgoCD role answer for its own apps only (404 otherwise).
      query: { ...this.#nsQuery(ref), project: options.project },
      deadline: options.deadline,
    });
    return {
      canSync: res?.canSync ?? false,
      assignedWindows: res?.assignedWindows ?? [],
      activeWindows: res?.activeWindows ?? [],
    };
  }

  /** The managed resources with live/target/normalized/predicted states (JSON strings). */
  async getManagedResources(ref: AppRef, options: ManagedResourcesOptions = {}): Promise<ResourceDiff[]> {
    this.#checkRef(ref);
    const res = await this.#request<ApplicationManagedResourcesResponse>({
      method: 'GET',
      path: `/api/v1/applications/${encodeURIComponent(ref.name)}/managed-resources`,
      query: { ...this.#nsQuery(ref), ...options },
    });
    return res?.items ?? [];
  }

  /**
   * The app's resource tree (`GET .../resource-tree`): live resources and their children
   * (ReplicaSets, Pods) with health, for naming what is not healthy.
   * @returns the tree, with `nodes` never null
   */
  async getResourceTree(ref: AppRef, options: ManagedResourcesOptions = {}): Promise<ApplicationTree> {
    const tree = await this.#request<ApplicationTree>({
      method: 'GET',
      path: `${this.#appPath(ref)}/resource-tree`,
      query: { ...this.#nsQuery(ref), ...options },
    });
    return { ...tree, nodes: tree?.nodes ?? [] };
  }

  /**
   * Replaces an Application's spec (`PUT .../spec`); used to turn auto-sync off before a
   * rollback. Read the app, change the spec, send it whole.
   */
  async updateApplicationSpec(ref: AppRef, spec: ApplicationSpec, options: UpdateSpecOptions = {}): Promise<ApplicationSpec> {
    return this.#request<ApplicationSpec>({
      method: 'PUT',
      path: `${this.#appPath(ref)}/spec`,
      query: { ...this.#nsQuery(ref), validate: options.validate, project: options.project },
      body: spec,
    });
  }

  /** Gets one AppProject (sync windows live in `spec.syncWindows`). */
  async getProject(name: string): Promise<AppProject> {
    return this.#request<AppProject>({ method: 'GET', path: `/api/v1/projects/${encodeURIComponent(name)}` });
  }

  /** Lists AppProjects, never null. */
  async listProjects(): Promise<AppProject[]> {
    const list = await this.#request<V1alpha1AppProjectList>({ method: 'GET', path: '/api/v1/projects' });
    return list?.items ?? [];
  }

  /** Creates an Application (namespace from `metadata.namespace`); `upsert` replaces a differing one. */
  async createApplication(app: Application, options: CreateApplicationOptions = {}): Promise<Application> {
    return this.#request<Application>({
      method: 'POST',
      path: '/api/v1/applications',
      query: { upsert: options.upsert, validate: options.validate },
      body: app,
    });
  }

  /** Creates an AppProject; `upsert` replaces a differing one. */
  async createProject(project: AppProject, options: CreateProjectOptions = {}): Promise<AppProject> {
    return this.#request<AppProject>({
      method: 'POST',
      path: '/api/v1/projects',
      body: { project, upsert: options.upsert ?? false },
    });
  }

  /**
   * Replaces an AppProject whole (`PUT /api/v1/projects/{name}`, body `{project}`): labels,
   * annotations, finalizers and spec all land, where `createProject` with `upsert` keeps the
   * stored metadata and replaces only the spec (server/project/project.go, `Create`).
   * `metadata.resourceVersion` must be the stored one: ArgoCD hands the object to Kubernetes
   * as it is (`Update`), so a stale one is refused with 409, code 10 ({@link ArgoCDConflictError}).
   * Read, change, send, and on a conflict read again.
   * @returns the project as stored
   */
  async updateProject(project: AppProject): Promise<AppProject> {
    const name = project?.metadata?.name;
    if (!name) throw new TypeError('[gitops-sentinel/argocd] updateProject needs metadata.name');
    return this.#request<AppProject>({ method: 'PUT', path: `/api/v1/projects/${encodeURIComponent(name)}`, body: { project } });
  }

  /**
   * Replaces an Application's labels, annotations, finalizers and spec
   * (`PUT /api/v1/applications/{name}`; namespace from `metadata.namespace`). ArgoCD applies
   * them to the app it reads itself and retries its own conflicts (server/application/
   * application.go, `updateApp`), so the `resourceVersion` sent is not checked.
   * @returns the application as stored
   */
  async updateApplication(app: Application, options: UpdateSpecOptions = {}): Promise<Application> {
    const name = app?.metadata?.name;
    if (!name) throw new TypeError('[gitops-sentinel/argocd] updateApplication needs metadata.name');
    return this.#request<Application>({
      method: 'PUT',
      path: `/api/v1/applications/${encodeURIComponent(name)}`,
      query: { validate: options.validate, project: options.project },
      body: app,
    });
  }

  /** ArgoCD's version information. */
  async version(): Promise<VersionMessage> {
    return this.#request<VersionMessage>({ method: 'GET', path: '/api/version' });
  }

  /** Closes the keep-alive sockets; the client must not be used afterwards. */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
    this.#refreshHttpAgent.destroy();
    this.#refreshHttpsAgent.destroy();
  }

  #checkRef(ref: AppRef): void {
    if (!ref || ref.instance !== this.name) {
      throw new TypeError(`[gitops-sentinel/argocd] app ref for instance "${ref?.instance}" passed to client "${this.name}"`);
    }
    if (!ref.name) throw new TypeError('[gitops-sentinel/argocd] app ref needs a name');
  }

  #appPath(ref: AppRef): string {
    this.#checkRef(ref);
    return `/api/v1/applications/${encodeURIComponent(ref.name)}`;
  }

  /** Apps outside the control-plane namespace are addressed with `appNamespace`. */
  #appNamespaceOf(ref: AppRef): string | undefined {
    return ref.namespace && ref.namespace !== this.namespace ? ref.namespace : undefined;
  }

  #nsQuery(ref: AppRef): Query {
    const ns = this.#appNamespaceOf(ref);
    return ns ? { appNamespace: ns } : {};
  }

  #nsBody(ref: AppRef): { appNamespace?: string } {
    const ns = this.#appNamespaceOf(ref);
    return ns ? { appNamespace: ns } : {};
  }

  #scrub(text: string): string {
    return redact(text, [...this.#seenTokens]);
  }

  /** One logical call: auth, retries, refresh-once-on-401, error mapping; the 2xx body. */
  async #request<T>(spec: RequestSpec): Promise<T> {
    const out = await this.#exchange(spec, (token, timeoutMs) => this.#send(spec, token, timeoutMs));
    if (out.kind !== 'response') throw new Error('unreachable: only a refresh can end unconfirmed');
    return out.res.data as T;
  }

  /**
   * The retry loop every call goes through. `attempt` performs one exchange. Retried: 5xx,
   * 429, and failures that never reached ArgoCD. A write (`spec.verify` set) whose outcome is
   * unknown (timeout, connection lost, 502/504) is first checked with `verify`: when ArgoCD
   * started the operation, that is the answer; only when it did not is the write sent again.
   * Every attempt and wait stays inside `spec.deadline`.
   */
  async #exchange(
    spec: RequestSpec,
    attempt: (token: string, timeoutMs: number) => Promise<Outcome>,
  ): Promise<Extract<Outcome, { kind: 'response' | 'accepted' }>> {
    const ctx = { instance: this.name, method: spec.method.toUpperCase(), path: spec.path };
    let token = await this.#getToken();
    this.#seenTokens.add(token);
    let refreshed = false;
    let attempts = 0;
    for (;;) {
      attempts++;
      const timeoutMs = Math.min(this.#settings.timeoutMs, this.#remaining(spec.deadline));
      if (timeoutMs <= 0) throw this.#deadlineError(ctx, attempts - 1);
      const out = spec.ungated ? await attempt(token, timeoutMs) : await this.#semaphore.run(() => this.#limiter.take().then(() => attempt(token, timeoutMs)));
      if (out.kind === 'accepted') return out;
      const res = out.kind === 'response' ? out.res : undefined;
      const failure = out.kind === 'failed' ? out.failure : undefined;
      if (res && ((res.status >= 200 && res.status < 300) || spec.final?.includes(res.status))) return { kind: 'response', res };

      if (res && res.status === 401) {
        if (this.#refreshToken && !refreshed) {
          refreshed = true;
          this.#log.info('ArgoCD answered 401; refreshing the token and retrying once', { ...ctx, attempt: attempts });
          token = await this.#refreshToken();
          this.#seenTokens.add(token);
          attempts--; // the refresh retry does not use up a network retry
          continue;
        }
        throw this.#toError(res, ctx, attempts);
      }

      const retryable = failure !== undefined || (res !== undefined && (res.status >= 500 || res.status === 429));
      if (!retryable && res) throw this.#toError(res, ctx, attempts);
      if (spec.verify && isAmbiguous(out)) {
        // The write may have been carried out: look before sending it again.
        const started = await spec.verify().catch(() => undefined);
        if (started !== undefined) {
          this.#log.info('ArgoCD started the operation although the call failed; not sending it again', { ...ctx, attempt: attempts });
          return { kind: 'response', res: { status: 200, data: started, headers: {} } as AxiosResponse };
        }
      }
      const fail = (): ArgoCDError => (res ? this.#toError(res, ctx, attempts) : this.#toNetworkError(failure!, ctx, attempts, timeoutMs));
      if (attempts > this.#settings.retries) throw fail();
      const delay = this.#backoff(attempts, res);
      if (delay >= this.#remaining(spec.deadline)) throw fail();
      this.#log.debug('ArgoCD call failed; retrying', { ...ctx, attempt: attempts, status: res?.status, code: failure?.code, delayMs: delay });
      await sleep(delay);
    }
  }

  /** Milliseconds left before `deadline` (epoch ms); Infinity without one. */
  #remaining(deadline: number | undefined): number {
    return deadline === undefined ? Infinity : deadline - Date.now();
  }

  #deadlineError(ctx: { instance: string; method: string; path: string }, attempts: number): ArgoCDUnavailableError {
    return new ArgoCDUnavailableError(`ArgoCD call ${ctx.method} ${ctx.path} on "${this.name}" not sent: the caller's deadline has passed`, 'timeout', {
      ...ctx,
      attempts,
    });
  }

  async #send(spec: RequestSpec, token: string, timeoutMs: number): Promise<Outcome> {
    const isWrite = spec.method.toUpperCase() !== 'GET';
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    // ArgoCD compares the whole header against its allowed list: no "; charset=utf-8".
    if (isWrite) headers['Content-Type'] = 'application/json';
    try {
      const res = await this.#http.request({
        method: spec.method,
        url: spec.path,
        params: spec.query,
        data: isWrite ? JSON.stringify(spec.body ?? {}) : undefined,
        headers,
        timeout: timeoutMs,
        // We serialise the body ourselves so axios never rewrites the content type.
        transformRequest: [(d: unknown) => d],
      });
      return { kind: 'response', res };
    } catch (err) {
      if (!axios.isAxiosError(err)) throw err;
      return { kind: 'failed', failure: err };
    }
  }

  /**
   * One refresh GET that does not wait for the controller: answered within `waitMs` means
   * confirmed. Still open after the request was written: the connection stays open while
   * {@link RefreshCheck} looks for the app's refresh annotation every `waitMs`, until it is seen
   * (`accepted`, seen: we stop listening) or `holdMs` has passed since the send (`accepted`,
   * unseen). Closing earlier would make a server that has not acted on the request yet drop it.
   * An answer arriving meanwhile still counts. Node's http directly, because only here must we
   * know whether the request was written (unwritten is a plain failure, retried).
   */
  #sendRefresh(spec: RequestSpec, ref: AppRef, token: string, waitMs: number, holdMs: number): Promise<Outcome> {
    const query = serializeQuery(spec.query);
    const url = new URL(`${this.baseUrl}${spec.path}${query ? `?${query}` : ''}`);
    const secure = url.protocol === 'https:';
    const sentAt = Date.now();
    return new Promise<Outcome>((resolve) => {
      let written = false;
      let settled = false;
      let answered: http.IncomingMessage | undefined;
      let timer: NodeJS.Timeout | undefined;
      const settle = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = (secure ? https : http).request(url, {
        method: 'GET',
        agent: secure ? this.#refreshHttpsAgent : this.#refreshHttpAgent,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      });
      // Half-close (FIN), not reset: a server that already acted finishes cleanly. One that
      // keeps the connection open anyway is cut off after the call timeout.
      const stopListening = (): void => {
        req.socket?.end();
        setTimeout(() => req.destroy(), this.#settings.timeoutMs).unref();
      };
      const look = (): void => {
        this.#refreshCheck.seen(ref, spec.deadline).then(
          (seen) => lookedAt(seen),
          () => lookedAt(false),
        );
      };
      const lookedAt = (seen: boolean): void => {
        // Answered meanwhile: the response's end settles it.
        if (settled || answered) return;
        if (seen || Date.now() - sentAt + waitMs > holdMs) {
          settle({ kind: 'accepted', reason: 'deadline', seen });
          stopListening();
          return;
        }
        timer = setTimeout(look, waitMs);
      };
      req.on('finish', () => {
        written = true;
      });
      req.on('response', (res) => {
        answered = res;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => settle({ kind: 'response', res: asResponse(res, Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', () => settle({ kind: 'response', res: asResponse(res, '') }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return settle({ kind: 'response', res: asResponse(answered, '') });
        // A reused keep-alive socket the server had closed fails right after the write:
        // the request never reached ArgoCD (Node's documented case for a retry).
        if (written && !(req.reusedSocket && err.code === 'ECONNRESET')) return settle({ kind: 'accepted', reason: 'connection-closed', seen: false });
        settle({ kind: 'failed', failure: new AxiosError(err.message, err.code ?? 'ERR_NETWORK') });
      });
      timer = setTimeout(() => {
        if (answered) {
          settle({ kind: 'response', res: asResponse(answered, '') });
          req.destroy();
        } else if (written && req.socket && !req.socket.connecting && req.socket.writableLength === 0) {
          // Connected, and every byte of the request handed to the kernel: look for the annotation.
          look();
        } else {
          settle({ kind: 'failed', failure: new AxiosError(`no connection within ${waitMs} ms`, AxiosError.ETIMEDOUT) });
          req.destroy();
        }
      }, waitMs);
      req.end();
    });
  }

  /**
   * Full jitter: uniform in [0, min(max, base * 2^(attempt-1))], and never sooner than a
   * 429's or 503's `Retry-After` (seconds or an HTTP date).
   */
  #backoff(attempt: number, res: AxiosResponse | undefined): number {
    const ceiling = Math.min(this.#settings.maxBackoffMs, this.#settings.backoffMs * 2 ** (attempt - 1));
    const delay = Math.floor(Math.random() * (ceiling + 1));
    return Math.max(delay, retryAfterMs(res) ?? 0);
  }

  #toError(res: AxiosResponse, ctx: { instance: string; method: string; path: string }, attempts: number): ArgoCDError {
    const secrets = [...this.#seenTokens];
    const fake = new AxiosError(`Request failed with status code ${res.status}`, AxiosError.ERR_BAD_RESPONSE, undefined, undefined, res);
    const cause = sanitizeAxiosError(fake, secrets);
    const err = errorFromResponse(res.status, cause.response?.data, { ...ctx, attempts, cause });
    err.message = this.#scrub(err.message);
    if (err.stack) err.stack = this.#scrub(err.stack);
    if (err instanceof ArgoCDAuthError) {
      this.#log.warn('ArgoCD refused the token', { ...ctx, status: res.status });
    }
    return err;
  }

  #toNetworkError(
    failure: AxiosError,
    ctx: { instance: string; method: string; path: string },
    attempts: number,
    timeoutMs = this.#settings.timeoutMs,
  ): ArgoCDError {
    const cause = sanitizeAxiosError(failure, [...this.#seenTokens]);
    const timeout = failure.code === AxiosError.ETIMEDOUT || failure.code === AxiosError.ECONNABORTED;
    const what = timeout ? `no answer within ${timeoutMs} ms` : `network error (${failure.code ?? failure.message})`;
    return new ArgoCDUnavailableError(
      this.#scrub(`ArgoCD instance "${this.name}" unavailable: ${what} after ${attempts} attempt(s) on ${ctx.method} ${ctx.path}`),
      timeout ? 'timeout' : 'network',
      { ...ctx, attempts, cause },
    );
  }
}
