/**
 * The decision of one deployment check, free of I/O: given the app as ArgoCD answers it and
 * the deployment being followed, is it still going, or how did it end?
 */
import type { Application, OperationState } from '../argocd/types';
import type { TrackedDeployment, UnhealthyResource, Verdict } from './types';

/**
 * How much earlier than our acceptance an operation may have started and still be ours:
 * ArgoCD's clock is not ours, and a sync's operation starts before the call returns.
 */
export const CLOCK_SKEW_MS = 5_000;

const FULL_SHA = /^[0-9a-f]{40}$/i;

/** The revisions an operation deployed (its result, else what it was asked for). */
export function operationRevisions(op: OperationState | undefined): string[] {
  const result = op?.syncResult;
  if (result?.revisions?.length) return result.revisions;
  if (result?.revision) return [result.revision];
  const sync = op?.operation?.sync;
  if (sync?.revisions?.length) return sync.revisions;
  return sync?.revision ? [sync.revision] : [];
}

/** The revisions the app is compared at now (`status.sync.revision(s)`). */
export function syncRevisions(app: Application): string[] {
  const s = app.status?.sync;
  if (s?.revisions?.length) return s.revisions;
  return s?.revision ? [s.revision] : [];
}

/** True unless `expected` is a full sha that none of `actual` is. */
export function revisionMatches(actual: readonly string[], expected: string | undefined): boolean {
  if (!expected || !FULL_SHA.test(expected)) return true;
  return actual.some((r) => r.toLowerCase() === expected.toLowerCase());
}

/**
 * Decides one check.
 *
 * The followed operation is the newest one that started after the action was accepted (minus
 * {@link CLOCK_SKEW_MS}): the sync we started, the rollback, or the sync an auto-sync app
 * started by itself after our refresh. It must finish `Succeeded` at the expected revision;
 * then the app must be `Healthy` (and, for a push, `Synced`: a rollback or repair deliberately
 * deploys something other than the branch head, so it may stay OutOfSync). A push that needs
 * no operation at all (already Synced at the new revision and Healthy) succeeds as a no-op.
 * @param now check time, used as the healthy time when ArgoCD gives no `lastTransitionTime`
 */
export function evaluateDeployment(app: Application, d: Pick<TrackedDeployment, 'cause' | 'acceptedAt' | 'expectedRevision'>, now: Date): Verdict {
  const status = app.status ?? {};
  const op = status.operationState;
  const acceptedMs = Date.parse(d.acceptedAt);
  const opStarted = Date.parse(op?.startedAt ?? '');
  const ours = !!op && Number.isFinite(opStarted) && opStarted >= acceptedMs - CLOCK_SKEW_MS;
  const health = status.health?.status;
  const syncStatus = status.sync?.status;
  const healthyAt = () => {
    const t = Date.parse(status.health?.lastTransitionTime ?? '');
    return Number.isFinite(t) && t <= now.getTime() ? new Date(t).toISOString() : now.toISOString();
  };
  const joined = (revs: string[]) => (revs.length ? revs.join(',') : undefined);

  if (ours) {
    const times = { syncStartedAt: op.startedAt, ...(op.finishedAt ? { syncedAt: op.finishedAt } : {}) };
    const phase = op.phase;
    if (phase === 'Failed' || phase === 'Error') {
      return { state: 'failed', reason: `operation ${phase}: ${oneLine(op.message) || 'no message'}`, revision: joined(operationRevisions(op)), ...times };
    }
    if (phase !== 'Succeeded') return { state: 'waiting', reason: `operation ${phase ?? 'pending'}`, syncStartedAt: op.startedAt };
    const revisions = operationRevisions(op);
    if (!revisionMatches(revisions, d.expectedRevision)) {
      // A later operation deployed something else: a newer deployment will report it, or the deadline will.
      return { state: 'waiting', reason: `the operation deployed ${joined(revisions)}, not ${d.expectedRevision}`, ...times };
    }
    if (app.operation) return { state: 'waiting', reason: 'another operation is pending', ...times };
    if (health === 'Degraded')
      return {
        state: 'degraded',
        reason: `synced, then health Degraded${status.health?.message ? `: ${oneLine(status.health.message)}` : ''}`,
        revision: joined(revisions),
        ...times,
      };
    if (d.cause === 'push' && syncStatus !== 'Synced')
      return { state: 'waiting', reason: `operation succeeded but the app is ${syncStatus ?? 'Unknown'}`, ...times };
    if (health === 'Healthy') return { state: 'succeeded', reason: 'synced and healthy', revision: joined(revisions), healthyAt: healthyAt(), ...times };
    return { state: 'waiting', reason: `health ${health ?? 'Unknown'}`, ...times };
  }

  if (app.operation) return { state: 'waiting', reason: 'operation requested, not started yet' };
  if (op?.phase === 'Running') return { state: 'waiting', reason: 'an earlier operation is still running' };
  if (d.cause === 'push' && syncStatus === 'Synced' && revisionMatches(syncRevisions(app), d.expectedRevision) && FULL_SHA.test(d.expectedRevision ?? '')) {
    // Nothing to deploy: the refresh found the new revision already in place.
    if (health === 'Healthy')
      return {
        state: 'succeeded',
        reason: 'already synced and healthy at the new revision',
        revision: joined(syncRevisions(app)),
        healthyAt: now.toISOString(),
        noop: true,
      };
    if (health === 'Degraded') return { state: 'degraded', reason: 'synced at the new revision, health Degraded', revision: joined(syncRevisions(app)) };
  }
  return { state: 'waiting', reason: `no operation yet (${syncStatus ?? 'Unknown'}, ${health ?? 'Unknown'})` };
}

