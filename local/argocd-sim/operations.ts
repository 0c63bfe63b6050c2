/**
 * Operations: refresh (and the auto-sync it may start), sync, rollback, and the operation
 * lifecycle (Running, then Succeeded after `syncDurationMs`, with history and syncResult).
 */
import type { V1alpha1Application, V1alpha1RevisionHistory } from '../../functions/lib/argocd/generated/models';
import { REFRESH_ANNOTATION } from './controller';
import { isAutoSyncOn } from '../../functions/lib/argocd/app-helpers';
import { clone, deepEqual, forgetJson, HISTORY_LIMIT, SimError, sourcesOf, type SimApp, type SimState, type SimSyncRequest } from './core';
import { resolveRevision } from './revisions';
import { primaryResource, settleAfterSync, takeOutcome } from './health';
import { recompute, render } from './status';
import { evaluateSyncWindows } from './sync-windows';

type InitiatedBy = { username?: string; automated?: boolean };

/** The `operation.sync` ArgoCD records for a sync to `revisions`. */
export function syncOpOf(app: V1alpha1Application, revisions: string[], req: SimSyncRequest, fromHistory?: V1alpha1RevisionHistory) {
  const multi = !!app.spec?.sources?.length;
  return {
    ...(multi
      ? { revisions: [...revisions], sources: clone(fromHistory?.sources ?? app.spec!.sources) }
      : { revision: revisions[0], ...(fromHistory ? { source: clone(fromHistory.source) } : {}) }),
    prune: req.prune ?? false,
    dryRun: req.dryRun ?? false,
    syncStrategy: (req.strategy as never) ?? undefined,
    resources: req.resources,
    syncOptions: req.syncOptions?.items,
  };
}

/** One `status.history[]` entry. */
export function historyEntry(
  id: number,
  app: V1alpha1Application,
  revisions: string[],
  startedAt: string,
  deployedAt: string,
  username: string,
  automated?: boolean,
): V1alpha1RevisionHistory {
  const multi = !!app.spec?.sources?.length;
  return {
    id,
    ...(multi ? { revisions: [...revisions], sources: clone(app.spec!.sources) } : { revision: revisions[0], source: clone(app.spec!.source) }),
    deployStartedAt: startedAt,
    deployedAt,
    initiatedBy: automated ? { automated: true } : { username },
  };
}

/**
 * Registers a refresh as `GET ...?refresh=` does: the refresh annotation is set at once
 * (a new resourceVersion) and the app queued on the controller. The promise resolves once
 * the controller has processed it, which is when ArgoCD answers the GET.
 */
export function refresh(state: SimState, sa: SimApp, type: 'normal' | 'hard'): Promise<void> {
  const app = sa.app;
  state.refreshes.push({ namespace: app.metadata!.namespace!, name: app.metadata!.name!, type, at: Date.now() });
  const annotations = (app.metadata!.annotations ??= {});
  if (annotations[REFRESH_ANNOTATION] !== 'hard') annotations[REFRESH_ANNOTATION] = type;
  app.metadata!.resourceVersion = state.nextResourceVersion();
  forgetJson(sa);
  return state.controller.enqueue(sa);
}

/** What the controller does for one app: re-resolve revisions, recompute, maybe auto-sync. */
export function reconcileApp(state: SimState, sa: SimApp): void {
  sa.app.status!.reconciledAt = state.now().toISOString();
  recompute(state, sa);
  maybeAutoSync(state, sa);
}

/** Refreshes every app, as the controller's periodic reconciliation would. */
export function reconcileAll(state: SimState): void {
  for (const sa of state.apps.values()) reconcileApp(state, sa);
}

/** Starts an automated sync when auto-sync is on and Git moved past what is deployed. */
export function maybeAutoSync(state: SimState, sa: SimApp): void {
  if (!state.settings.autoSync || !isAutoSyncOn(sa.app) || sa.app.operation) return;
  const target = sourcesOf(sa.app).map((s) => resolveRevision(state, s));
  if (sa.app.status?.sync?.status === 'OutOfSync' && !deepEqual(target, sa.deployed)) {
    startOperation(state, sa, target, {}, { automated: true });
  }
}

/** Runs `POST .../sync` semantics; throws SimError as ArgoCD would answer. */
export function sync(state: SimState, sa: SimApp, req: SimSyncRequest): V1alpha1Application {
  const app = sa.app;
  const project = state.projects.get(app.spec?.project ?? '');
  if (!project) throw new SimError(3, `application references project ${app.spec?.project} which does not exist`);
  if (!evaluateSyncWindows(project.spec?.syncWindows, app, state.now(), true).canSync) {
    throw new SimError(7, 'cannot sync: blocked by sync window');
  }
  const sources = sourcesOf(app);
  const multi = !!app.spec?.sources?.length;
  let revisions: string[];
  if (multi && req.revisions?.length) {
    const positions = (req.sourcePositions ?? []).map(Number);
    revisions = sources.map((s) => resolveRevision(state, s));
    req.revisions.forEach((rev, i) => {
      const idx = (positions[i] ?? i + 1) - 1;
      const s = sources[idx];
      if (!s) throw new SimError(3, `source position is out of range`);
      if (isAutoSyncOn(app) && !req.dryRun && rev && rev !== (s.targetRevision || 'HEAD')) {
        throw new SimError(9, `Cannot sync source ${s.repoURL} to ${rev}: auto-sync currently set to ${s.targetRevision}`);
      }
      revisions[idx] = resolveRevision(state, s, rev);
    });
  } else {
    const source = sources[0];
    if (isAutoSyncOn(app) && !req.dryRun && req.revision && req.revision !== (source.targetRevision || 'HEAD')) {
      throw new SimError(9, `Cannot sync to ${req.revision}: auto-sync currently set to ${source.targetRevision}`);
    }
    revisions = sources.map((s, i) => resolveRevision(state, s, i === 0 ? req.revision : undefined));
  }
  if (app.operation || app.status?.operationState?.phase === 'Running') {
    throw new SimError(9, 'another operation is already in progress');
  }
  startOperation(state, sa, revisions, req, { username: 'admin' });
  return app;
}

