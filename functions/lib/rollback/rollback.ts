/**
 * Rollback to any commit (DESIGN.md, "Rollback"): a commit still in `status.history` goes
 * through ArgoCD's rollback (POST `{id}`); an older one is a sync to that revision. ArgoCD
 * refuses both while auto-sync is on; with `disableAutoSync` we turn it off first and say so
 * in the audit trail, recording the policy we removed so it can be put back.
 */
import {
  ArgoCDFailedPreconditionError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  autoSyncPolicy,
  type Application,
  type ArgoCDClient,
  type RevisionHistory,
} from '../argocd/index';
import type { AuditRecord } from '../audit/types';
import { normalizeRepoUrl } from '../matching/normalize-repo-url';
import { AutoSyncEnabledError, InvalidRollbackTargetError, OperationInProgressError, RollbackNotFoundError } from './errors';
import type { RollbackDeps, RollbackOperation, RollbackRequest, RollbackResult } from './types';

const HISTORY_ID = /^\d{1,6}$/;
const SHA_PREFIX = /^[0-9a-f]{7,40}$/i;
const FULL_SHA = /^[0-9a-f]{40}$/i;
/** Longest wait for the operation to finish, so a Lambda (30 s timeout) still answers. */
const MAX_WAIT_SECONDS = 25;
/** Audit records read at most when looking a commit up (it only has to appear once). */
const COMMIT_LOOKUP_LIMIT = 200;

/** The resolved target of a rollback. */
export interface RollbackTarget {
  method: 'rollback' | 'sync';
  revision: string;
  historyId?: number;
}

/** Revisions of a history entry (multi-source entries carry `revisions`). */
function revisionsOf(entry: RevisionHistory): string[] {
  return entry.revisions?.length ? entry.revisions : entry.revision ? [entry.revision] : [];
}

/**
 * Finds the history entry a target names: a history id, or the newest entry whose revision
 * starts with the given sha prefix. Undefined when the target is a commit not in the history.
 * @throws InvalidRollbackTargetError when `to` is neither a history id nor a sha (prefix)
 * @throws RollbackNotFoundError when a history id is not in the history
 */
export function findInHistory(app: Application, to: string): RevisionHistory | undefined {
  const history = app.status?.history ?? [];
  if (HISTORY_ID.test(to)) {
    const entry = history.find((h) => h.id === Number(to));
    if (!entry) {
      const ids = history.map((h) => h.id).join(', ') || 'none';
      throw new RollbackNotFoundError('history-id', `history id ${to} is not in the application's history (ids: ${ids}); ArgoCD keeps the last 10 deployments`);
    }
    return entry;
  }
  if (!SHA_PREFIX.test(to)) throw new InvalidRollbackTargetError('to', 'to must be a history id (digits) or a commit sha (at least 7 hex characters)');
  const want = to.toLowerCase();
  for (let i = history.length - 1; i >= 0; i--) {
    if (revisionsOf(history[i]).some((r) => r.toLowerCase().startsWith(want))) return history[i];
  }
  return undefined;
}

function operationOf(app: Application | undefined): RollbackOperation | undefined {
  const op = app?.status?.operationState;
  if (!op) return undefined;
  const sync = op.syncResult ?? undefined;
  const revision = sync?.revision ?? sync?.revisions?.[0] ?? op.operation?.sync?.revision ?? op.operation?.sync?.revisions?.[0];
  return { phase: op.phase, message: op.message, startedAt: op.startedAt, finishedAt: op.finishedAt, ...(revision ? { revision } : {}) };
}

/** One rollback under way: the request's settings, the app as read, and what every audit record of it carries. */
interface RollbackRun {
  deps: RollbackDeps;
  request: RollbackRequest;
  ref: RollbackRequest['ref'];
  client: ArgoCDClient;
  app: Application;
  project: string | undefined;
  /** Fields of every audit record of this rollback. */
  base: { instance: string; namespace: string; app: string; project: string | undefined; actor: RollbackRequest['actor'] };
  target: RollbackTarget;
  /** `base` plus the target's revision and details, for the `app.rolledback` records. */
  common: { revision: string; details: Record<string, unknown> } & RollbackRun['base'];
  to: string;
  dryRun: boolean;
  prune: boolean;
  previousRevision: string | undefined;
  /** The app's auto-sync policy, when on. */
  automated: Record<string, unknown> | undefined;
}

