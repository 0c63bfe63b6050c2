/**
 * Domain-facing types of the ArgoCD client: friendly names for the generated wire
 * types, the application reference, call options and client options.
 */
import type { AxiosAdapter } from 'axios';
import type { PartialLogger } from '../observability/simple-logger';
import type {
  ApplicationApplicationSyncWindow,
  V1alpha1AppProject,
  V1alpha1Application,
  V1alpha1ApplicationSource,
  V1alpha1ApplicationSpec,
  V1alpha1ApplicationStatus,
  V1alpha1OperationState,
  V1alpha1ResourceDiff,
  V1alpha1ApplicationTree,
  V1alpha1ResourceNode,
  V1alpha1ResourceRef,
  V1alpha1RevisionHistory,
  V1alpha1SyncOperationResource,
  V1alpha1SyncPolicy,
  V1alpha1SyncStrategy,
  V1alpha1SyncWindow,
  Applicationv1alpha1ResourceStatus,
  VersionVersionMessage,
  RuntimeError,
} from './generated/models';

/** An ArgoCD Application as the API returns it. */
export type Application = V1alpha1Application;
/** `spec` of an Application. */
export type ApplicationSpec = V1alpha1ApplicationSpec;
/** One source of an Application (`spec.source` or an entry of `spec.sources`). */
export type ApplicationSource = V1alpha1ApplicationSource;
/** `status` of an Application. */
export type ApplicationStatus = V1alpha1ApplicationStatus;
/** `spec.syncPolicy` of an Application. */
export type SyncPolicy = V1alpha1SyncPolicy;
/** One `status.history[]` entry; `id` is what rollback takes. */
export type RevisionHistory = V1alpha1RevisionHistory;
/** `status.operationState`; phase `Running` means an operation is in progress. */
export type OperationState = V1alpha1OperationState;
/** One `status.resources[]` entry. */
export type ResourceStatus = Applicationv1alpha1ResourceStatus;
/** One managed-resources item; the states are JSON strings. */
export type ResourceDiff = V1alpha1ResourceDiff;
/**
 * One node of a resource tree: a live resource with health and parent references. The spec
 * declares it `allOf` a `v1alpha1ResourceRef` (kind, name, ...), which the generator leaves out.
 */
export type ResourceNode = V1alpha1ResourceNode & V1alpha1ResourceRef;
/** An app's resource tree (`GET .../resource-tree`). */
export type ApplicationTree = Omit<V1alpha1ApplicationTree, 'nodes' | 'orphanedNodes'> & { nodes?: ResourceNode[]; orphanedNodes?: ResourceNode[] };
/** An ArgoCD AppProject. */
export type AppProject = V1alpha1AppProject;
/** A sync window as defined in an AppProject. */
export type SyncWindow = V1alpha1SyncWindow;
/** A sync window as the application syncwindows endpoint reports it. */
export type ApplicationSyncWindow = ApplicationApplicationSyncWindow;
/** ArgoCD's build information (`GET /api/version`). */
export type VersionMessage = VersionVersionMessage;
/** ArgoCD's error body `{error, code, message, details}`. */
export type ArgoCDErrorBody = RuntimeError;
/** A resource to restrict a sync to. */
export type SyncOperationResource = V1alpha1SyncOperationResource;
/** Sync strategy (`apply` or `hook`). */
export type SyncStrategy = V1alpha1SyncStrategy;

/**
 * Identifies one Application: instance + namespace + name, never the name alone,
 * because two instances (or two namespaces) may hold apps of the same name.
 */
export interface AppRef {
  /** Instance name from the config (`default` for the `ARGOCD_SERVER` instance). */
  instance: string;
  /** The Application resource's namespace (`metadata.namespace`). */
  namespace: string;
  /** The Application's name (`metadata.name`). */
  name: string;
}

/** Filters for {@link ArgoCDClient.listApplications}. */
export interface ListApplicationsOptions {
  /** Label selector, e.g. `team=payments,env!=dev`. */
  selector?: string;
  /** Only apps of these projects. */
  projects?: string[];
  /** Only apps in this namespace. */
  appNamespace?: string;
  /** Only apps whose *first* source's repoURL equals this string exactly (not normalised). */
  repo?: string;
  /**
   * Projection: only these fields of each item (`items.metadata.name`, `items.spec`, ...;
   * see {@link APP_INDEX_FIELDS} / {@link DRIFT_SCAN_FIELDS}). ArgoCD can select a fixed set
   * only and ignores other names; `status.history` is not selectable (get the app for it).
   */
  fields?: readonly string[];
  /** Epoch ms no attempt or retry wait may pass (e.g. the Lambda's remaining time). */
  deadline?: number;
}

