/** Types of the ArgoCD simulator: options, seed format, recorded requests, faults, drift. */
import type {
  V1alpha1AppProjectSpec,
  V1alpha1ApplicationDestination,
  V1alpha1ApplicationSource,
  V1alpha1SyncPolicy,
} from '../../functions/lib/argocd/generated/models';

/** A resource an app manages in the simulator (rendered into live/target manifests). */
export interface SimResourceSeed {
  kind: string;
  name: string;
  /** @default the app's destination namespace */
  namespace?: string;
  /** API group; derived from the kind when absent (`apps` for Deployment etc.). */
  group?: string;
  /** API version; derived from the kind when absent. */
  version?: string;
  /** Container image without tag (Deployments); the tag follows the deployed revision. */
  image?: string;
  /** Replicas (Deployments). @default 1 */
  replicas?: number;
  /** Health of the live object. @default "Healthy" */
  health?: string;
}

/** A drift to inject: a field of a live resource set to a value different from Git. */
export interface DriftSpec {
  /** Resource kind, e.g. `Deployment`. */
  kind: string;
  /** Resource name. */
  name: string;
  /** Resource namespace. @default the app's destination namespace */
  namespace?: string;
  /** Dot path of the field, e.g. `spec.replicas` or `data.LOG_LEVEL`. */
  field: string;
  /** Value in the cluster. `undefined` deletes the field; `null` deletes the whole live resource. */
  value: unknown;
}

/** One app in a seed file: shorthand that becomes a full Application. */
export interface SeedApp {
  name: string;
  /** @default the control-plane namespace */
  namespace?: string;
  /** @default "default" */
  project?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Single source (or use `sources`). */
  source?: V1alpha1ApplicationSource;
  /** Multi-source apps. */
  sources?: V1alpha1ApplicationSource[];
  /** @default in-cluster, namespace = app name */
  destination?: V1alpha1ApplicationDestination;
  syncPolicy?: V1alpha1SyncPolicy;
  /** Managed resources. @default a Deployment and a Service named after the app */
  resources?: SimResourceSeed[];
  /** Earlier deployments to put in `status.history` (the newest is live). @default 1 */
  history?: number;
  /** App health. @default "Healthy" */
  health?: string;
  /** Drifts present from the start. */
  drift?: DriftSpec[];
}

/** A declaratively applied AppProject in a seed. */
export interface SeedProject {
  name: string;
  spec?: V1alpha1AppProjectSpec;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** One instance in a seed file. */
export interface SeedInstance {
  /** ArgoCD version the sim reports. @default "v3.1.0+sim" */
  version?: string;
  /** Namespace ArgoCD runs in. @default "argocd" */
  namespace?: string;
  /**
   * Projects (a `default` project is always present), stored as `kubectl apply` would store
   * them: as given, without the API's normalisation (a sync window keeps an empty `timeZone`).
   */
  projects?: SeedProject[];
  apps?: SeedApp[];
}

/** A seed file: instances by name. */
export interface SeedFile {
  instances: Record<string, SeedInstance>;
}

/** One request the simulator received (never the Authorization header). */
export interface RecordedRequest {
  /** Sequence number, from 1. */
  seq: number;
  /** Epoch ms. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters; repeated keys become arrays. */
  query: Record<string, string | string[]>;
  /** Lower-cased headers without `authorization` and `cookie`. */
  headers: Record<string, string>;
  /** Raw `Content-Type` header as sent. */
  contentType?: string;
  /** Parsed JSON body (or the raw text when it was not JSON). */
  body?: unknown;
  /** Status the simulator answered with (0 when the connection was closed). */
  status?: number;
  /** Response body bytes sent (0 when the connection was closed first). */
  bytes?: number;
}

/** Faults to inject; every field is optional and merges with the current faults. */
export interface FaultOptions {
  /** Fixed delay before every answer. */
  latencyMs?: number;
  /** Delays for the next calls, one per call, before `latencyMs` applies again. */
  latencyQueue?: number[];
  /** Probability (0..1) that a call answers `failStatus`. */
  failRate?: number;
  /** Next N calls answer `failStatus`. */
  failNext?: number;
  /** Status for injected failures. @default 503 */
  failStatus?: number;
  /** Next N calls answer 401 whatever the token. */
  unauthorizedNext?: number;
  /** Drop every connection (as if the server were down). */
  down?: boolean;
  /** Only calls whose path matches this regex are affected (latency and failures). */
  pathPattern?: string;
  /** Only calls with this HTTP method are affected (latency and failures), e.g. `PUT`. */
  method?: string;
  /** `Retry-After` (seconds) sent with injected failures. */
  retryAfterSec?: number;
  /**
   * Delay after a sync or rollback was carried out, before its answer (a client that gives
   * up meanwhile has started an operation without learning it).
   */
  answerDelayMs?: number;
  /** Restarts the generator `failRate` draws from with this seed (same seed, same failures). */
  seed?: number;
}

/** Options of one simulator instance. */
export interface ArgoCDSimulatorOptions {
  /** Instance name (for logs and the admin API). @default "default" */
  instance?: string;
  /** Bearer token the sim accepts. @default a random token */
  token?: string;
  /** Namespace ArgoCD runs in. @default "argocd" */
  namespace?: string;
  /** Namespaces where apps may live besides the control plane (globs). @default ["*"] */
  appNamespaces?: string[];
  /** How long a sync operation runs before it succeeds. @default 100 */
  syncDurationMs?: number;
  /**
   * How long an app stays `Progressing` after a sync succeeded (pods rolling out) before it is
   * `Healthy` (or `Degraded` when asked for through `/__sim/outcome`). @default 0
   */
  healthyAfterMs?: number;
  /**
   * Controller time per app: a refresh GET is held until the controller has processed the
   * app, behind every app queued before it. @default 0 (processed at once)
   */
  controllerMsPerApp?: number;
  /** Apps the controller processes in parallel (ArgoCD's `--status-processors`). @default 1 */
  controllerProcessors?: number;
  /** Auto-sync apps start a sync when a refresh finds a new revision. @default true */
  autoSync?: boolean;
  /** When set, self-heal apps repair injected drift after this many ms. */
  selfHealDelayMs?: number;
  /** Version string reported by `/api/version`. @default "v3.1.0+sim" */
  version?: string;
  /** Clock (tests can pin sync windows). @default () => new Date() */
  now?: () => Date;
  /** Keep at most this many recorded requests. @default 10000 */
  maxRecordedRequests?: number;
  /** Seed for this instance. */
  seed?: SeedInstance;
  /** Seed of the generator `failRate` draws from, so runs fail the same calls. @default 1 */
  faultSeed?: number;
}
