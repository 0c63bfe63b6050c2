/**
 * Applications: lookup with ArgoCD's RBAC answers, the list call and its filters, create
 * (`POST /api/v1/applications`), update (`PUT /api/v1/applications/{name}`) and spec updates.
 * Every API write stores the spec in ArgoCD's normal form (`NormalizeApplicationSpec`, run by
 * `validateAndNormalizeApp` in server/application/application.go; the rules and their sources
 * are in `functions/lib/dr/normal-form.ts`); seeded apps are stored as given, as `kubectl apply` would.
 */
import { randomUUID } from 'node:crypto';
import type { V1alpha1Application, V1alpha1ApplicationSpec } from '../../functions/lib/argocd/generated/models';
import { normalizeApplicationSpec } from '../../functions/lib/dr/normal-form';
import { appKey, clone, deepEqual, PERMISSION_DENIED, SimError, sourcesOf, type SimApp, type SimListFilter, type SimState } from './core';
import { maybeAutoSync } from './operations';
import { compileSelection, projectApp, type CompiledSelection, type FieldSelection } from './projection';
import { matchesSelector } from '../../functions/lib/argocd/label-selector';
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

/** An app's JSON, encoded once until it changes (the list call joins these, which keeps 50k apps fast). */
export function appBytes(sa: SimApp): Buffer {
  return (sa.bytes ??= Buffer.from(JSON.stringify(sa.app)));
}

/** An app's projected item as JSON, encoded once per selection until the app changes. */
function projectedBytes(sa: SimApp, sel: CompiledSelection): Buffer {
  if (sa.projected?.key !== sel.key) sa.projected = { key: sel.key, bytes: Buffer.from(JSON.stringify(projectApp(sa.app, sel))) };
  return sa.projected.bytes;
}

const COMMA = Buffer.from(',');

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
 * The list response body (JSON, UTF-8); with `fields` each item is projected as ArgoCD's list
 * forwarder does (see projection.ts). Items are copied from their cached bytes, not encoded again:
 * at 50,000 apps, joining and encoding strings was most of the simulator's CPU per list call.
 */
