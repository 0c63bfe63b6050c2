/**
 * `processPush`: one receive of one push message. Matches the push against every instance's
 * app index and, per affected app, refreshes or syncs it at most once per delivery, auditing
 * each action and its outcome.
 */
import {
  ArgoCDBadRequestError,
  ArgoCDError,
  ArgoCDFailedPreconditionError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  type ArgoCDClient,
} from '../argocd/index';
import type { AuditInput, AuditKind, AuditOutcome } from '../audit/types';
import type { AppRef, MatchResult } from '../matching/types';
import type { SimpleLogger } from '../observability/logger';
import type { PushMessage } from '../queue/types';
import { mapLimit } from '../runtime/concurrency';
import type { ActionClaim } from './action-ledger';
import type { Coalesced } from './coalescer';
import { needsChangedFiles } from '../git-apis/changed-files';
import type { PushEvent } from '../providers/types';
import type { ActionStatus, AppActionResult, ProcessPushResult, ReceiveContext, SyncDeps } from './types';

/**
 * Apps of one push acted on at once. High, because an action may wait on a coalesced call;
 * what reaches ArgoCD is bounded by the fair scheduler and each client (concurrency, rate).
 */
const APP_CONCURRENCY = 2048;

/** What performing one action decided, before it is recorded and audited. */
interface Decision {
  status: Extract<ActionStatus, 'refreshed' | 'synced' | 'skipped' | 'rejected'>;
  kind: AuditKind;
  outcome: AuditOutcome;
  message: string;
  latencyMs?: number;
  details?: Record<string, unknown>;
}

interface Ctx {
  message: PushMessage;
  deps: SyncDeps;
  receive: ReceiveContext;
  lastReceive: boolean;
  now: () => Date;
  log: Partial<SimpleLogger>;
  receivedAtMs: number;
  /** Where the changed files came from, when the payload had none (audited with every action). */
  filesNote?: Record<string, unknown>;
}

/** A result plus the stored claim of an `already-done` action (for the audit check). */
type Acted = AppActionResult & { claim?: ActionClaim };

/**
 * Handles one receive of a push message.
 *
 * Per matched app: claim (delivery, app) in the state table; `refresh` apps (auto-sync and
 * unannotated) get `GET .../{name}?refresh=normal`; `sync` apps (`gitops-sentinel/sync-on-push:
 * "true"`) get a sync to the pushed revision when `GET .../syncwindows` says `canSync`, else
 * are audited as skipped; ignored apps are audited as skipped. Actions done on an earlier
 * receive are not repeated. An app ArgoCD answers 404 (or 403, which is what ArgoCD says for
 * an unknown app) is checked against a fresh list: gone means skipped and dropped from the
 * index. Transient failures (after the client's own retries) leave the action undone for the
 * next receive; on the last receive they are audited as `app.failed`.
 *
 * Never throws for ArgoCD failures: the answer's `complete` says whether the message may be
 * deleted. Throws only when the state table or the audit trail cannot be written at all.
 *
 * @param message the push as the webhook enqueued it
 * @param deps clients, stores, caches (see `createSyncDeps`)
 * @param receive receive count and the queue's `maxReceiveCount`
 * @default receive `{ receiveCount: 1, maxReceiveCount: Infinity }` (never the last receive)
 */
