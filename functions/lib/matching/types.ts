/**
 * Types of the matching module: what matching needs to know about an ArgoCD Application,
 * and what it answers for a push.
 */

/** Annotation ArgoCD reads to limit which changed files refresh an app (`;`-separated paths, globs allowed). */
export const MANIFEST_GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

/** Annotation that makes gitops-sentinel sync (not just refresh) an app to its own targetRevision on a push when its value is `"true"`. */
export const SYNC_ON_PUSH_ANNOTATION = 'gitops-sentinel/sync-on-push';

/** Annotation that makes gitops-sentinel leave an app alone; any value other than `"false"` counts. */
export const IGNORE_ANNOTATION = 'gitops-sentinel/ignore';

/** One source of an Application, as far as matching needs it (ArgoCD `v1alpha1ApplicationSource`). */
export interface IndexedSource {
  /** Repository URL, any spelling (normalised by `normalizeRepoUrl`). */
  repoURL: string;
  /** Branch, tag, semver constraint, commit sha, `HEAD`, or empty (= `HEAD`). */
  targetRevision?: string;
  /** Directory in the repository the manifests come from; empty means the repository root. */
  path?: string;
  /** Helm chart name; set only for sources that come from a Helm repository, which a Git push never matches. */
  chart?: string;
  /** Name under which other sources of a multi-source app refer to this one (`$ref/values.yaml`). */
  ref?: string;
}

/**
 * The fields of an ArgoCD Application that matching needs, kept structural so that
 * the index can hold 50,000 of them cheaply. Build one from ArgoCD's JSON with
 * `fromArgoCDApplication`.
 */
export interface IndexedApp {
  /** Name of the ArgoCD instance the app lives in (`default` for the one from the environment). */
  instance: string;
  /** Namespace of the Application resource (apps in any namespace are supported). */
  namespace: string;
  /** Application name, unique within instance + namespace. */
  name: string;
  /** AppProject the app belongs to. */
  project: string;
  /** `metadata.annotations`. */
  annotations: Record<string, string>;
  /** `metadata.labels`. */
  labels: Record<string, string>;
  /** `spec.sources`, or `[spec.source]` for a single-source app. */
  sources: IndexedSource[];
  /** True when `spec.syncPolicy.automated` is on. */
  autoSync: boolean;
  /** True when `spec.syncPolicy.automated.selfHeal` is on. */
  selfHeal: boolean;
}

/** Identifies one app across all instances: what `AppIndex.remove` takes. */
export interface AppRef {
  instance: string;
  namespace: string;
  name: string;
}

/**
 * What to do with a matched app.
 * - `refresh`: ask ArgoCD to refresh (auto-sync apps then sync themselves; others show OutOfSync at once).
 * - `sync`: sync the matched sources to their own `targetRevision`, i.e. the branch head ArgoCD
 *   resolves (annotation `gitops-sentinel/sync-on-push: "true"`); never to the payload's sha.
 * - `skip`: the push affects the app but it is annotated `gitops-sentinel/ignore`; returned so the caller can audit it.
 */
export type MatchAction = 'refresh' | 'sync' | 'skip';

/** One app a push affects, with what to do and why. */
export interface MatchResult {
  /** The matched app, as it was indexed. */
  app: IndexedApp;
  /** What to do with it. */
  action: MatchAction;
  /** One line, for the audit trail: which source matched which ref and why this action. */
  reason: string;
  /**
   * Zero-based indexes into `app.sources` of the sources the push affects (at least one).
   * ArgoCD's sync API counts `sourcePositions` from 1.
   */
  sourceIndexes: number[];
  /**
   * The commit the push claimed (set only when `action` is `sync`): recorded in the audit trail
   * next to what ArgoCD deployed, never what gets deployed.
   */
  revision?: string;
}
