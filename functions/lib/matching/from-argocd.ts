/**
 * Conversion from ArgoCD's Application JSON (REST API, swagger `v1alpha1Application`) to
 * the `IndexedApp` that matching needs.
 */
import { hasSelfHeal, isAutoSyncOn } from '../argocd/app-helpers';
import { DEFAULT_ARGOCD_NAMESPACE } from '../config/defaults';
import type { IndexedApp, IndexedSource } from './types';

/** The fields of swagger `v1alpha1ApplicationSource` (and `v1alpha1DrySource`) that matching reads. */
export interface ArgoCDApplicationSourceLike {
  repoURL?: string;
  targetRevision?: string;
  path?: string;
  chart?: string;
  ref?: string;
}

/**
 * The part of an ArgoCD Application (swagger `v1alpha1Application`) that matching reads.
 * Declared structurally here so this module depends on no generated client types; any
 * object from `GET /api/v1/applications` fits.
 */
export interface ArgoCDApplicationLike {
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string> | null;
    labels?: Record<string, string> | null;
  };
  spec?: {
    project?: string;
    source?: ArgoCDApplicationSourceLike | null;
    sources?: ArgoCDApplicationSourceLike[] | null;
    sourceHydrator?: {
      drySource?: ArgoCDApplicationSourceLike | null;
      syncSource?: { repoURL?: string; targetBranch?: string; path?: string } | null;
    } | null;
    syncPolicy?: {
      automated?: { enabled?: boolean; selfHeal?: boolean; prune?: boolean } | null;
    } | null;
  };
}

/** Options of `fromArgoCDApplication`. */
export interface FromArgoCDOptions {
  /**
   * Namespace assumed when the object carries none.
   * @default 'argocd'
   */
  defaultNamespace?: string;
  /**
   * AppProject assumed when `spec.project` is empty.
   * @default 'default'
   */
  defaultProject?: string;
}

/**
 * Converts an ArgoCD Application object to an `IndexedApp`.
 *
 * Sources: `spec.sources` when non-empty (multi-source app), otherwise `spec.source`. For an
 * app using the source hydrator, its dry source is added (a push there must refresh the app,
 * as in ArgoCD's webhook) and, when there is no `spec.source`, the sync source too (its repo
 * defaults to the dry source's; its `targetBranch` is its revision). Auto-sync is on when
 * `spec.syncPolicy.automated` is present and not `enabled: false`.
 *
 * @param app - an Application as ArgoCD's REST API returns it
 * @param instance - name of the ArgoCD instance it comes from
 * @param options - defaults for missing fields
 * @throws TypeError when `app` has no `metadata.name`
 * @example
 * const index = new AppIndex(list.items.map((a) => fromArgoCDApplication(a, 'prod-eu')));
 */
export function fromArgoCDApplication(app: ArgoCDApplicationLike, instance: string, options: FromArgoCDOptions = {}): IndexedApp {
  const metadata = app?.metadata ?? {};
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw new TypeError('[gitops-sentinel/matching] application has no metadata.name');
  }
  const spec = app.spec ?? {};
  const sources: IndexedSource[] = [];
  if (Array.isArray(spec.sources) && spec.sources.length > 0) {
    for (const s of spec.sources) if (s) sources.push(toSource(s));
  } else if (spec.source) {
    sources.push(toSource(spec.source));
  }
  const hydrator = spec.sourceHydrator;
  if (hydrator?.drySource) {
    const dry = toSource(hydrator.drySource);
    if (sources.length === 0 && hydrator.syncSource) {
      sources.push({ repoURL: hydrator.syncSource.repoURL || dry.repoURL, targetRevision: hydrator.syncSource.targetBranch, path: hydrator.syncSource.path });
    }
    sources.push(dry);
  }
  return {
    instance,
    namespace: metadata.namespace || options.defaultNamespace || DEFAULT_ARGOCD_NAMESPACE,
    name: metadata.name,
    project: spec.project || options.defaultProject || 'default',
    annotations: { ...(metadata.annotations ?? {}) },
    labels: { ...(metadata.labels ?? {}) },
    sources,
    autoSync: isAutoSyncOn(app),
    selfHeal: hasSelfHeal(app),
  };
}

function toSource(s: ArgoCDApplicationSourceLike): IndexedSource {
  const source: IndexedSource = { repoURL: s.repoURL ?? '' };
  if (s.targetRevision !== undefined) source.targetRevision = s.targetRevision;
  if (s.path !== undefined) source.path = s.path;
  if (s.chart !== undefined && s.chart !== '') source.chart = s.chart;
  if (s.ref !== undefined) source.ref = s.ref;
  return source;
}