export async function processPush(
  message: PushMessage,
  deps: SyncDeps,
  receive: ReceiveContext = { receiveCount: 1, maxReceiveCount: Infinity },
): Promise<ProcessPushResult> {
  if (!message?.push?.deliveryId) throw new TypeError('[gitops-sentinel/sync] message must be a PushMessage');
  const now = deps.now ?? (() => new Date());
  const ctx: Ctx = {
    message,
    deps,
    receive,
    lastReceive: receive.receiveCount >= receive.maxReceiveCount,
    now,
    log: deps.log ?? {},
    receivedAtMs: Date.parse(message.receivedAt),
  };
  const { push: pushed } = message;
  // The ApplicationSet forward runs alongside the app actions (it neither waits for them nor
  // delays them) and settles before this receive answers.
  const forwarding = (deps.appsets ? deps.appsets.forward(message, receive) : Promise.resolve([])).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const [push, filesNote] = await withChangedFiles(pushed, deps);
  ctx.filesNote = filesNote;

  const instances = deps.indexes.instances;
  const loaded = await Promise.allSettled(instances.map((i) => deps.indexes.get(i)));
  const matches: MatchResult[] = [];
  const unreachable: Array<{ instance: string; error: unknown }> = [];
  loaded.forEach((r, n) => {
    if (r.status === 'fulfilled') matches.push(...r.value.match(push));
    else unreachable.push({ instance: instances[n], error: r.reason });
  });

  // Every action settles before this receive answers, even when one throws (the state table or
  // the trail cannot be written): a receive never leaves a claim in flight behind its failure,
  // which a redelivery would otherwise find held and have to wait out.
  const settled = await mapLimit(matches, APP_CONCURRENCY, (m) =>
    actOn(m, ctx).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  const forwarded = await forwarding;
  const thrown = settled.find((s) => !s.ok);
  if (thrown && !thrown.ok) throw thrown.error;
  if (!forwarded.ok) throw forwarded.error;
  const appsets = forwarded.value;
  const acted = settled.map((s) => (s as { ok: true; value: Acted }).value);

  const done = acted.filter((a) => a.status === 'already-done' && a.claim?.audit);
  if (done.length > 0) await reappendLostAudits(done, ctx);

  if (ctx.lastReceive) {
    for (const u of unreachable) {
      await deps.auditStore.append({
        kind: 'instance.unreachable',
        outcome: 'failure',
        message: `cannot list the apps of instance ${u.instance} to match delivery ${push.deliveryId}: ${describe(u.error)}`,
        instance: u.instance,
        deliveryId: push.deliveryId,
        revision: push.revision || undefined,
        repo: push.repoUrls[0],
        actor: actorOf(message),
        details: { ref: push.ref, receiveCount: receive.receiveCount, ...errorDetails(u.error) },
        ts: now().toISOString(),
      });
    }
  }
  for (const u of unreachable) ctx.log.warn?.('app index unavailable', { instance: u.instance, deliveryId: push.deliveryId, error: describe(u.error) });

  const actions: AppActionResult[] = acted.map(({ claim: _claim, ...a }) => a);
  const complete =
    unreachable.length === 0 &&
    actions.every((a) => a.status !== 'failed' && a.status !== 'in-progress') &&
    appsets.every((a) => a.status !== 'failed' && a.status !== 'in-progress');
  return {
    deliveryId: push.deliveryId,
    actions,
    appsets,
    unreachableInstances: unreachable.map((u) => u.instance),
    complete,
    lastReceive: ctx.lastReceive,
  };
}

/** The actor of every record about a push: `webhook:<provider>:<pusher>`. */
function actorOf(message: PushMessage): string {
  return `webhook:${message.push.provider}:${message.push.pusher}`;
}

async function actOn(m: MatchResult, ctx: Ctx): Promise<Acted> {
  const { push } = ctx.message;
  const { deps, receive, now } = ctx;
  const ref: AppRef = { instance: m.app.instance, namespace: m.app.namespace, name: m.app.name };
  const result: Acted = { ...ref, project: m.app.project, action: m.action, status: 'failed' };
  const base: Omit<AuditInput, 'kind' | 'outcome' | 'message'> = {
    instance: ref.instance,
    namespace: ref.namespace,
    app: ref.name,
    project: m.app.project,
    revision: push.revision || undefined,
    repo: m.app.sources[m.sourceIndexes[0] ?? 0]?.repoURL || push.repoUrls[0],
    deliveryId: push.deliveryId,
    actor: actorOf(ctx.message),
  };
  const baseDetails = { action: m.action, reason: m.reason, ref: push.ref, provider: push.provider, receiveCount: receive.receiveCount, ...ctx.filesNote };

  const claim = await deps.ledger.claim(push.deliveryId, ref, { receiveCount: receive.receiveCount });
  if (!claim.claimed) {
    if (claim.existing?.status === 'done') return { ...result, status: 'already-done', message: claim.existing.message, claim: claim.existing };
    return { ...result, status: 'in-progress', message: 'another receive holds this action' };
  }

  let decision: Decision;
  try {
    decision = await perform(m, ref, ctx);
  } catch (error) {
    const reason = describe(error);
    ctx.log.warn?.('ArgoCD action failed', {
      ...ref,
      deliveryId: push.deliveryId,
      action: m.action,
      receiveCount: receive.receiveCount,
      lastReceive: ctx.lastReceive,
      error: reason,
    });
    if (!ctx.lastReceive) {
      await deps.ledger.complete(push.deliveryId, ref, claim.owner, 'failed', { message: reason, receiveCount: receive.receiveCount });
      return { ...result, status: 'failed', message: reason };
    }
    const audit: AuditInput = {
      ...base,
      kind: 'app.failed',
      outcome: 'failure',
      message: `${m.action} failed on the last of ${receive.receiveCount} receive(s); the push goes to the dead-letter queue: ${reason}`,
      details: { ...baseDetails, lastReceive: true, ...errorDetails(error) },
      ts: now().toISOString(),
    };
    await deps.ledger.complete(push.deliveryId, ref, claim.owner, 'failed', { message: reason, audit, receiveCount: receive.receiveCount });
    await deps.auditStore.append(audit);
    return { ...result, status: 'failed', audited: 'app.failed', message: reason };
  }

  const audit: AuditInput = {
    ...base,
    kind: decision.kind,
    outcome: decision.outcome,
    message: decision.message,
    details: { ...baseDetails, ...(decision.latencyMs !== undefined ? { latencyMs: decision.latencyMs } : {}), ...decision.details },
    ts: now().toISOString(),
  };
  // The claim is marked done (with the audit record in it) before the audit append: if the
  // append fails, the redelivery finds the action done and re-appends the stored record,
  // instead of acting a second time.
  await deps.ledger.complete(push.deliveryId, ref, claim.owner, 'done', { message: decision.message, audit, receiveCount: receive.receiveCount });
  await deps.auditStore.append(audit);
  if (decision.status === 'synced' || (decision.status === 'refreshed' && m.app.autoSync)) await startTracking(m, ref, decision, audit, ctx);
  return {
    ...result,
    status: decision.status,
    audited: decision.kind,
    message: decision.message,
    ...(decision.latencyMs !== undefined ? { latencyMs: decision.latencyMs } : {}),
  };
}

/** Calls ArgoCD for one app; answers what to record. Throws only for failures worth a retry. */
async function perform(m: MatchResult, ref: AppRef, ctx: Ctx): Promise<Decision> {
  if (m.action === 'skip') {
    return { status: 'skipped', kind: 'app.skipped', outcome: 'skipped', message: `ignored: ${m.reason}`, details: { skipReason: 'ignored' } };
  }
  const client = ctx.deps.argocd.get(ref.instance);
  const startedAt = ctx.now().getTime();
  try {
    // Awaited here, so that their failures reach the catch below.
    return m.action === 'refresh' ? await performRefresh(client, m, ref, ctx) : await performSync(client, m, ref, ctx);
  } catch (error) {
    return decisionOnError(error, m, ref, ctx, startedAt);
  }
}

/** Time from the push's receipt to now, when the receipt time is known. */
const latencyOf = (ctx: Ctx) => (Number.isFinite(ctx.receivedAtMs) ? Math.max(0, ctx.now().getTime() - ctx.receivedAtMs) : undefined);

/** The coalescing key of an app's action. */
const actionKey = (ref: AppRef) => `${ref.instance}/${ref.namespace}/${ref.name}`;

/** A refresh (one for every push folded into it). Never waits for ArgoCD's controller: registered (shown by ArgoCD) is enough (see refreshApplication). */
async function performRefresh(client: ArgoCDClient, m: MatchResult, ref: AppRef, ctx: Ctx): Promise<Decision> {
  const deadline = ctx.receive.deadline;
  const c = await coalesce(ctx, `refresh:${actionKey(ref)}`, ref.instance, () => client.refreshApplication(ref, { deadline }));
  const r = c.result;
  const how = r.confirmed ? 'refreshed' : 'refresh registered (ArgoCD shows its refresh annotation; its controller was still processing it)';
  return {
    status: 'refreshed',
    kind: 'app.refreshed',
    outcome: 'success',
    message: `${how}${foldedNote(c)}: ${m.reason}`,
    latencyMs: latencyOf(ctx),
    details: {
      confirmed: r.confirmed,
      registeredBy: r.registeredBy,
      ...(r.unconfirmedReason ? { unconfirmedReason: r.unconfirmedReason } : {}),
      requests: r.requests,
      attempts: r.attempts,
      ...callDetails(c),
    },
  };
}

/**
 * Sync-on-push deploys the branch, never the payload's sha: each matched source is synced
 * to its own targetRevision, which ArgoCD resolves to the branch head itself, so a replayed
 * or forged push can at worst deploy what the branch already holds. One sync per app for a
 * burst of pushes (they all mean "the branch").
 */
async function performSync(client: ArgoCDClient, m: MatchResult, ref: AppRef, ctx: Ctx): Promise<Decision> {
  const c = await coalesce(ctx, `sync:${actionKey(ref)}`, ref.instance, () => syncOnce(client, ref, m, ctx.receive.deadline, ctx));
  const s = c.result;
  const target = [...new Set(s.targets)].join(', ');
  if (!s.canSync) {
    return {
      status: 'skipped',
      kind: 'app.skipped',
      outcome: 'skipped',
      message: `sync to ${target} skipped${foldedNote(c)}: a sync window does not allow syncing now`,
      details: { skipReason: 'sync-window', activeWindows: s.activeWindows, ...callDetails(c) },
    };
  }
  const claimed = ctx.message.push.revision;
  const deployed = s.deployed ?? null;
  const mismatch = deployed !== null && deployed.some((rev) => rev.toLowerCase() !== claimed.toLowerCase());
  return {
    status: 'synced',
    kind: 'app.synced',
    outcome: 'success',
    message: `sync to ${target} (the branch, not the payload's sha)${foldedNote(c)}: ${syncOutcomeText(s, claimed, mismatch, ctx)}; ${m.reason}`,
    latencyMs: Number.isFinite(ctx.receivedAtMs) && s.acceptedAtMs !== undefined ? Math.max(0, s.acceptedAtMs - ctx.receivedAtMs) : latencyOf(ctx),
    details: {
      syncTarget: s.targets,
      claimedRevision: claimed,
      deployedRevision: deployed === null ? null : s.sourcePositions ? deployed : deployed[0],
      revisionMismatch: deployed === null ? null : mismatch,
      ...(s.sourcePositions ? { sourcePositions: s.sourcePositions } : {}),
      ...callDetails(c),
    },
  };
}

/** What the sync record says about the deployed revision against the one the push claimed. */
function syncOutcomeText(s: SyncOutcome, claimed: string, mismatch: boolean, ctx: Ctx): string {
  if (s.deployed === undefined) return `deployment tracking follows the operation and records the revision ArgoCD deployed (the push claimed ${claimed})`;
  if (s.deployed === null) {
    return `the operation had not finished within ${ctx.deps.syncResultWaitMs ?? DEFAULT_SYNC_RESULT_WAIT_MS} ms, so the deployed revision is not known yet`;
  }
  if (mismatch) {
    return (
      `ArgoCD deployed ${s.deployed.join(', ')}, not ${claimed} as the push claimed ` +
      '(a newer push landed first, or the payload named a commit that is not the branch head)'
    );
  }
  return `ArgoCD deployed ${s.deployed.join(', ')}, the commit the push claimed`;
}

/**
 * An ArgoCD refusal as a decision: a sync window or a gone app is a skip, a permission or
 * validation refusal a rejection; anything else is thrown, to be retried.
 */
async function decisionOnError(error: unknown, m: MatchResult, ref: AppRef, ctx: Ctx, startedAt: number): Promise<Decision> {
  if (error instanceof ArgoCDForbiddenError && /sync window/i.test(error.message)) {
    return { status: 'skipped', kind: 'app.skipped', outcome: 'skipped', message: `sync skipped: ${error.message}`, details: { skipReason: 'sync-window' } };
  }
  if (error instanceof ArgoCDNotFoundError || error instanceof ArgoCDForbiddenError) {
    // ArgoCD answers 403 for an app that does not exist (when no project is given), so
    // a fresh list decides between "gone" and "forbidden".
    if (await ctx.deps.indexes.isGone(ref, startedAt)) {
      return {
        status: 'skipped',
        kind: 'app.skipped',
        outcome: 'skipped',
        message: `app no longer exists in ArgoCD (HTTP ${error.httpStatus ?? '?'}); dropped from the app index`,
        details: { skipReason: 'gone', ...errorDetails(error) },
      };
    }
    if (error instanceof ArgoCDForbiddenError) return rejected(m, error, 'permission denied');
    throw error;
  }
  if (error instanceof ArgoCDFailedPreconditionError && !error.operationInProgress) return rejected(m, error, 'refused');
  if (error instanceof ArgoCDBadRequestError) return rejected(m, error, 'refused');
  throw error;
}

/**
 * A push without a usable file list gets one from the provider's compare API when the deps
 * can ask one; on any failure it stays without (every matching app is refreshed) and the
 * note says why, for the audit records.
 */
async function withChangedFiles(push: PushEvent, deps: SyncDeps): Promise<[PushEvent, Record<string, unknown> | undefined]> {
  if (!deps.changedFiles || !needsChangedFiles(push)) return [push, undefined];
  const r = await deps.changedFiles(push);
  if (r.ok)
    return [
      { ...push, changedFiles: r.files },
      { changedFilesFrom: 'compare-api', changedFilesCount: r.files.length },
    ];
  deps.log?.warn?.('compare API gave no changed files; every matching app is refreshed', {
    deliveryId: push.deliveryId,
    provider: push.provider,
    reason: r.reason,
  });
  return [push, { changedFilesFrom: 'none', compareFallback: `every matching app refreshed: ${r.reason}` }];
}

/** What one sync call did: checked the windows, then started a sync (or did not). */
interface SyncOutcome {
  /** The matched sources' own targetRevisions (what was synced). */
  targets: string[];
  canSync: boolean;
  /** When ArgoCD accepted the sync (epoch ms, the worker's clock). */
  acceptedAtMs?: number;
  /**
   * What ArgoCD deployed per matched source, from the operation's result; null when not known in
   * time; undefined when deployment tracking follows the operation instead.
   */
  deployed?: string[] | null;
  activeWindows?: Array<{ kind?: string; schedule?: string; duration?: string }>;
  sourcePositions?: number[];
}

/**
 * Sync windows first, then the sync of the matched sources' own targets (one call for every
 * push folded into it), then the operation's result.
 */
async function syncOnce(client: ArgoCDClient, ref: AppRef, m: MatchResult, deadline: number | undefined, ctx: Ctx): Promise<SyncOutcome> {
  const targets = m.sourceIndexes.map((i) => m.app.sources[i]?.targetRevision || 'HEAD');
  const windows = await client.getSyncWindows(ref, { deadline });
  if (!windows.canSync) {
    return { targets, canSync: false, activeWindows: windows.activeWindows.map((w) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration })) };
  }
  const multiSource = m.app.sources.length > 1;
  const sourcePositions = multiSource ? m.sourceIndexes.map((i) => i + 1) : undefined;
  // Single source: no revision at all means "the app's targetRevision". Multi-source: each
  // matched source's own target, by position.
  await client.syncApplication(ref, sourcePositions ? { revisions: targets, sourcePositions, deadline } : { deadline });
  const acceptedAtMs = ctx.now().getTime();
  // With deployment tracking the operation is followed by delayed checks (no waiting Lambda), and
  // its deploy.* record names what was deployed; without it, a bounded wait here.
  const deployed = ctx.deps.deployments ? undefined : await awaitSyncResult(client, ref, m.app.project, multiSource ? m.sourceIndexes : [0], deadline, ctx);
  return { targets, canSync: true, sourcePositions, acceptedAtMs, deployed };
}