/**
 * What `to` names: a history entry (ArgoCD's rollback by id), else an older commit the audit
 * trail saw for this app or its repository (a sync to it).
 */
async function resolveTarget(deps: RollbackDeps, app: Application, ref: RollbackRequest['ref'], to: string): Promise<RollbackTarget> {
  const entry = findInHistory(app, to);
  if (entry) return { method: 'rollback', historyId: entry.id, revision: revisionsOf(entry)[0] ?? to };
  if (app.spec?.sources?.length) {
    throw new InvalidRollbackTargetError('to', `commit ${to} is not in the history of this multi-source application; roll back to a history id instead`);
  }
  if (!FULL_SHA.test(to)) {
    throw new RollbackNotFoundError('commit', `commit ${to} is not in the application's history; give the full 40-character sha of an older commit`);
  }
  if (!(await commitKnown(deps, app, ref, to.toLowerCase()))) {
    throw new RollbackNotFoundError(
      'commit',
      `commit ${to} is unknown: it is not in the application's history and the audit trail never saw it for this application or its repository`,
    );
  }
  return { method: 'sync', revision: to.toLowerCase() };
}

/** Checks the request, reads the app and resolves the target. */
async function beginRollback(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackRun> {
  const { ref, actor } = request;
  const to = String(request.to ?? '').trim();
  const dryRun = request.dryRun === true;
  const prune = request.prune === true;
  if (!deps.argocd.has(ref.instance)) {
    throw new RollbackNotFoundError('instance', `unknown ArgoCD instance "${ref.instance}" (configured: ${deps.argocd.names.join(', ') || 'none'})`);
  }
  if (!to) throw new InvalidRollbackTargetError('to', 'to is required: a history id or a commit sha');
  const client = deps.argocd.get(ref.instance);
  const app = await getApp(client, ref, request.project);
  const project = app.spec?.project;
  const base = { instance: ref.instance, namespace: ref.namespace, app: ref.name, project, actor } as const;
  const history = app.status?.history ?? [];
  const previousRevision = history.length ? revisionsOf(history[history.length - 1])[0] : undefined;
  const target = await resolveTarget(deps, app, ref, to);
  const common = {
    ...base,
    revision: target.revision,
    details: { method: target.method, historyId: target.historyId, to, previousRevision, dryRun, prune },
  };
  const automated = autoSyncPolicy(app) as Record<string, unknown> | undefined;
  return { deps, request, ref, client, app, project, base, target, common, to, dryRun, prune, previousRevision, automated };
}

/**
 * ArgoCD refuses a rollback while auto-sync is on. Without `disableAutoSync` that is a refusal
 * (audited); with it, auto-sync is turned off (audited with the removed policy), or, in a dry
 * run, the answer says it would be.
 * @returns the dry run's answer, or the policy turned off (undefined when auto-sync was off)
 */
async function turnOffAutoSync(run: RollbackRun): Promise<{ dryRunResult: RollbackResult } | { autoSyncDisabled: RollbackResult['autoSyncDisabled'] }> {
  const { deps, request, ref, target, automated } = run;
  if (!automated) return { autoSyncDisabled: undefined };
  if (!request.disableAutoSync) {
    const error = new AutoSyncEnabledError(automated);
    await deps.auditStore.append({
      ...run.common,
      kind: 'app.rolledback',
      outcome: 'refused',
      message: `rollback to ${target.revision} refused: auto-sync is enabled`,
    });
    throw error;
  }
  if (run.dryRun) {
    const { historyId, revision, method } = target;
    const answer = { app: ref, method, historyId, revision, previousRevision: run.previousRevision, dryRun: run.dryRun, prune: run.prune };
    return { dryRunResult: { ...answer, wouldDisableAutoSync: true, operation: operationOf(run.app) } };
  }
  const spec = structuredClone(run.app.spec!);
  delete spec.syncPolicy!.automated;
  await run.client.updateApplicationSpec(ref, spec, { project: run.project });
  await deps.auditStore.append({
    ...run.base,
    kind: 'app.autosync.disabled',
    outcome: 'success',
    message:
      `auto-sync turned off before a rollback to ${target.revision}; restore spec.syncPolicy.automated from details.previousAutomated to ` + `turn it back on`,
    details: { reason: 'rollback', previousAutomated: automated, rollbackTo: target.revision },
  });
  return { autoSyncDisabled: { previousAutomated: automated } };
}

/**
 * Asks ArgoCD for the rollback (by history id) or the sync (to the older commit). A refusal
 * (operation in progress, auto-sync on) or failure is audited and thrown as our error.
 */
async function startOperation(run: RollbackRun, autoSyncDisabled: RollbackResult['autoSyncDisabled']): Promise<Application> {
  const { client, ref, target, dryRun, prune, project, common } = run;
  try {
    return target.method === 'rollback'
      ? await client.rollbackApplication(ref, { id: target.historyId!, dryRun, prune, project })
      : await client.syncApplication(ref, { revision: target.revision, dryRun, prune, project });
  } catch (error) {
    const mapped =
      error instanceof ArgoCDFailedPreconditionError && error.operationInProgress
        ? new OperationInProgressError(undefined, { cause: error })
        : error instanceof ArgoCDFailedPreconditionError && error.autoSyncEnabled
          ? new AutoSyncEnabledError(run.automated ?? {}, undefined, { cause: error })
          : error;
    const refused = mapped instanceof OperationInProgressError || mapped instanceof AutoSyncEnabledError;
    await run.deps.auditStore.append({
      ...common,
      kind: 'app.rolledback',
      outcome: refused ? 'refused' : 'failure',
      message: `rollback to ${target.revision} ${refused ? 'refused' : 'failed'}: ${(mapped as Error).message ?? 'error'}`.slice(0, 500),
      details: { ...common.details, autoSyncDisabled: !!autoSyncDisabled, error: (error as Error).name },
    });
    throw mapped;
  }
}

/** Hands an accepted rollback (not a dry run) to the deployment tracker; a tracking failure is logged, never the rollback's. */
async function trackRollback(run: RollbackRun): Promise<void> {
  const { deps, ref, target } = run;
  if (run.dryRun || !deps.deployments) return;
  const acceptedAt = (deps.now?.() ?? new Date()).toISOString();
  await deps.deployments
    .start({
      ref,
      project: run.project,
      cause: 'rollback',
      action: target.method === 'rollback' ? 'rollback' : 'sync',
      expectedRevision: target.revision,
      actor: run.request.actor,
      startedAt: acceptedAt,
      acceptedAt,
    })
    .catch((error: unknown) => deps.log?.warn?.('rollback not tracked', { ...ref, error: error instanceof Error ? error.message : String(error) }));
}

/**
 * Rolls an application back to a history id or a commit, as the caller (`actor`).
 * Every decision is audited: `app.autosync.disabled` when auto-sync was turned off,
 * `app.rolledback` with outcome success, refused or failure.
 * @throws RollbackNotFoundError unknown instance, app, history id or commit
 * @throws AutoSyncEnabledError auto-sync is on and `disableAutoSync` was not asked for
 * @throws OperationInProgressError another operation is running
 * @throws InvalidRollbackTargetError `to` is unusable
 */
export async function rollbackApplication(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackResult> {
  const run = await beginRollback(deps, request);
  const autoSync = await turnOffAutoSync(run);
  if ('dryRunResult' in autoSync) return autoSync.dryRunResult;
  const { autoSyncDisabled } = autoSync;
  const accepted = await startOperation(run, autoSyncDisabled);
  await trackRollback(run);
  const { ref, target, common, dryRun } = run;
  let operation = operationOf(accepted);
  const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, request.waitSeconds ?? 0));
  if (waitSeconds > 0 && operation?.phase === 'Running') operation = await waitForOperation(run.client, ref, waitSeconds, operation, run.app.spec?.project);
  const done = target.method === 'rollback' ? `rolled back to history id ${target.historyId}` : 'synced to older commit';
  const record: AuditRecord = await deps.auditStore.append({
    ...common,
    kind: 'app.rolledback',
    outcome: 'success',
    message: `${dryRun ? 'dry run: ' : ''}${done} ${target.revision}${autoSyncDisabled ? ' (auto-sync turned off first)' : ''}`,
    details: { ...common.details, autoSyncDisabled: !!autoSyncDisabled, operationPhase: operation?.phase },
  });
  return {
    app: ref,
    method: target.method,
    ...(target.historyId !== undefined ? { historyId: target.historyId } : {}),
    revision: target.revision,
    previousRevision: run.previousRevision,
    dryRun,
    prune: run.prune,
    ...(autoSyncDisabled ? { autoSyncDisabled } : {}),
    operation,
    auditId: record.id,
  };
}