/** Runs `POST .../rollback` semantics. */
export function rollback(state: SimState, sa: SimApp, req: { id?: number | string; dryRun?: boolean; prune?: boolean }): V1alpha1Application {
  const app = sa.app;
  if (isAutoSyncOn(app)) throw new SimError(9, 'rollback cannot be initiated when auto-sync is enabled');
  const id = Number(req.id ?? 0);
  const entry = app.status?.history?.find((h) => h.id === id);
  if (!entry) throw new SimError(3, `application ${app.metadata!.name} does not have deployment with id ${id}`);
  if (app.operation || app.status?.operationState?.phase === 'Running') {
    throw new SimError(9, 'another operation is already in progress');
  }
  const revisions = entry.revisions?.length ? entry.revisions : [entry.revision ?? ''];
  startOperation(state, sa, revisions, { dryRun: req.dryRun, prune: req.prune }, { username: 'admin' }, entry);
  return app;
}

/** Puts an operation in `Running`; it completes after `syncDurationMs`. */
export function startOperation(
  state: SimState,
  sa: SimApp,
  revisions: string[],
  req: SimSyncRequest,
  initiatedBy: InitiatedBy,
  fromHistory?: V1alpha1RevisionHistory,
): void {
  const app = sa.app;
  const sync = syncOpOf(app, revisions, req, fromHistory);
  const operation = { sync, initiatedBy, retry: {} };
  const startedAt = state.now().toISOString();
  app.operation = operation;
  app.status!.operationState = { operation: clone(operation), phase: 'Running', message: 'one or more tasks are running', startedAt };
  recompute(state, sa);
  const done = (): void => completeOperation(state, sa, revisions, req, startedAt, initiatedBy);
  if (state.closed) return;
  sa.opTimer = setTimeout(done, state.settings.syncDurationMs);
}

function completeOperation(state: SimState, sa: SimApp, revisions: string[], req: SimSyncRequest, startedAt: string, initiatedBy: InitiatedBy): void {
  sa.opTimer = undefined;
  const app = sa.app;
  const finishedAt = state.now().toISOString();
  const outcome = req.dryRun ? undefined : takeOutcome(sa);
  if (outcome?.kind === 'fail') return failOperation(state, sa, revisions, finishedAt, outcome.message);
  const selected = req.resources?.length
    ? sa.resources.filter((r) => req.resources!.some((x) => x.kind === r.kind && x.name === r.name && (!x.namespace || x.namespace === r.namespace)))
    : sa.resources;
  if (!req.dryRun) {
    for (const r of selected) r.live = render(r, app, revisions);
    sa.deployed = [...revisions];
    const history = app.status!.history ?? [];
    const nextId = history.length ? Math.max(...history.map((h) => h.id ?? 0)) + 1 : 0;
    history.push(historyEntry(nextId, app, revisions, startedAt, finishedAt, initiatedBy.username ?? '', initiatedBy.automated));
    app.status!.history = history.slice(-HISTORY_LIMIT);
  }
  const multi = !!app.spec?.sources?.length;
  const opState = app.status!.operationState!;
  opState.phase = 'Succeeded';
  opState.message = 'successfully synced (all tasks run)';
  opState.finishedAt = finishedAt;
  opState.syncResult = {
    ...(multi ? { revisions: [...revisions], sources: clone(app.spec!.sources) } : { revision: revisions[0], source: clone(app.spec!.source) }),
    resources: selected.map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: 'Synced',
      message: `${r.kind.toLowerCase()}${r.group ? '.' + r.group : ''}/${r.name} ${req.dryRun ? 'configured (dry run)' : 'configured'}`,
      hookPhase: 'Running',
      syncPhase: 'Sync',
    })),
  };
  delete app.operation;
  if (req.dryRun) recompute(state, sa);
  else settleAfterSync(state, sa, outcome);
}

/**
 * Ends the running operation in phase `Failed`, as ArgoCD does when an apply is refused: nothing
 * changes in the cluster, no history entry, the failing resource listed as `SyncFailed`.
 */
function failOperation(state: SimState, sa: SimApp, revisions: string[], finishedAt: string, reason?: string): void {
  const app = sa.app;
  const r = primaryResource(sa);
  const message = reason ?? `admission webhook denied the request for ${r?.kind ?? 'resource'} ${r?.name ?? ''}`.trim();
  const multi = !!app.spec?.sources?.length;
  const opState = app.status!.operationState!;
  opState.phase = 'Failed';
  opState.message = `one or more objects failed to apply, reason: ${message}`;
  opState.finishedAt = finishedAt;
  opState.syncResult = {
    ...(multi ? { revisions: [...revisions], sources: clone(app.spec!.sources) } : { revision: revisions[0], source: clone(app.spec!.source) }),
    resources: r
      ? [
          {
            group: r.group,
            version: r.version,
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            status: 'SyncFailed',
            message,
            hookPhase: 'Failed',
            syncPhase: 'Sync',
          },
        ]
      : [],
  };
  delete app.operation;
  recompute(state, sa);
}
