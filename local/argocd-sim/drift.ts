/**
 * Drift: making a live resource differ from Git (and self-heal repairing it), and the
 * managed-resources diff that shows it.
 */
import type { V1alpha1Application, V1alpha1ResourceDiff } from '../../functions/lib/argocd/generated/models';
import { hasSelfHeal } from '../../functions/lib/argocd/app-helpers';
import { clone, deepEqual, SimError, sourcesOf, type SimApp, type SimState } from './core';
import { startOperation } from './operations';
import { resolveRevision } from './revisions';
import { recompute, render } from './status';
import type { DriftSpec } from './types';

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    const key = /^\d+$/.test(p) ? Number(p) : p;
    const next = (cur as Record<string | number, unknown>)[key];
    if (typeof next !== 'object' || next === null) (cur as Record<string | number, unknown>)[key] = {};
    cur = (cur as Record<string | number, unknown>)[key] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/** Applies a drift to the live object (without recomputing the status). */
export function applyDrift(sa: SimApp, d: DriftSpec): void {
  const r = sa.resources.find((x) => x.kind === d.kind && x.name === d.name && (!d.namespace || x.namespace === d.namespace));
  if (!r) throw new SimError(5, `resource ${d.kind}/${d.name} not found in app ${sa.app.metadata!.name}`);
  if (d.value === null && d.field === '') {
    r.live = null;
    return;
  }
  if (!r.live) r.live = render(r, sa.app, sa.deployed.length ? sa.deployed : ['unknown']);
  setPath(r.live, d.field, clone(d.value));
}

/**
 * Makes a live resource differ from Git (the app goes OutOfSync with a diff on that
 * field). With `selfHealDelayMs` set, self-heal apps repair it after that delay.
 */
export function injectDrift(state: SimState, sa: SimApp, drift: DriftSpec): V1alpha1Application {
  applyDrift(sa, drift);
  recompute(state, sa);
  const heal = state.settings.selfHealDelayMs;
  if (heal !== undefined && hasSelfHeal(sa.app) && !state.closed) {
    clearTimeout(sa.healTimer);
    sa.healTimer = setTimeout(() => {
      if (!sa.app.operation && sa.app.status?.sync?.status === 'OutOfSync') {
        startOperation(
          state,
          sa,
          sourcesOf(sa.app).map((s) => resolveRevision(state, s)),
          {},
          { automated: true },
        );
      }
    }, heal);
  }
  return sa.app;
}

/** Puts every live resource of the app back to what was last deployed. */
export function clearDrift(state: SimState, sa: SimApp): void {
  for (const r of sa.resources) r.live = render(r, sa.app, sa.deployed);
  recompute(state, sa);
}

/** Filter of the managed-resources call. */
export interface ManagedResourcesFilter {
  namespace?: string;
  name?: string;
  version?: string;
  group?: string;
  kind?: string;
}

/** `GET .../managed-resources`: states as JSON strings, as ArgoCD sends them. */
export function managedResources(state: SimState, sa: SimApp, filter: ManagedResourcesFilter = {}): V1alpha1ResourceDiff[] {
  const target = sourcesOf(sa.app).map((s) => resolveRevision(state, s));
  return sa.resources
    .filter(
      (r) =>
        (!filter.kind || r.kind === filter.kind) &&
        (!filter.name || r.name === filter.name) &&
        (!filter.namespace || r.namespace === filter.namespace) &&
        (filter.group === undefined || filter.group === '' || r.group === filter.group) &&
        (!filter.version || r.version === filter.version),
    )
    .map((r) => {
      const t = render(r, sa.app, target);
      const live = r.live === null ? 'null' : JSON.stringify(r.live);
      return {
        group: r.group,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        targetState: JSON.stringify(t),
        liveState: live,
        normalizedLiveState: live,
        predictedLiveState: JSON.stringify(t),
        diff: '',
        hook: false,
        modified: r.live === null || !deepEqual(r.live, t),
        resourceVersion: String(state.resourceVersion),
      };
    });
}