/**
 * Reads the app. Without a project ArgoCD answers 403 for an unknown app (so as not to
 * reveal which exist): on a 403 we list the namespace, and an app missing there is a 404.
 */
async function getApp(client: ArgoCDClient, ref: RollbackRequest['ref'], project?: string): Promise<Application> {
  try {
    return await client.getApplication(ref, project ? { project } : {});
  } catch (error) {
    if (error instanceof ArgoCDNotFoundError)
      throw new RollbackNotFoundError('app', `application ${ref.namespace}/${ref.name} not found in instance ${ref.instance}`, { cause: error });
    if (error instanceof ArgoCDForbiddenError) {
      const visible = await client.listApplications({ appNamespace: ref.namespace !== client.namespace ? ref.namespace : undefined }).catch(() => undefined);
      if (visible && !visible.some((a) => a.metadata?.name === ref.name && (a.metadata?.namespace || client.namespace) === ref.namespace)) {
        throw new RollbackNotFoundError('app', `application ${ref.namespace}/${ref.name} not found in instance ${ref.instance}`, { cause: error });
      }
    }
    throw error;
  }
}

/**
 * Whether the audit trail saw a commit for this app or its repository (a push, a sync, a
 * refresh): one by-revision Query. A commit we never saw may not exist at all, and syncing an
 * app to a typo would fail late inside ArgoCD, so it is refused as unknown.
 */
