/**
 * Applications: lookup with ArgoCD's RBAC answers, the list call and its filters, create
 * (`POST /api/v1/applications`) and spec updates.
 */
import { randomUUID } from 'node:crypto';
import type { V1alpha1Application, V1alpha1ApplicationSpec } from '../../functions/lib/argocd/generated/models';
import { appKey, clone, deepEqual, PERMISSION_DENIED, SimError, sourcesOf, type SimApp, type SimListFilter, type SimState } from './core';
import { maybeAutoSync } from './operations';
import { projectApp, type FieldSelection } from './projection';
import { matchesSelector } from './selector';
import { buildSimApp, recompute } from './status';

/**
 * Finds an app as `getAppEnforceRBAC` does: unknown without `project` = 403 (ArgoCD
 * does not reveal which apps exist), unknown or in another project with `project` = 404.
 */
export function findApp(state: SimState, name: string, appNamespace?: string, project?: string): SimApp {
  const ns = appNamespace || state.namespace;
  state.assertNamespaceAllowed(ns);
  const sa = state.apps.get(appKey(ns, name));
  if (!sa || (project && sa.app.spec?.project !== project)) {
    if (project) throw new SimError(5, `applications.argoproj.io "${name}" not found`);
    throw new SimError(7, PERMISSION_DENIED);
  }
  return sa;
}

/** An app's cached JSON (the list call joins these, which keeps 50k apps fast). */
export function appJson(sa: SimApp): string {
  return (sa.json ??= JSON.stringify(sa.app));
}

/** Apps matching the list filters. */
export function listApps(state: SimState, filter: SimListFilter = {}): SimApp[] {
  const out: SimApp[] = [];
  for (const sa of state.apps.values()) {
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

/**
 * The list response body as a JSON string; with `fields` each item is projected as
 * ArgoCD's list forwarder does (see projection.ts).
 */
export function listJson(state: SimState, filter: SimListFilter = {}, fields?: FieldSelection): string {
  const items = listApps(state, filter);
  const one = fields ? (sa: SimApp) => JSON.stringify(projectApp(sa.app, fields)) : appJson;
  // Go marshals an empty slice in ApplicationList as null.
  const body = items.length ? '[' + items.map(one).join(',') + ']' : 'null';
  return `{"metadata":{"resourceVersion":"${state.resourceVersion}"},"items":${body}}`;
}

/** `PUT .../spec`: replaces the spec (turning auto-sync off, typically). */
export function updateSpec(state: SimState, sa: SimApp, spec: V1alpha1ApplicationSpec): V1alpha1ApplicationSpec {
  if (!spec || typeof spec !== 'object') throw new SimError(3, 'spec is required');
  if (!state.projects.has(spec.project ?? '')) throw new SimError(3, `application references project ${spec.project} which does not exist`);
  if (!spec.source && !spec.sources?.length) throw new SimError(3, 'spec.source or spec.sources is required');
  sa.app.spec = clone(spec);
  sa.app.metadata!.generation = (sa.app.metadata!.generation ?? 1) + 1;
  recompute(state, sa);
  maybeAutoSync(state, sa);
  return sa.app.spec;
}

/** `POST /api/v1/applications`: create, or with `upsert` replace. */
export function createApp(state: SimState, app: V1alpha1Application, upsert = false): V1alpha1Application {
  const name = app?.metadata?.name;
  if (!name) throw new SimError(3, 'application name is required');
  const ns = app.metadata?.namespace || state.namespace;
  state.assertNamespaceAllowed(ns);
  const spec = app.spec;
  if (!spec?.source && !spec?.sources?.length) throw new SimError(3, 'application spec is invalid: spec.source or spec.sources is required');
  if (!state.projects.has(spec.project ?? '')) {
    throw new SimError(3, `application spec for ${name} is invalid: InvalidSpecError: application references project ${spec.project} which does not exist`);
  }
  const existing = state.apps.get(appKey(ns, name));
  if (existing) {
    if (!upsert) {
      if (deepEqual(existing.app.spec, spec)) return existing.app;
      throw new SimError(3, 'existing application spec is different; use upsert flag to force update');
    }
    existing.app.spec = clone(spec);
    existing.app.metadata!.labels = clone(app.metadata?.labels);
    existing.app.metadata!.annotations = clone(app.metadata?.annotations);
    recompute(state, existing);
    maybeAutoSync(state, existing);
    return existing.app;
  }
  const fresh: V1alpha1Application = {
    metadata: {
      name,
      namespace: ns,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: state.now().toISOString(),
      ...(app.metadata?.labels ? { labels: clone(app.metadata.labels) } : {}),
      ...(app.metadata?.annotations ? { annotations: clone(app.metadata.annotations) } : {}),
    },
    spec: clone(spec),
    status: { history: [] },
  };
  const sa = buildSimApp(fresh, undefined);
  state.apps.set(appKey(ns, name), sa);
  recompute(state, sa);
  maybeAutoSync(state, sa);
  return fresh;
}

/** Removes an app (stops its timers); false when there was none. */
export function deleteApp(state: SimState, name: string, namespace = state.namespace): boolean {
  const k = appKey(namespace, name);
  const sa = state.apps.get(k);
  if (!sa) return false;
  clearTimeout(sa.opTimer);
  clearTimeout(sa.healTimer);
  return state.apps.delete(k);
}