/** Options for {@link ArgoCDClient.getApplication}. */
export interface GetApplicationOptions {
  /** Ask ArgoCD to reconcile before answering (`hard` also drops the manifest cache). */
  refresh?: 'normal' | 'hard';
  /** The app's project; makes an unknown app answer 404 instead of 403. */
  project?: string;
  /** Epoch ms no attempt or retry wait may pass. */
  deadline?: number;
}

/** Options for {@link ArgoCDClient.refreshApplication}. */
export interface RefreshOptions {
  /** @default "normal" (`hard` also drops the manifest cache) */
  type?: 'normal' | 'hard';
  /** The app's project; makes an unknown app answer 404 instead of 403. */
  project?: string;
  /** How long to listen for ArgoCD's answer. @default the client's `refreshWaitMs` */
  waitMs?: number;
  /** Epoch ms no attempt or retry wait may pass. */
  deadline?: number;
}

/**
 * How a refresh ended (errors are thrown). A refresh counts as registered only once ArgoCD has
 * shown it: by answering (its controller is done), or by the refresh annotation on the app in a
 * list taken after the GET went unanswered. Bytes written are not enough: a server that had not
 * acted on the request when we stopped listening drops it (Go cancels the request's context).
 */
export interface RefreshResult {
  /** ArgoCD showed the refresh: it answered, or the app carried the refresh annotation. */
  registered: true;
  /** How it showed it: `answer` (the GET was answered) or `annotation` (seen in a list afterwards). */
  registeredBy: 'answer' | 'annotation';
  /** ArgoCD answered in time, so its controller has processed the refresh. */
  confirmed: boolean;
  /**
   * Why the last GET was not answered: `deadline` (still waiting when we stopped listening),
   * `connection-closed` (the connection ended after the request was written),
   * `gateway-timeout` (a proxy in front of ArgoCD answered 504).
   */
  unconfirmedReason?: 'deadline' | 'connection-closed' | 'gateway-timeout';
  /** The app as ArgoCD answered, when confirmed. */
  app?: Application;
  /**
   * Refresh GETs that reached ArgoCD: 1, or 2 when the first went unanswered and the check found
   * no refresh pending (ArgoCD dropped it, or its controller had already finished): never more.
   */
  requests: 1 | 2;
  /** Requests sent, including those that never reached ArgoCD or were answered 5xx/429/401 and retried. */
  attempts: number;
  /** Time spent, ms. */
  elapsedMs: number;
}

/** Options for {@link ArgoCDClient.syncApplication}. */
export interface SyncApplicationOptions {
  /** Revision to sync to; default the app's target revision. Refused under auto-sync if different. */
  revision?: string;
  /** Per-source revisions for multi-source apps (with `sourcePositions`, 1-based). */
  revisions?: string[];
  /** 1-based source positions the `revisions` apply to. */
  sourcePositions?: number[];
  /** Delete resources no longer in Git. @default false */
  prune?: boolean;
  /** Report only. @default false */
  dryRun?: boolean;
  /** Apply or hook strategy. */
  strategy?: SyncStrategy;
  /** Sync only these resources. */
  resources?: SyncOperationResource[];
  /** Sync options, e.g. `["ServerSideApply=true"]`. */
  syncOptions?: string[];
  /** The app's project (404 instead of 403 for an unknown app). */
  project?: string;
  /** Epoch ms no attempt or retry wait may pass. */
  deadline?: number;
}

/** Options for {@link ArgoCDClient.rollbackApplication}. */
export interface RollbackApplicationOptions {
  /** `status.history[].id` to roll back to (sent as a JSON number). */
  id: number;
  /** Report only. @default false */
  dryRun?: boolean;
  /** Delete resources not in the target revision. @default false */
  prune?: boolean;
  /** The app's project (404 instead of 403 for an unknown app). */
  project?: string;
  /** Epoch ms no attempt or retry wait may pass. */
  deadline?: number;
}

/** Filters for {@link ArgoCDClient.getManagedResources}. */
export interface ManagedResourcesOptions {
  namespace?: string;
  name?: string;
  version?: string;
  group?: string;
  kind?: string;
  /** The app's project (404 instead of 403 for an unknown app). */
  project?: string;
}

