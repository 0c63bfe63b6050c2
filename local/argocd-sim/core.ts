/**
 * The shared state of one simulated instance and the small helpers every concern of the
 * simulator uses (errors, cloning, comparison, app identity). The concerns themselves live
 * in their own modules (faults, request-log, revisions, projects, apps, status, operations,
 * sync-windows, drift, seed); `simulator.ts` composes them into the public class.
 */
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { V1alpha1AppProject, V1alpha1Application, V1alpha1SyncOperationResource } from '../../functions/lib/argocd/generated/models';
import type { SimController } from './controller';
import type { ArgoCDSimulatorOptions } from './types';

/** gRPC code -> HTTP status, as grpc-gateway's `HTTPStatusFromCode` maps them. */
export function httpStatusFromGrpc(code: number): number {
  return (
    (
      {
        0: 200,
        1: 499,
        2: 500,
        3: 400,
        4: 504,
        5: 404,
        6: 409,
        7: 403,
        8: 429,
        9: 400,
        10: 409,
        11: 400,
        12: 501,
        13: 500,
        14: 503,
        15: 500,
        16: 401,
      } as Record<number, number>
    )[code] ?? 500
  );
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

/** ArgoCD's message for RBAC refusals and (without `project`) unknown apps. */
export const PERMISSION_DENIED = 'permission denied';
/** History entries ArgoCD keeps (`revisionHistoryLimit` default). */
export const HISTORY_LIMIT = 10;

/** A resource an app manages, with its object "in the cluster". */
export interface SimResource {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  image?: string;
  replicas: number;
  health: string;
  /** Why the resource is not healthy (ArgoCD's health message). */
  healthMessage?: string;
  /** Object in the "cluster"; null when missing. */
  live: Record<string, unknown> | null;
}

/**
 * What the next operation of an app does (set through `/__sim/outcome`): `fail` ends it in
 * phase `Failed`, `degrade` makes the app `Degraded` once it settles, `succeed` clears a
 * previous setting.
 */
export interface SimOutcome {
  kind: 'fail' | 'degrade' | 'succeed';
  /** ArgoCD-style message for the failed resource or the degraded health. */
  message?: string;
  /** Apply to every following operation, not just the next one. @default false */
  sticky?: boolean;
}

/** One app: the wire object plus what the simulated cluster and controller keep about it. */
export interface SimApp {
  app: V1alpha1Application;
  resources: SimResource[];
  /** Resolved revision per source that was last deployed (empty: never deployed). */
  deployed: string[];
  health: string;
  opTimer?: NodeJS.Timeout;
  healTimer?: NodeJS.Timeout;
  /** Fires when the app settles after an operation (see `healthyAfterMs`). */
  settleTimer?: NodeJS.Timeout;
  /** Epoch ms until which the app is `Progressing` after an operation succeeded. */
  progressingUntil?: number;
  /** What the next operation does; unset = succeed and stay healthy. */
  outcome?: SimOutcome;
  /** Cached `JSON.stringify(app)` as UTF-8; cleared whenever the app changes ({@link forgetJson}). */
  bytes?: Buffer;
  /** Cached projected item of the last `fields=` selection listed (by its key); cleared with `bytes`. */
  projected?: { key: string; bytes: Buffer };
}

/**
 * Drops an app's cached JSON (whole and projected) after it changed. The caches only spare the
 * simulator's own CPU on list calls (its CPU is not ArgoCD's); what a list answers is the same.
 */
export function forgetJson(sa: SimApp): void {
  sa.bytes = undefined;
  sa.projected = undefined;
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

/** Settings of an instance after defaults. */
export type SimSettings = Required<
  Pick<ArgoCDSimulatorOptions, 'syncDurationMs' | 'healthyAfterMs' | 'autoSync' | 'version' | 'maxRecordedRequests' | 'appNamespaces'>
> &
  Pick<ArgoCDSimulatorOptions, 'selfHealDelayMs'>;

/** The mutable state of one instance, shared by the concern modules. */
export class SimState {
  /** Apps by `namespace/name`. */
  readonly apps = new Map<string, SimApp>();
  /** Projects by name. */
  readonly projects = new Map<string, V1alpha1AppProject>();
  /** Commit per `repoURL#ref`, set by pushes. */
  readonly heads = new Map<string, string>();
  /** Refreshes received, oldest first. */
  readonly refreshes: RecordedRefresh[] = [];
  /** Last resourceVersion handed out (ArgoCD's is etcd's, one counter per instance here). */
  resourceVersion = 1000;
  /** Set by `close()`: no new timers. */
  closed = false;
  /** The controller that processes refreshes (set by the simulator right after construction). */
  controller!: SimController;
  private readonly namespaceMatchers: Array<(ns: string) => boolean>;

  /**
   * @param instance instance name
   * @param namespace namespace ArgoCD runs in
   * @param settings options after defaults
   * @param now the clock
   */
  constructor(
    readonly instance: string,
    readonly namespace: string,
    readonly settings: SimSettings,
    readonly now: () => Date,
  ) {
    // ArgoCD's --application-namespaces are globs; a namespace has no "/", so picomatch's
    // "*" (anything but a slash) is the same as ArgoCD's.
    this.namespaceMatchers = settings.appNamespaces.map((p) => picomatch(p, { dot: true }));
  }

  /** The next resourceVersion, as a string. */
  nextResourceVersion(): string {
    return String(++this.resourceVersion);
  }

  /** Refuses (403, as ArgoCD does) a namespace outside the control plane's and the allowed globs. */
  assertNamespaceAllowed(ns: string): void {
    if (ns !== this.namespace && !this.namespaceMatchers.some((m) => m(ns))) {
      throw new SimError(7, `namespace '${ns}' is not permitted`);
    }
  }
}

/** Deep copy of a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** JSON equality where `undefined` members count as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Key of an app in {@link SimState.apps}. */
export function appKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** A deterministic fake commit SHA for a string. */
export function fakeSha(input: string): string {
  return createHash('sha1').update(input).digest('hex');
}

/** `spec.sources` or `[spec.source]`: the client's helper, so the simulator reads sources as the product does. */
export { sourcesOf } from '../../functions/lib/argocd/app-helpers';
