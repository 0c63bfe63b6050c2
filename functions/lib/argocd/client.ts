/**
 * `ArgoCDClient`: the only code in gitops-sentinel that speaks HTTP to ArgoCD.
 * One client per instance; calls follow the REST contract in ArgoCD's swagger.json.
 */
import { normalizeServer } from '../config/index';
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import {
  ArgoCDAuthError,
  ArgoCDError,
  ArgoCDUnavailableError,
  errorFromResponse,
  redact,
  sanitizeAxiosError,
} from './errors';
import type { ApplicationApplicationRollbackRequest, ApplicationApplicationSyncRequest, V1alpha1AppProjectList, V1alpha1ApplicationList, ApplicationApplicationSyncWindowsResponse, ApplicationManagedResourcesResponse } from './generated/models';
import { Semaphore } from '../runtime/concurrency';
import type {
  AppProject,
  AppRef,
  Application,
  ApplicationSpec,
  ArgoCDClientOptions,
  ArgoCDLogger,
  CreateApplicationOptions,
  CreateProjectOptions,
  GetApplicationOptions,
  ListApplicationsOptions,
  ManagedResourcesOptions,
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
}

/** Client defaults, kept in one place (the config module passes its own values). */
export const argoCDClientDefaults = {
  namespace: 'argocd',
  insecure: false,
  timeoutMs: 10_000,
  retries: 3,
  backoffMs: 200,
  maxBackoffMs: 5_000,
  concurrency: 16,
} as const;

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

