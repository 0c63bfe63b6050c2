/**
 * One simulated ArgoCD instance, free of HTTP: the public face of the concern modules
 * (faults, request-log, revisions, projects, apps, status, operations, sync-windows, drift,
 * seed), which hold the behaviour. Tests may call these methods directly; `server.ts`
 * exposes them over ArgoCD's REST contract and a small `/__sim` admin API.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_ARGOCD_NAMESPACE, DEFAULT_INSTANCE_NAME } from '../../functions/lib/config/defaults';
import type {
  ApplicationApplicationSyncWindowsResponse,
  V1alpha1AppProject,
  V1alpha1Application,
  V1alpha1ApplicationSource,
  V1alpha1ApplicationSpec,
  V1alpha1ResourceDiff,
  V1alpha1SyncWindow,
  VersionVersionMessage,
} from '../../functions/lib/argocd/generated/models';
import * as apps from './apps';
import { SimController, type ControllerStats } from './controller';
import { fakeSha, SimState, type RecordedRefresh, type SimApp, type SimListFilter, type SimOutcome, type SimSyncRequest } from './core';
import * as drift from './drift';
import * as health from './health';
import { resourceTree, type ResourceTreeFilter, type SimApplicationTree } from './resource-tree';
import { FaultInjector, type ActiveFaults } from './faults';
import * as operations from './operations';
import * as projects from './projects';
import type { FieldSelection } from './projection';
import { RequestLog, type TrafficStats } from './request-log';
import * as revisions from './revisions';
import { addSeedApp, loadSeed } from './seed';
import { appSyncWindows, projectSyncWindows } from './sync-windows';
import type { ArgoCDSimulatorOptions, DriftSpec, FaultOptions, RecordedRequest, SeedApp, SeedInstance } from './types';

export { SimError, HISTORY_LIMIT, fakeSha, httpStatusFromGrpc, type RecordedRefresh, type SimListFilter, type SimSyncRequest } from './core';
export { matchesSelector } from '../../functions/lib/argocd/label-selector';

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
  /** Refreshes received, oldest first. */
  readonly refreshes: RecordedRefresh[];
  private readonly state: SimState;
  private readonly log: RequestLog;
  private readonly auth: FaultInjector;

  /** @param options see {@link ArgoCDSimulatorOptions} */
  constructor(options: ArgoCDSimulatorOptions = {}) {
    this.instance = options.instance ?? DEFAULT_INSTANCE_NAME;
    this.namespace = options.seed?.namespace ?? options.namespace ?? DEFAULT_ARGOCD_NAMESPACE;
    this.state = new SimState(
      this.instance,
      this.namespace,
      {
        syncDurationMs: options.syncDurationMs ?? 100,
        healthyAfterMs: options.healthyAfterMs ?? 0,
        autoSync: options.autoSync ?? true,
        version: options.seed?.version ?? options.version ?? 'v3.1.0+sim',
        maxRecordedRequests: options.maxRecordedRequests ?? 10_000,
        appNamespaces: options.appNamespaces ?? ['*'],
        selfHealDelayMs: options.selfHealDelayMs,
      },
      options.now ?? (() => new Date()),
    );
    this.refreshes = this.state.refreshes;
    const state = this.state;
    state.controller = new SimController(
      state,
      (sa) => operations.reconcileApp(state, sa),
      options.controllerMsPerApp ?? 0,
      Math.max(1, options.controllerProcessors ?? 1),
    );
    this.log = new RequestLog(this.state.settings.maxRecordedRequests);
    this.auth = new FaultInjector(options.token ?? randomBytes(24).toString('hex'), options.faultSeed);
    this.addProject('default');
    if (options.seed) this.loadSeed(options.seed);
  }

  // ---------------------------------------------------------------- auth & faults (faults.ts)

  /** Current faults (see {@link ArgoCDSimulator.injectFaults}). */
  get faults(): ActiveFaults {
    return this.auth.faults;
  }

  set faults(f: ActiveFaults) {
    this.auth.faults = f;
  }

  /** Called when `down` becomes true so the server can drop open sockets. */
  get onDown(): (() => void) | undefined {
    return this.auth.onDown;
  }

  set onDown(fn: (() => void) | undefined) {
    this.auth.onDown = fn;
  }

  /** The bearer token accepted now. */
  get acceptedToken(): string {
    return this.auth.token;
  }

  /** Rotates the accepted token: calls with the old one get 401 from now on. */
  setToken(token: string): void {
    this.auth.token = token;
  }

  /** Merges fault settings into the current ones (`seed` restarts the `failRate` sequence). */
  injectFaults(f: FaultOptions): void {
    this.auth.inject(f);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.auth.clear();
  }

  /** Takes the delay for the next call on `path` (queue first, then the fixed latency). */
  takeLatency(path: string, method?: string): number {
    return this.auth.takeLatency(path, method);
  }

  /** Decides whether the next call on `path` fails, and with which status. */
  takeFailure(path: string, method?: string): number | undefined {
    return this.auth.takeFailure(path, method);
  }

  /** Delay between carrying out a write on `path` and answering it. */
  takeAnswerDelay(path: string): number {
    return this.auth.takeAnswerDelay(path);
  }

  /** Whether the next call must answer 401 regardless of its token. */
  takeUnauthorized(): boolean {
    return this.auth.takeUnauthorized();
  }

  // ---------------------------------------------------------------- request log (request-log.ts)

  /** Requests received, oldest first (bounded). */
  get requests(): RecordedRequest[] {
    return this.log.requests;
  }

  /** Records a request (the HTTP layer strips the Authorization header before). */
  record(r: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    return this.log.record(r);
  }

  /** Forgets recorded requests and refreshes, and resets the traffic and controller figures. */
  clearRequests(): void {
    this.log.clear();
    this.state.refreshes.length = 0;
    this.state.controller.resetStats();
  }

  /** Bytes sent and requests open (now and at most) since the last {@link ArgoCDSimulator.clearRequests}. */
  get traffic(): TrafficStats {
    return this.log.traffic;
  }

  /** The HTTP layer opened a REST request. */
  requestOpened(): void {
    this.log.opened();
  }

  /** The HTTP layer sent an answer of `bytes` body bytes to a REST request. */
  requestAnswered(rec: RecordedRequest, bytes: number): void {
    this.log.answered(rec, bytes);
  }

  /** A REST request's connection is done (answered or dropped). */
  requestClosed(): void {
    this.log.closed();
  }

  /** Recorded requests matching method and/or a path (string = exact, RegExp = test). */
  requestsTo(method?: string, path?: string | RegExp): RecordedRequest[] {
    return this.log.requestsTo(method, path);
  }

  // ---------------------------------------------------------------- revisions (revisions.ts)

  /**
   * Points a branch or tag of a repo at a commit, as a push would; apps notice on their
   * next refresh (or {@link ArgoCDSimulator.reconcileAll}), as ArgoCD does.
   */
  setHead(repoURL: string, ref: string, sha: string): void {
    revisions.setHead(this.state, repoURL, ref, sha);
  }

  /** The commit a source's target revision resolves to now. */
  resolveRevision(source: V1alpha1ApplicationSource, revision?: string): string {
    return revisions.resolveRevision(this.state, source, revision);
  }

  // ---------------------------------------------------------------- projects (projects.ts)

  /**
   * Adds or replaces an AppProject as `kubectl apply` would (as given, not normalised);
   * `defaults` fills in the spec ArgoCD gives its `default` project.
   */
  addProject(name: string, spec: V1alpha1AppProject['spec'] = {}, meta?: projects.ProjectMetadata, defaults = true): V1alpha1AppProject {
    return projects.addProject(this.state, name, spec, meta, defaults);
  }

  /** One project, or a 404 SimError. */
  getProject(name: string): V1alpha1AppProject {
    return projects.getProject(this.state, name);
  }

  /** All projects. */
  listProjects(): V1alpha1AppProject[] {
    return [...this.state.projects.values()];
  }

  /** Creates a project as `POST /api/v1/projects` does. */
  createProject(project: V1alpha1AppProject, upsert = false): V1alpha1AppProject {
    return projects.createProject(this.state, project, upsert);
  }

  /** Replaces a project as `PUT /api/v1/projects/{name}` does (resourceVersion checked). */
  updateProject(name: string, project: V1alpha1AppProject): V1alpha1AppProject {
    return projects.updateProject(this.state, name, project);
  }

  // ---------------------------------------------------------------- apps (apps.ts, status.ts)

  /** Number of apps. */
  get size(): number {
    return this.state.apps.size;
  }

  /** Adds an app from the seed shorthand, deployed at its current target revision. */
  addApp(seed: SeedApp): V1alpha1Application {
    return addSeedApp(this.state, seed);
  }

  /**
   * Finds an app as `getAppEnforceRBAC` does: unknown without `project` = 403 (ArgoCD
   * does not reveal which apps exist), unknown or in another project with `project` = 404.
   */
  findApp(name: string, appNamespace?: string, project?: string): SimApp {
    return apps.findApp(this.state, name, appNamespace, project);
  }

  /** An app's current wire object (live reference; do not mutate). */
  getApp(name: string, namespace?: string): V1alpha1Application {
    return this.findApp(name, namespace).app;
  }

  /** An app's JSON (UTF-8), cached until it changes (the list call joins these, which keeps 50k apps fast). */
  appBytes(sa: SimApp): Buffer {
    return apps.appBytes(sa);
  }

  /** Apps matching the list filters. */
  listApps(filter: SimListFilter = {}): SimApp[] {
    return apps.listApps(this.state, filter);
  }

  /** The list response body (JSON, UTF-8), projected when `fields` is given (see projection.ts). */
  listBody(filter: SimListFilter = {}, fields?: FieldSelection): Buffer {
    return apps.listBody(this.state, filter, fields);
  }

  /** Removes an app behind the API's back, as `kubectl delete application` would; false when absent. */
  deleteApp(name: string, namespace?: string): boolean {
    return apps.deleteApp(this.state, name, namespace);
  }

  /** `PUT .../spec`: replaces the spec (turning auto-sync off, typically). */
  updateSpec(sa: SimApp, spec: V1alpha1ApplicationSpec): V1alpha1ApplicationSpec {
    return apps.updateSpec(this.state, sa, spec);
  }

  /** `POST /api/v1/applications`: create, or with `upsert` replace the spec and merge labels and annotations. */
  createApp(app: V1alpha1Application, upsert = false): V1alpha1Application {
    return apps.createApp(this.state, app, upsert);
  }

  /** `PUT /api/v1/applications/{name}`: replaces labels, annotations, finalizers and spec. */
  updateApp(sa: SimApp, app: V1alpha1Application): V1alpha1Application {
    return apps.updateApp(this.state, sa, app);
  }

  // ---------------------------------------------------------------- operations (operations.ts)

  /** Changes how long the next sync operations run. */
  setSyncDurationMs(ms: number): void {
    this.state.settings.syncDurationMs = ms;
  }

  /**
   * Registers a refresh as `GET ...?refresh=` does (annotation set at once); resolves when the
   * controller has processed the app (re-resolved revisions; auto-sync may start), which with
   * `controllerMsPerApp` takes longer the more apps are queued.
   */
  refresh(sa: SimApp, type: 'normal' | 'hard'): Promise<void> {
    return operations.refresh(this.state, sa, type);
  }

  /** The controller's queue figures. */
  get controllerLoad(): ControllerStats {
    return this.state.controller.load;
  }

  /** Changes the controller's time per app (and processors) for the next apps it takes. */
  setControllerMsPerApp(ms: number, processors?: number): void {
    this.state.controller.msPerApp = ms;
    if (processors !== undefined) this.state.controller.processors = Math.max(1, processors);
  }

  /** Refreshes every app, as the controller's periodic reconciliation would. */
  reconcileAll(): void {
    operations.reconcileAll(this.state);
  }

  /** Runs `POST .../sync` semantics; throws SimError as ArgoCD would answer. */
  sync(sa: SimApp, req: SimSyncRequest): V1alpha1Application {
    return operations.sync(this.state, sa, req);
  }

  /** Runs `POST .../rollback` semantics. */
  rollback(sa: SimApp, req: { id?: number | string; dryRun?: boolean; prune?: boolean }): V1alpha1Application {
    return operations.rollback(this.state, sa, req);
  }

  /** Apps with an operation running now. */
  get runningOperations(): number {
    let n = 0;
    for (const sa of this.state.apps.values()) if (sa.app.operation) n++;
    return n;
  }

  // ---------------------------------------------------------------- sync windows (sync-windows.ts)

  /** `GET .../syncwindows` for an app. */
  syncWindows(sa: SimApp): ApplicationApplicationSyncWindowsResponse {
    return appSyncWindows(this.state, sa);
  }

  /** `GET /api/v1/projects/{name}/syncwindows`: the project's windows active now. */
  projectSyncWindows(name: string): { windows: V1alpha1SyncWindow[] } {
    return projectSyncWindows(this.state, name);
  }

  // ---------------------------------------------------------------- drift (drift.ts)

  /**
   * Makes a live resource differ from Git (the app goes OutOfSync with a diff on that
   * field). With `selfHealDelayMs` set, self-heal apps repair it after that delay.
   */
  injectDrift(app: { name: string; namespace?: string }, spec: DriftSpec): V1alpha1Application {
    return drift.injectDrift(this.state, this.findApp(app.name, app.namespace), spec);
  }

  /** Puts every live resource of the app back to what was last deployed. */
  clearDrift(app: { name: string; namespace?: string }): void {
    drift.clearDrift(this.state, this.findApp(app.name, app.namespace));
  }

  /** `GET .../managed-resources`: states as JSON strings, as ArgoCD sends them. */
  managedResources(sa: SimApp, filter: drift.ManagedResourcesFilter = {}): V1alpha1ResourceDiff[] {
    return drift.managedResources(this.state, sa, filter);
  }

  // ---------------------------------------------------------------- seeding and misc (seed.ts)

  /** Loads a seed instance (projects first, then apps). */
  loadSeed(seed: SeedInstance): void {
    loadSeed(this.state, seed);
  }

  /** `GET /api/version`; anonymous callers get only the version, as ArgoCD does. */
  versionInfo(authenticated: boolean): VersionVersionMessage {
    const Version = this.state.settings.version;
    if (!authenticated) return { Version };
    return {
      Version,
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

  // ---------------------------------------------------------------- health over time (health.ts, resource-tree.ts)

  /** Changes how long apps stay `Progressing` after a sync before they settle. */
  setHealthyAfterMs(ms: number): void {
    this.state.settings.healthyAfterMs = Math.max(0, ms);
  }

  /** Sets what the app's next operation does: fail, end Degraded, or succeed (and heal). */
  setOutcome(app: { name: string; namespace?: string }, outcome: SimOutcome): void {
    health.setOutcome(this.findApp(app.name, app.namespace), outcome);
  }

  /** Sets an app's health now (and its primary resource's), as a crash or a recovery would. */
  setHealth(app: { name: string; namespace?: string }, status: string, message?: string): V1alpha1Application {
    const sa = this.findApp(app.name, app.namespace);
    health.setHealth(this.state, sa, status, message);
    return sa.app;
  }

  /** `GET .../resource-tree`. */
  resourceTree(sa: SimApp, filter: ResourceTreeFilter = {}): SimApplicationTree {
    return resourceTree(sa, filter);
  }

  /** Stops every timer (operations, self-heal). */
  close(): void {
    this.state.closed = true;
    this.state.controller.close();
    for (const sa of this.state.apps.values()) {
      clearTimeout(sa.opTimer);
      clearTimeout(sa.healTimer);
      clearTimeout(sa.settleTimer);
    }
  }
}