/** Minimal shape of a resource tree node (`v1alpha1ResourceNode`) this module reads. */
export interface TreeNodeLike {
  kind?: string;
  name?: string;
  namespace?: string;
  group?: string;
  health?: { status?: string; message?: string };
}

/**
 * The resources that were not healthy: from the resource tree when there is one (it includes
 * children such as Pods), else from `status.resources`; plus resources the operation failed
 * to sync. At most `limit`, so an audit record stays small.
 */
export function unhealthyResources(app: Application, tree?: readonly TreeNodeLike[], limit = 20): UnhealthyResource[] {
  const out = new Map<string, UnhealthyResource>();
  const add = (r: UnhealthyResource) => {
    const key = `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
    out.set(key, { ...out.get(key), ...r });
  };
  const bad = (h: string | undefined) => !!h && h !== 'Healthy';
  if (tree?.length) {
    for (const n of tree)
      if (n.kind && n.name && bad(n.health?.status))
        add(clean({ kind: n.kind, name: n.name, namespace: n.namespace, group: n.group, health: n.health?.status, message: oneLine(n.health?.message) }));
  } else {
    for (const r of app.status?.resources ?? [])
      if (r.kind && r.name && bad(r.health?.status))
        add(clean({ kind: r.kind, name: r.name, namespace: r.namespace, group: r.group, health: r.health?.status, message: oneLine(r.health?.message) }));
  }
  for (const r of app.status?.operationState?.syncResult?.resources ?? []) {
    if (r.kind && r.name && (r.status === 'SyncFailed' || r.hookPhase === 'Failed' || r.hookPhase === 'Error'))
      add(clean({ kind: r.kind, name: r.name, namespace: r.namespace, group: r.group, sync: r.status, message: oneLine(r.message) }));
  }
  return [...out.values()].slice(0, limit);
}

function clean(r: UnhealthyResource): UnhealthyResource {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== '')) as unknown as UnhealthyResource;
}

/** First line, control characters removed, at most 200 characters. */
function oneLine(s: string | undefined): string | undefined {
  if (!s) return undefined;

  return (
    s
      .split('\n')[0]
      .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')
      .slice(0, 200) || undefined
  );
}