/** How long a sync-on-push action waits for ArgoCD's operation result. */
export const DEFAULT_SYNC_RESULT_WAIT_MS = 10_000;

/**
 * The revisions ArgoCD actually synced (`status.operationState.syncResult.revision`, or
 * `revisions[]` at the given source indexes for multi-source apps), read once the operation
 * finished (`operation` cleared, phase no longer Running); null when it has not finished within
 * `syncResultWaitMs` (or the receive's deadline) or cannot be read. The sync was accepted either way.
 */
async function awaitSyncResult(
  client: ArgoCDClient,
  ref: AppRef,
  project: string | undefined,
  indexes: number[],
  deadline: number | undefined,
  ctx: Ctx,
): Promise<string[] | null> {
  const until = Math.min(Date.now() + (ctx.deps.syncResultWaitMs ?? DEFAULT_SYNC_RESULT_WAIT_MS), deadline ?? Number.POSITIVE_INFINITY);
  let pause = 50;
  for (;;) {
    let app: Awaited<ReturnType<ArgoCDClient['getApplication']>>;
    try {
      app = await client.getApplication(ref, { deadline, project });
    } catch (error) {
      ctx.log.warn?.('cannot read the sync result', { ...ref, error: describe(error) });
      return null;
    }
    const state = app.status?.operationState;
    if (!app.operation && state && state.phase !== 'Running' && state.phase !== 'Terminating') {
      const result = state.syncResult;
      const revisions = indexes.map((i) => (result?.revisions?.length ? result.revisions[i] : i === 0 ? result?.revision : undefined));
      return revisions.every((r): r is string => typeof r === 'string' && r.length > 0) ? revisions : null;
    }
    if (Date.now() + pause > until) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1_000);
  }
}