async function commitKnown(deps: RollbackDeps, app: Application, ref: RollbackRequest['ref'], sha: string): Promise<boolean> {
  const repos = new Set<string>();
  for (const s of app.spec?.sources?.length ? app.spec.sources : app.spec?.source ? [app.spec.source] : []) {
    if (s.repoURL) repos.add(safeNormalize(s.repoURL));
  }
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await deps.auditStore.query({ revision: sha, limit: 100, cursor });
    for (const r of page.items) {
      if (r.app === ref.name && r.instance === ref.instance && (r.namespace ?? ref.namespace) === ref.namespace) return true;
      if (r.repo && repos.has(safeNormalize(r.repo))) return true;
    }
    seen += page.items.length;
    cursor = page.cursor;
  } while (cursor && seen < COMMIT_LOOKUP_LIMIT);
  return false;
}

function safeNormalize(url: string): string {
  try {
    return normalizeRepoUrl(url);
  } catch {
    return url.toLowerCase();
  }
}

async function waitForOperation(
  client: ArgoCDClient,
  ref: RollbackRequest['ref'],
  seconds: number,
  initial: RollbackOperation,
  project?: string,
): Promise<RollbackOperation> {
  const deadline = Date.now() + seconds * 1000;
  let current = initial;
  let delay = 100;
  while (Date.now() < deadline && current.phase === 'Running') {
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1000, delay * 2);
    current = operationOf(await client.getApplication(ref, project ? { project } : {})) ?? current;
  }
  return current;
}