/** Normalised answer of the application syncwindows endpoint. */
export interface SyncWindowsState {
  /** Whether a manual/API sync is allowed right now. */
  canSync: boolean;
  /** Windows that apply to the app. */
  assignedWindows: ApplicationSyncWindow[];
  /** Windows that are active now. */
  activeWindows: ApplicationSyncWindow[];
}

/** Options for {@link ArgoCDClient.createApplication}. */
export interface CreateApplicationOptions {
  /** Replace an existing app whose spec differs. @default false */
  upsert?: boolean;
  /** Let ArgoCD validate the spec against the repo. @default true */
  validate?: boolean;
}

/** Options for {@link ArgoCDClient.createProject}. */
export interface CreateProjectOptions {
  /** Replace an existing project whose spec differs. @default false */
  upsert?: boolean;
}

/** Options for {@link ArgoCDClient.updateApplicationSpec}. */
export interface UpdateSpecOptions {
  /** Let ArgoCD validate the spec. @default true */
  validate?: boolean;
  /** The app's project (404 instead of 403 for an unknown app). */
  project?: string;
}

/** Options of one {@link ArgoCDClient}. */
export interface ArgoCDClientOptions {
  /** Instance name; every {@link AppRef} passed must carry it. */
  name: string;
  /** Base URL, or a bare `host:port`, which means https as with the argocd CLI. */
  server: string;
  /** Skip TLS verification. @default false */
  insecure?: boolean;
  /** Namespace ArgoCD runs in; apps elsewhere are addressed with `appNamespace`. @default "argocd" */
  namespace?: string;
  /** Returns the current API token (called before each attempt; cache on your side). */
  getToken: () => Promise<string>;
  /** Forces a fresh token; called once after a 401, then the call is retried once. */
  refreshToken?: () => Promise<string>;
  /** Per-call timeout in ms. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 5xx and 429. @default 3 */
  retries?: number;
  /** Base backoff in ms (exponential, full jitter). @default 200 */
  backoffMs?: number;
  /** Largest single backoff in ms. @default 5000 */
  maxBackoffMs?: number;
  /** Concurrent requests in flight to this instance. @default 16 */
  concurrency?: number;
  /** Requests per second to this instance, in arrival order (0 = no limit). @default 50 */
  ratePerSecond?: number;
  /**
   * How long a refresh listens for ArgoCD's answer; unanswered by then, a projected list shows
   * whether ArgoCD registered it. @default 1500
   */
  refreshWaitMs?: number;
  /** How long a registration check waits for other unanswered refreshes to share its list call. @default 50 */
  refreshCheckWindowMs?: number;
  /** Partial logger; never receives tokens or headers. */
  logger?: PartialLogger;
  /**
   * Carries the requests instead of node:http (an axios adapter), e.g. the simulator served
   * in-process for unit tests (`inProcessTransport` in local/argocd-sim). Everything else
   * (auth, retries, timeouts, error mapping) stays the client's. `refreshApplication` needs
   * node:http and refuses to run on another transport. @default node:http (axios's own adapter)
   */
  transport?: AxiosAdapter;
}

/**
 * What the sync worker's app index needs from the list call: identity, annotations and
 * labels (matching rules), and the spec (sources, project, sync policy).
 */
export const APP_INDEX_FIELDS: readonly string[] = [
  'items.metadata.name',
  'items.metadata.namespace',
  'items.metadata.annotations',
  'items.metadata.labels',
  'items.spec',
];

/**
 * What the drift scan needs to detect drift and apply its policy: identity, annotations and
 * labels (opt-in, ignore, rule selectors), the project and sync policy (not the sources,
 * which can hold whole inline Helm values), sync status and revision, health, resource
 * statuses, and whether an operation is running or requested. `status.history` and
 * `status.sync.revisions` are not selectable: the scan gets the single app for each app it
 * will repair.
 */
export const DRIFT_SCAN_FIELDS: readonly string[] = [
  'items.metadata.name',
  'items.metadata.namespace',
  'items.metadata.annotations',
  'items.metadata.labels',
  'items.spec.project',
  'items.spec.syncPolicy',
  'items.status.sync.status',
  'items.status.sync.revision',
  'items.status.health',
  'items.status.resources',
  'items.status.operationState.phase',
  'items.operation.sync',
];