/**
 * Sends a call through the app's coalescer and the instance's fair scheduler (when the deps
 * have them; else at once).
 */
function coalesce<R>(ctx: Ctx, key: string, instance: string, send: () => Promise<R>): Promise<Coalesced<R>> {
  const { coalescer, scheduler } = ctx.deps;
  const deliveryId = ctx.message.push.deliveryId;
  const gated = (lead: string, s: () => Promise<unknown>): Promise<unknown> => (scheduler ? scheduler.run(instance, lead, s) : s());
  if (!coalescer)
    return gated(deliveryId, send).then((result) => ({
      callId: `call-${deliveryId}`,
      leadDeliveryId: deliveryId,
      deliveryIds: [deliveryId],
      folded: false,
      result: result as R,
    }));
  // The webhook's receive time of this delivery: a call sent after it covers this push.
  const receivedAtMs = Number.isFinite(ctx.receivedAtMs) ? ctx.receivedAtMs : undefined;
  return coalescer.run(key, deliveryId, send, gated, { receivedAtMs });
}

/** The audit details naming the call a delivery's action was carried by. */
function callDetails(c: Coalesced<unknown>): Record<string, unknown> {
  return { call: { id: c.callId, folded: c.folded, leadDeliveryId: c.leadDeliveryId, deliveries: c.deliveryIds.length } };
}

