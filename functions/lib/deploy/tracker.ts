/**
 * `DeploymentTracker`: follows a deployment from "ArgoCD accepted" to an outcome with delayed
 * follow-up messages, one check per app per step and no waiting Lambda.
 */
import { randomUUID } from 'node:crypto';
import { ArgoCDNotFoundError, type ArgoCDRegistry } from '../argocd/index';
import type { Application } from '../argocd/types';
import type { AuditStore } from '../audit/audit-store';
import type { AuditInput, AuditKind, AuditOutcome, AuditRecord } from '../audit/types';
import type { DeployConfig } from '../config/types';
import type { SimpleLogger } from '../observability/logger';
import type { DeployCheckMessage, FollowUpQueue } from '../queue/follow-up';
import type { DeploymentStore } from './deployment-store';
import { evaluateDeployment, unhealthyResources, type TreeNodeLike } from './evaluate';
import type { CheckResult, DeployDurations, DeployOutcome, StartDeployment, TrackedDeployment, UnhealthyResource, Verdict } from './types';
import { stripUndefined } from '../runtime/objects';

/** Hooks run after tracking events (commit statuses, notifications). Their failures are logged, never thrown. */
export interface DeploymentListener {
  /** A deployment is being tracked (ArgoCD accepted the action). */
  accepted?(d: TrackedDeployment): Promise<void>;
  /** A deployment ended (superseded by a newer one included); `record` is its audit record. */
  finished?(d: TrackedDeployment, outcome: DeployOutcome, record: AuditRecord): Promise<void>;
}

/** What the tracker needs. */
export interface DeploymentTrackerDeps {
  store: DeploymentStore;
  queue: FollowUpQueue;
  auditStore: AuditStore;
  argocd: ArgoCDRegistry;
  config: DeployConfig;
  listeners?: DeploymentListener[];
  log?: Partial<SimpleLogger>;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

const KIND: Record<DeployOutcome, AuditKind> = {
  succeeded: 'deploy.succeeded',
  failed: 'deploy.failed',
  degraded: 'deploy.degraded',
  timeout: 'deploy.timeout',
  superseded: 'deploy.superseded',
  gone: 'deploy.gone',
};
const OUTCOME: Record<DeployOutcome, AuditOutcome> = {
  succeeded: 'success',
  failed: 'failure',
  degraded: 'failure',
  timeout: 'failure',
  superseded: 'skipped',
  gone: 'info',
};

/**
 * Starts and checks tracked deployments.
 *
 * `start` makes the deployment the app's current one (auditing the one it replaces as
 * `deploy.superseded`) and schedules the first check after `firstCheckSeconds`. Each `check`
 * claims its step in the state table (a duplicate or stale message stops there, before any
 * ArgoCD call), reads the app once, and either records the outcome as a `deploy.*` audit record
 * or schedules the next check after a growing delay (`backoffFactor`, at most `maxCheckSeconds`,
 * never past the deadline). A failed or degraded outcome costs one more call: the resource tree,
 * to name the resources that were not healthy.
 */
export class DeploymentTracker {
  readonly #d: DeploymentTrackerDeps;
  readonly #now: () => Date;