export function listBody(state: SimState, filter: SimListFilter = {}, fields?: FieldSelection): Buffer {
  const items = listApps(state, filter);
  const sel = fields && compileSelection(fields);
  const one = sel ? (sa: SimApp) => projectedBytes(sa, sel) : appBytes;
  const head = Buffer.from(`{"metadata":{"resourceVersion":"${state.resourceVersion}"},"items":`);
  // Go marshals an empty slice in ApplicationList as null.
  if (!items.length) return Buffer.concat([head, Buffer.from('null}')]);
  const parts: Buffer[] = [head, Buffer.from('[')];
  items.forEach((sa, i) => {
    if (i) parts.push(COMMA);
    parts.push(one(sa));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

function normalized(spec: V1alpha1ApplicationSpec): V1alpha1ApplicationSpec {
  return normalizeApplicationSpec(clone(spec) as Record<string, unknown>);
}

/** ArgoCD's checks of a spec to store (after normalisation, so an empty project is `default`). */
function checkSpec(state: SimState, name: string, spec: V1alpha1ApplicationSpec | undefined): V1alpha1ApplicationSpec {
  if (!spec || typeof spec !== 'object') throw new SimError(3, 'spec is required');
  if (!spec.source && !spec.sources?.length) throw new SimError(3, `application spec for ${name} is invalid: spec.source or spec.sources is required`);
  const out = normalized(spec);
  if (!state.projects.has(out.project ?? '')) {
    throw new SimError(3, `application spec for ${name} is invalid: InvalidSpecError: application references project ${out.project} which does not exist`);
  }
  return out;
}

/** A string map with no keys counts as absent (Go's nil and empty map marshal alike with omitempty). */
function mapOrUndefined(m: Record<string, string> | undefined): Record<string, string> | undefined {
  return m && Object.keys(m).length ? clone(m) : undefined;
}

function listOrUndefined(l: string[] | undefined): string[] | undefined {
  return l?.length ? clone(l) : undefined;
}

/** Stores a changed app: new resourceVersion (via recompute), generation on a spec change, auto-sync. */
function changed(state: SimState, sa: SimApp, specChanged: boolean): void {
  if (specChanged) sa.app.metadata!.generation = (sa.app.metadata!.generation ?? 1) + 1;
  recompute(state, sa);
  maybeAutoSync(state, sa);
}

/** `PUT .../spec`: replaces the spec (turning auto-sync off, typically). */
export function updateSpec(state: SimState, sa: SimApp, spec: V1alpha1ApplicationSpec): V1alpha1ApplicationSpec {
  const next = checkSpec(state, sa.app.metadata!.name!, spec);
  sa.app.spec = next;
  changed(state, sa, true);
  return sa.app.spec;
}

/**
 * `PUT /api/v1/applications/{name}` (`Update` -> `updateApp` with merge=false): labels,
 * annotations, finalizers and spec replaced. ArgoCD applies them to the app it read itself and
 * retries its own conflicts, so the `resourceVersion` in the body is not checked.
 */
export function updateApp(state: SimState, sa: SimApp, app: V1alpha1Application): V1alpha1Application {
  if (!app || typeof app !== 'object') throw new SimError(3, 'error updating application: application is nil in request');
  const spec = checkSpec(state, sa.app.metadata!.name!, app.spec);
  const specChanged = !deepEqual(sa.app.spec, spec);
  sa.app.spec = spec;
  sa.app.metadata!.labels = mapOrUndefined(app.metadata?.labels);
  sa.app.metadata!.annotations = mapOrUndefined(app.metadata?.annotations);
  sa.app.metadata!.finalizers = listOrUndefined(app.metadata?.finalizers);
  changed(state, sa, specChanged);
  return sa.app;
}

/**
 * `POST /api/v1/applications` (`Create`): creates with the request's labels, annotations and
 * finalizers. An existing app equal in spec, labels, annotations and finalizers is returned;
 * otherwise, without `upsert` it is refused, with `upsert` the spec and finalizers are
 * replaced and labels and annotations merged into the existing ones (`updateApp` with merge=true).
 */
export function createApp(state: SimState, app: V1alpha1Application, upsert = false): V1alpha1Application {
  const name = app?.metadata?.name;
  if (!name) throw new SimError(3, 'application name is required');
  const ns = app.metadata?.namespace || state.namespace;
  state.assertNamespaceAllowed(ns);
  const spec = checkSpec(state, name, app.spec);
  const labels = mapOrUndefined(app.metadata?.labels);
  const annotations = mapOrUndefined(app.metadata?.annotations);
  const finalizers = listOrUndefined(app.metadata?.finalizers);
  const existing = state.apps.get(appKey(ns, name));
  if (existing) {
    const m = existing.app.metadata!;
    if (
      deepEqual(existing.app.spec, spec) &&
      deepEqual(m.labels ?? {}, labels ?? {}) &&
      deepEqual(m.annotations ?? {}, annotations ?? {}) &&
      deepEqual(m.finalizers ?? [], finalizers ?? [])
    ) {
      return existing.app;
    }
    if (!upsert) throw new SimError(3, 'existing application spec is different, use upsert flag to force update');
    const specChanged = !deepEqual(existing.app.spec, spec);
    existing.app.spec = spec;
    m.labels = mapOrUndefined({ ...(m.labels ?? {}), ...(labels ?? {}) });
    m.annotations = mapOrUndefined({ ...(m.annotations ?? {}), ...(annotations ?? {}) });
    m.finalizers = finalizers;
    changed(state, existing, specChanged);
    return existing.app;
  }
  const fresh: V1alpha1Application = {
    metadata: {
      name,
      namespace: ns,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: state.now().toISOString(),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(finalizers ? { finalizers } : {}),
    },
    spec,
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