function foldedNote(c: Coalesced<unknown>): string {
  return c.folded ? ` (folded into call ${c.callId} of delivery ${c.leadDeliveryId})` : '';
}

/** ArgoCD refused for a reason a retry cannot change: audited as failed now, not redelivered. */
function rejected(m: MatchResult, error: ArgoCDError, what: string): Decision {
  return {
    status: 'rejected',
    kind: 'app.failed',
    outcome: 'failure',
    message: `${m.action} ${what} by ArgoCD: ${error.message}`,
    details: { final: true, ...errorDetails(error) },
  };
}

/**
 * For actions an earlier receive finished: re-appends their audit record when it is missing
 * from the trail (the earlier receive died between marking the claim done and appending).
 */
async function reappendLostAudits(done: Acted[], ctx: Ctx): Promise<void> {
  const { deliveryId } = ctx.message.push;
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await ctx.deps.auditStore.query({ deliveryId, limit: 100, cursor });
    for (const r of page.items) if (r.kind.startsWith('app.') && r.app) seen.add(`${r.instance}#${r.namespace}#${r.app}`);
    cursor = page.cursor;
  } while (cursor);
  for (const a of done) {
    const audit = a.claim!.audit!;
    if (seen.has(`${audit.instance}#${audit.namespace}#${audit.app}`)) continue;
    ctx.log.warn?.('re-appending a lost audit record', { deliveryId, instance: a.instance, namespace: a.namespace, app: a.name });
    await ctx.deps.auditStore.append(audit);
  }
}