  constructor(deps: DeploymentTrackerDeps) {
    if (!deps?.store || !deps.queue || !deps.auditStore || !deps.argocd || !deps.config)
      throw new TypeError('[gitops-sentinel/deploy] store, queue, auditStore, argocd and config are required');
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Whether tracking is on (`deploy.enabled`). */
  get enabled(): boolean {
    return this.#d.config.enabled;
  }

  /**
   * Begins following a deployment ArgoCD has just accepted.
   * @returns the new deployment, or undefined when tracking is off
   */
  async start(input: StartDeployment): Promise<TrackedDeployment | undefined> {
    if (!this.enabled) return undefined;
    const cfg = this.#d.config;
    const accepted = Date.parse(input.acceptedAt);
    const d: TrackedDeployment = {
      ...stripUndefined(input),
      ref: { instance: input.ref.instance, namespace: input.ref.namespace, name: input.ref.name },
      trackId: randomUUID(),
      deadlineAt: new Date((Number.isFinite(accepted) ? accepted : this.#now().getTime()) + cfg.timeoutMinutes * 60_000).toISOString(),
      step: 0,
      status: 'tracking',
    };
    const previous = await this.#d.store.replace(d);
    if (previous && previous.status === 'tracking' && previous.trackId !== d.trackId) {
      const record = await this.#record(previous, 'superseded', {
        reason: `superseded by ${d.deliveryId ? `delivery ${d.deliveryId}` : `a ${d.cause}`} before it finished`,
        extra: { supersededBy: { trackId: d.trackId, cause: d.cause, deliveryId: d.deliveryId, commit: d.commit } },
      });
      // Superseded is an ending too: listeners tell the old commit (before the new one's `accepted`).
      for (const l of this.#d.listeners ?? []) await this.#safely('finished', () => l.finished?.(previous, 'superseded', record));
    }
    await this.#d.queue.schedule(this.#message(d, 1, {}), cfg.firstCheckSeconds);
    for (const l of this.#d.listeners ?? []) await this.#safely('accepted', () => l.accepted?.(d));
    return d;
  }

  /** One check of a deployment (the consumer of `deploy.check` messages). Throws only when a store or the queue fails. */
  async check(message: DeployCheckMessage): Promise<CheckResult> {
    const ref = { instance: message.instance, namespace: message.namespace, name: message.name };
    const d = await this.#d.store.claimStep(ref, message.trackId, message.step, message.checkId);
    if (!d) return { status: 'stale', argocdCalls: 0 };
    const now = this.#now();
    const deadlinePassed = now.getTime() >= Date.parse(d.deadlineAt);
    if (!this.#d.argocd.has(ref.instance)) {
      return this.#finish(d, 'gone', { reason: `instance ${ref.instance} is no longer configured`, checks: message.step }, 0);
    }
    const client = this.#d.argocd.get(ref.instance);
    let app: Application;
    try {
      // With the project, ArgoCD answers 404 (not 403) for an app that does not exist.
      app = await client.getApplication(ref, d.project ? { project: d.project } : {});
    } catch (error) {
      if (error instanceof ArgoCDNotFoundError)
        return this.#finish(d, 'gone', { reason: 'the application was deleted while its deployment was tracked', checks: message.step }, 1);
      const reason = `cannot read the app: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      this.#d.log?.warn?.('deploy: check failed', { ...ref, trackId: d.trackId, step: message.step, error: reason });
      if (deadlinePassed) return this.#finish(d, 'timeout', { reason, checks: message.step, seen: message.seen }, 1);
      return this.#next(d, message, message.seen ?? {}, 1);
    }

    const verdict = evaluateDeployment(app, d, now);
    const seen = { ...message.seen, ...pick(verdict, ['syncStartedAt', 'syncedAt']) };
    if (verdict.state === 'waiting') {
      if (!deadlinePassed) return this.#next(d, message, seen, 1);
      return this.#finish(
        d,
        'timeout',
        {
          reason: `deadline of ${this.#d.config.timeoutMinutes} min passed: ${verdict.reason}`,
          checks: message.step,
          seen,
          app,
          resources: unhealthyResources(app),
        },
        1,
      );
    }
    let calls = 1;
    let resources: UnhealthyResource[] | undefined;
    if (verdict.state !== 'succeeded') {
      calls++;
      const nodes: TreeNodeLike[] | undefined = await client.getResourceTree(ref, d.project ? { project: d.project } : {}).then(
        (t) => t.nodes as TreeNodeLike[],
        () => undefined, // the app's own status.resources still name them
      );
      resources = unhealthyResources(app, nodes);
    }
    return this.#finish(d, verdict.state, { reason: verdict.reason, checks: message.step, seen, verdict, app, resources }, calls);
  }

  #message(d: TrackedDeployment, step: number, seen: DeployCheckMessage['seen']): DeployCheckMessage {
    return { type: 'deploy.check', v: 1, trackId: d.trackId, step, checkId: randomUUID(), ...d.ref, ...(seen && Object.keys(seen).length ? { seen } : {}) };
  }

  /** Schedules the next check: first × factor^(step), capped, never past the deadline. */
  async #next(d: TrackedDeployment, message: DeployCheckMessage, seen: NonNullable<DeployCheckMessage['seen']>, calls: number): Promise<CheckResult> {
    const cfg = this.#d.config;
    const untilDeadline = Math.max(0, (Date.parse(d.deadlineAt) - this.#now().getTime()) / 1000);
    const delay = Math.min(cfg.maxCheckSeconds, cfg.firstCheckSeconds * cfg.backoffFactor ** message.step, untilDeadline);
    await this.#d.queue.schedule(this.#message(d, message.step + 1, seen), delay);
    return { status: 'waiting', argocdCalls: calls, nextDelaySeconds: delay };
  }

  async #finish(
    d: TrackedDeployment,
    outcome: DeployOutcome,
    info: { reason: string; checks: number; seen?: DeployCheckMessage['seen']; verdict?: Verdict; app?: Application; resources?: UnhealthyResource[] },
    calls: number,
  ): Promise<CheckResult> {
    // Audit first, then mark the item: a crash in between repeats the check (at worst a
    // duplicate record), never loses the outcome.
    const record = await this.#record(d, outcome, info);
    await this.#d.store.finish(d.ref, d.trackId, outcome);
    for (const l of this.#d.listeners ?? []) await this.#safely('finished', () => l.finished?.(d, outcome, record));
    return { status: outcome, argocdCalls: calls };
  }

  async #record(
    d: TrackedDeployment,
    outcome: DeployOutcome,
    info: {
      reason: string;
      checks?: number;
      seen?: DeployCheckMessage['seen'];
      verdict?: Verdict;
      app?: Application;
      resources?: UnhealthyResource[];
      extra?: Record<string, unknown>;
    },
  ): Promise<AuditRecord> {
    const v = info.verdict && info.verdict.state !== 'waiting' ? info.verdict : undefined;
    const syncedAt = v?.syncedAt ?? info.seen?.syncedAt;
    const healthyAt = outcome === 'succeeded' ? v?.healthyAt : undefined;
    const durations = durationsOf(d, syncedAt, healthyAt);
    const revisionDeployed = v?.revision;
    const input: AuditInput = {
      kind: KIND[outcome],
      outcome: OUTCOME[outcome],
      message: messageOf(d, outcome, info.reason, durations, revisionDeployed),
      instance: d.ref.instance,
      namespace: d.ref.namespace,
      app: d.ref.name,
      project: d.project,
      revision: d.commit ?? d.expectedRevision,
      repo: d.repo,
      deliveryId: d.deliveryId,
      actor: d.actor,
      details: stripUndefined({
        trackId: d.trackId,
        cause: d.cause,
        action: d.action,
        commit: d.commit,
        expectedRevision: d.expectedRevision,
        revisionDeployed,
        reason: info.reason,
        startedAt: d.startedAt,
        acceptedAt: d.acceptedAt,
        syncStartedAt: v?.syncStartedAt ?? info.seen?.syncStartedAt,
        syncedAt,
        healthyAt,
        ...durations,
        checks: info.checks,
        noop: v?.noop,
        sync: info.app?.status?.sync?.status,
        health: info.app?.status?.health?.status,
        operationPhase: info.app?.status?.operationState?.phase,
        resources: info.resources?.length ? info.resources : undefined,
        ...info.extra,
      }),
      ts: this.#now().toISOString(),
    };
    return this.#d.auditStore.append(input);
  }

  async #safely(what: string, run: () => Promise<void> | undefined): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#d.log?.warn?.(`deploy: ${what} listener failed`, {
        error: error instanceof Error ? error.name : 'Error',
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The durations of a deployment from its points in time (ms; negative clock differences become 0). */
export function durationsOf(d: Pick<TrackedDeployment, 'startedAt' | 'acceptedAt'>, syncedAt?: string, healthyAt?: string): DeployDurations {
  const t = (s?: string) => (s ? Date.parse(s) : NaN);
  const diff = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : undefined);
  const started = t(d.startedAt);
  const accepted = t(d.acceptedAt);
  const synced = t(syncedAt);
  const healthy = t(healthyAt);
  return stripUndefined({
    pushToAcceptedMs: diff(started, accepted),
    acceptedToSyncedMs: diff(accepted, synced),
    syncedToHealthyMs: diff(synced, healthy),
    leadTimeMs: diff(started, healthy),
  });
}

/** `1h02m`, `2m05s`, `4.2s`, `350ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function messageOf(d: TrackedDeployment, outcome: DeployOutcome, reason: string, durations: DeployDurations, revision?: string): string {
  const what = d.cause === 'push' ? `push ${short(d.commit)}` : `${d.cause} to ${short(d.expectedRevision)}`;
  switch (outcome) {
    case 'succeeded':
      return (
        `${what} deployed${revision ? ` at ${short(revision)}` : ''} and ` +
        `healthy${durations.leadTimeMs !== undefined ? ` in ${formatDuration(durations.leadTimeMs)}` : ''}`
      );
    case 'superseded':
      return `${what}: ${reason}`;
    case 'gone':
      return `${what}: ${reason}`;
    default:
      return `${what} ${outcome}: ${reason}`;
  }
}

function short(rev: string | undefined): string {
  if (!rev) return '(unknown revision)';
  return /^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev.slice(0, 64);
}

function pick<T extends object, K extends string>(o: T, keys: K[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