function fillLogger(logger: ArgoCDLogger | undefined): Required<ArgoCDLogger> {
  return {
    debug: logger?.debug?.bind(logger) ?? (() => undefined),
    info: logger?.info?.bind(logger) ?? (() => undefined),
    warn: logger?.warn?.bind(logger) ?? ((m, meta) => console.warn(m, meta ?? '')),
    error: logger?.error?.bind(logger) ?? ((m, meta) => console.error(m, meta ?? '')),
  };
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

  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly semaphore: Semaphore;
  private readonly log: Required<ArgoCDLogger>;
  private readonly settings: { timeoutMs: number; retries: number; backoffMs: number; maxBackoffMs: number };
  private readonly getToken: () => Promise<string>;
  private readonly refreshToken?: () => Promise<string>;
  /** Every token this client has used, so errors and logs can be scrubbed of all of them. */
  private readonly seenTokens = new Set<string>();

  /** @param options see {@link ArgoCDClientOptions} */
  constructor(options: ArgoCDClientOptions) {
    if (!options.name) throw new TypeError('[gitops-sentinel/argocd] name is required');
    if (typeof options.getToken !== 'function') throw new TypeError('[gitops-sentinel/argocd] getToken is required');
    this.name = options.name;
    this.baseUrl = normalizeServer(options.server);
    this.namespace = options.namespace ?? argoCDClientDefaults.namespace;
    this.getToken = options.getToken;
    this.refreshToken = options.refreshToken;
    this.settings = {
      timeoutMs: options.timeoutMs ?? argoCDClientDefaults.timeoutMs,
      retries: options.retries ?? argoCDClientDefaults.retries,
      backoffMs: options.backoffMs ?? argoCDClientDefaults.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? argoCDClientDefaults.maxBackoffMs,
    };
    const concurrency = options.concurrency ?? argoCDClientDefaults.concurrency;
    this.semaphore = new Semaphore(concurrency);
    this.log = fillLogger(options.logger);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: concurrency,
      rejectUnauthorized: !(options.insecure ?? argoCDClientDefaults.insecure),
    });
    this.http = axios.create({
      baseURL: this.baseUrl,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      timeout: this.settings.timeoutMs,
      // Status handling (and error mapping) is ours; axios must not throw on 4xx/5xx.
      validateStatus: () => true,
      // Our own serializer: grpc-gateway wants repeated keys for arrays.
      paramsSerializer: { serialize: (p) => serializeQuery(p as Query) },
      maxRedirects: 0,
      proxy: false,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
    });
  }

  /**
   * Lists Applications (one call; filter by selector, projects, namespace, first-source repo).
   * @returns the items, never null
   */
  async listApplications(options: ListApplicationsOptions = {}): Promise<Application[]> {
    const list = await this.request<V1alpha1ApplicationList>({
      method: 'GET',
      path: '/api/v1/applications',
      query: {
        selector: options.selector || undefined,
        projects: options.projects?.length ? options.projects : undefined,
        appNamespace: options.appNamespace,
        repo: options.repo,
      },
    });
    return list?.items ?? [];
  }

  /**
   * Gets one Application; with `refresh` ArgoCD reconciles it first (there is no other
   * refresh endpoint) and answers once the refresh is registered.
   */
  async getApplication(ref: AppRef, options: GetApplicationOptions = {}): Promise<Application> {
    return this.request<Application>({
      method: 'GET',
      path: this.appPath(ref),
      query: { ...this.nsQuery(ref), refresh: options.refresh, project: options.project },
    });
  }

  /**
   * Starts a sync operation. ArgoCD answers 400 code 9 ({@link ArgoCDFailedPreconditionError})
   * when an operation is already running or when a different revision is asked for under auto-sync.
   * `appNamespace` and `project` travel in the body (ArgoCD ignores them in the query on POST).
   */
  async syncApplication(ref: AppRef, options: SyncApplicationOptions = {}): Promise<Application> {
    const body: ApplicationApplicationSyncRequest = {
      name: ref.name,
      ...this.nsBody(ref),
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
    return this.request<Application>({ method: 'POST', path: `${this.appPath(ref)}/sync`, body });
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
      ...this.nsBody(ref),
      id: options.id,
      dryRun: options.dryRun,
      prune: options.prune,
      project: options.project,
    };
    return this.request<Application>({ method: 'POST', path: `${this.appPath(ref)}/rollback`, body });
  }

  /** Whether a manual/API sync is allowed now, and which windows apply. */
  async getSyncWindows(ref: AppRef): Promise<SyncWindowsState> {
    const res = await this.request<ApplicationApplicationSyncWindowsResponse>({
      method: 'GET',
      path: `${this.appPath(ref)}/syncwindows`,
      query: this.nsQuery(ref),
    });
    return {
      canSync: res?.canSync ?? false,
      assignedWindows: res?.assignedWindows ?? [],
      activeWindows: res?.activeWindows ?? [],
    };
  }

  /** The managed resources with live/target/normalized/predicted states (JSON strings). */
  async getManagedResources(ref: AppRef, options: ManagedResourcesOptions = {}): Promise<ResourceDiff[]> {
    this.checkRef(ref);
    const res = await this.request<ApplicationManagedResourcesResponse>({
      method: 'GET',
      path: `/api/v1/applications/${encodeURIComponent(ref.name)}/managed-resources`,
      query: { ...this.nsQuery(ref), ...options },
    });
    return res?.items ?? [];
  }

  /**
   * Replaces an Application's spec (`PUT .../spec`); used to turn auto-sync off before a
   * rollback. Read the app, change the spec, send it whole.
   */
  async updateApplicationSpec(ref: AppRef, spec: ApplicationSpec, options: UpdateSpecOptions = {}): Promise<ApplicationSpec> {
    return this.request<ApplicationSpec>({
      method: 'PUT',
      path: `${this.appPath(ref)}/spec`,
      query: { ...this.nsQuery(ref), validate: options.validate, project: options.project },
      body: spec,
    });
  }

  /** Gets one AppProject (sync windows live in `spec.syncWindows`). */
  async getProject(name: string): Promise<AppProject> {
    return this.request<AppProject>({ method: 'GET', path: `/api/v1/projects/${encodeURIComponent(name)}` });
  }

  /** Lists AppProjects, never null. */
  async listProjects(): Promise<AppProject[]> {
    const list = await this.request<V1alpha1AppProjectList>({ method: 'GET', path: '/api/v1/projects' });
    return list?.items ?? [];
  }

  /** Creates an Application (namespace from `metadata.namespace`); `upsert` replaces a differing one. */
  async createApplication(app: Application, options: CreateApplicationOptions = {}): Promise<Application> {
    return this.request<Application>({
      method: 'POST',
      path: '/api/v1/applications',
      query: { upsert: options.upsert, validate: options.validate },
      body: app,
    });
  }

  /** Creates an AppProject; `upsert` replaces a differing one. */
  async createProject(project: AppProject, options: CreateProjectOptions = {}): Promise<AppProject> {
    return this.request<AppProject>({
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
    return this.request<AppProject>({ method: 'PUT', path: `/api/v1/projects/${encodeURIComponent(name)}`, body: { project } });
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
    return this.request<Application>({
      method: 'PUT',
      path: `/api/v1/applications/${encodeURIComponent(name)}`,
      query: { validate: options.validate, project: options.project },
      body: app,
    });
  }

  /** ArgoCD's version information. */
  async version(): Promise<VersionMessage> {
    return this.request<VersionMessage>({ method: 'GET', path: '/api/version' });
  }

  /** Closes the keep-alive sockets; the client must not be used afterwards. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private checkRef(ref: AppRef): void {
    if (!ref || ref.instance !== this.name) {
      throw new TypeError(`[gitops-sentinel/argocd] app ref for instance "${ref?.instance}" passed to client "${this.name}"`);
    }
    if (!ref.name) throw new TypeError('[gitops-sentinel/argocd] app ref needs a name');
  }

  private appPath(ref: AppRef): string {
    this.checkRef(ref);
    return `/api/v1/applications/${encodeURIComponent(ref.name)}`;
  }

  /** Apps outside the control-plane namespace are addressed with `appNamespace`. */
  private appNamespaceOf(ref: AppRef): string | undefined {
    return ref.namespace && ref.namespace !== this.namespace ? ref.namespace : undefined;
  }

  private nsQuery(ref: AppRef): Query {
    const ns = this.appNamespaceOf(ref);
    return ns ? { appNamespace: ns } : {};
  }

  private nsBody(ref: AppRef): { appNamespace?: string } {
    const ns = this.appNamespaceOf(ref);
    return ns ? { appNamespace: ns } : {};
  }

  private scrub(text: string): string {
    return redact(text, [...this.seenTokens]);
  }

  /** One logical call: auth, retries, refresh-once-on-401, error mapping. */
  private async request<T>(spec: RequestSpec): Promise<T> {
    const ctx = { instance: this.name, method: spec.method.toUpperCase(), path: spec.path };
    let token = await this.getToken();
    this.seenTokens.add(token);
    let refreshed = false;
    let attempt = 0;
    for (;;) {
      attempt++;
      let res: AxiosResponse | undefined;
      let failure: AxiosError | undefined;
      try {
        res = await this.semaphore.run(() => this.send(spec, token));
      } catch (err) {
        if (!axios.isAxiosError(err)) throw err;
        failure = err;
      }
      if (res && res.status >= 200 && res.status < 300) return res.data as T;

      if (res && res.status === 401) {
        if (this.refreshToken && !refreshed) {
          refreshed = true;
          this.log.info('ArgoCD answered 401; refreshing the token and retrying once', { ...ctx, attempt });
          token = await this.refreshToken();
          this.seenTokens.add(token);
          attempt--; // the refresh retry does not use up a network retry
          continue;
        }
        throw this.toError(res, ctx, attempt);
      }

      const retryable = failure !== undefined || (res !== undefined && (res.status >= 500 || res.status === 429));
      if (!retryable && res) throw this.toError(res, ctx, attempt);
      if (attempt > this.settings.retries) {
        if (res) throw this.toError(res, ctx, attempt);
        throw this.toNetworkError(failure!, ctx, attempt);
      }
      const delay = this.backoff(attempt, res);
      this.log.debug('ArgoCD call failed; retrying', {
        ...ctx,
        attempt,
        status: res?.status,
        code: failure?.code,
        delayMs: delay,
      });
      await sleep(delay);
    }
  }

  private send(spec: RequestSpec, token: string): Promise<AxiosResponse> {
    const isWrite = spec.method.toUpperCase() !== 'GET';
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    // ArgoCD compares the whole header against its allowed list: no "; charset=utf-8".
    if (isWrite) headers['Content-Type'] = 'application/json';
    return this.http.request({
      method: spec.method,
      url: spec.path,
      params: spec.query,
      data: isWrite ? JSON.stringify(spec.body ?? {}) : undefined,
      headers,
      // We serialise the body ourselves so axios never rewrites the content type.
      transformRequest: [(d: unknown) => d],
    });
  }

  /** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))], at least Retry-After on 429. */
  private backoff(attempt: number, res: AxiosResponse | undefined): number {
    const ceiling = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** (attempt - 1));
    let delay = Math.floor(Math.random() * (ceiling + 1));
    const retryAfter = res?.status === 429 ? Number(res.headers?.['retry-after']) : NaN;
    if (Number.isFinite(retryAfter) && retryAfter > 0) {
      delay = Math.max(delay, Math.min(retryAfter * 1000, this.settings.maxBackoffMs));
    }
    return delay;
  }

  private toError(res: AxiosResponse, ctx: { instance: string; method: string; path: string }, attempts: number): ArgoCDError {
    const secrets = [...this.seenTokens];
    const fake = new AxiosError(`Request failed with status code ${res.status}`, AxiosError.ERR_BAD_RESPONSE, undefined, undefined, res);
    const cause = sanitizeAxiosError(fake, secrets);
    const err = errorFromResponse(res.status, cause.response?.data, { ...ctx, attempts, cause });
    err.message = this.scrub(err.message);
    if (err.stack) err.stack = this.scrub(err.stack);
    if (err instanceof ArgoCDAuthError) {
      this.log.warn('ArgoCD refused the token', { ...ctx, status: res.status });
    }
    return err;
  }

  private toNetworkError(failure: AxiosError, ctx: { instance: string; method: string; path: string }, attempts: number): ArgoCDError {
    const cause = sanitizeAxiosError(failure, [...this.seenTokens]);
    const timeout = failure.code === AxiosError.ETIMEDOUT || failure.code === AxiosError.ECONNABORTED;
    const what = timeout ? `no answer within ${this.settings.timeoutMs} ms` : `network error (${failure.code ?? failure.message})`;
    return new ArgoCDUnavailableError(
      this.scrub(`ArgoCD instance "${this.name}" unavailable: ${what} after ${attempts} attempt(s) on ${ctx.method} ${ctx.path}`),
      timeout ? 'timeout' : 'network',
      { ...ctx, attempts, cause },
    );
  }
}