/** The (first) revision a sync decision says ArgoCD deployed, when known. */
function deployedOf(decision: Decision): string | undefined {
  const deployed = decision.details?.deployedRevision;
  if (typeof deployed === 'string') return deployed;
  return Array.isArray(deployed) && typeof deployed[0] === 'string' ? deployed[0] : undefined;
}

/**
 * Hands an accepted sync (or an auto-sync app's refresh, after which ArgoCD syncs by itself)
 * to deployment tracking. A failure to start tracking is logged, not retried: the action is
 * done and must not be repeated for it.
 */
async function startTracking(m: MatchResult, ref: AppRef, decision: Decision, audit: AuditInput, ctx: Ctx): Promise<void> {
  if (!ctx.deps.deployments) return;
  const { push } = ctx.message;
  try {
    await ctx.deps.deployments.start({
      ref,
      project: m.app.project,
      cause: 'push',
      action: decision.status === 'synced' ? 'sync' : 'refresh',
      deliveryId: push.deliveryId,
      commit: push.revision || undefined,
      // What ArgoCD deployed when the sync's result is known (sync-on-push syncs the branch, so
      // that is the head ArgoCD resolved, not necessarily the commit the push claimed).
      expectedRevision: deployedOf(decision) ?? (push.revision || undefined),
      repo: push.repoUrls[0],
      provider: push.provider,
      actor: audit.actor,
      startedAt: ctx.message.receivedAt,
      acceptedAt: audit.ts ?? ctx.now().toISOString(),
    });
  } catch (error) {
    ctx.log.warn?.('deployment tracking not started', { ...ref, deliveryId: push.deliveryId, error: describe(error) });
  }
}

/** One line about an error, never a stack or request headers. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof ArgoCDError) return { error: error.name, httpStatus: error.httpStatus, grpcCode: error.grpcCode, attempts: error.attempts };
  return { error: error instanceof Error ? error.name : 'UnknownError' };
}
