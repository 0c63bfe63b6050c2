/**
 * `CommitStatusService`: turns tracked deployments into commit statuses, off the push path.
 *
 * As a {@link DeploymentListener} it only queues: a `commit-status.set` follow-up message when
 * ArgoCD accepted a push's deployment (`pending`) and when it ended (`success` / `failure` /
 * `error`, or `canceled` when superseded). The deploy tracker's consumer hands each message to
 * {@link CommitStatusService.handle}, which makes the one HTTP call:
 * - 5xx, 408, timeouts: queued again after `retryBaseSeconds` × 2^(attempt−1) (at most 900 s),
 *   up to `maxAttempts`, then given up and audited (`commit-status.failed`);
 * - 429 or a rate-limit 403: queued again after `Retry-After` (or until `X-RateLimit-Reset`),
 *   and the provider is paused until then; `X-RateLimit-Remaining: 0` on a success pauses it too;
 * - 401 / 403: the token is read again (it may have been rotated) and the call repeated once
 *   with a new one; otherwise the provider is not called with that token for
 *   `authCooldownMinutes`, and the refusal is audited (`commit-status.refused`) and counted
 *   (metric, alarm) once per provider and token, whichever function saw it first;
 * - other 4xx (unknown repository or commit): not retried, audited.
 * A `pending` is sent only while its deployment is still being tracked (one consistent read), so
 * a late or retried one never overwrites the outcome (SQS standard queues do not keep order).
 */
import type { AuditStore } from '../audit/audit-store';
import type { AuditInput } from '../audit/types';
import type { InstanceConfig, SentinelConfig } from '../config/types';
import type { DeploymentStore } from '../deploy/deployment-store';
import type { DeploymentListener } from '../deploy/tracker';
import type { TrackedDeployment } from '../deploy/types';
import { normalizeRepoUrl } from '../matching/normalize-repo-url';
import type { SimpleLogger } from '../observability/logger';
import type { CommitStatusMessage, FollowUpQueue } from '../queue/follow-up';
import { MAX_DELAY_SECONDS } from '../queue/follow-up';
import type { SecretsProvider } from '../secrets/types';
import { commitStatusPlan, STATUS_APIS, statusApiKeyOf, type StatusApiPlan } from './apis';
import { tokenFingerprint, type AuthBlock, type AuthBlockStore } from './auth-block-store';
import { acceptedStatus, outcomeStatus } from './describe';
import { sendStatus } from './send';
import type { CommitStatus, SendResult, StatusApiKey } from './types';

/** What handling one message did. */
export type StatusHandling = 'sent' | 'retrying' | 'given-up' | 'rejected' | 'refused' | 'blocked' | 'stale' | 'off';

/** What the service needs. */
export interface CommitStatusServiceDeps {
  config: Pick<SentinelConfig, 'gitApis' | 'commitStatus' | 'instances'>;
  secrets: SecretsProvider;
  queue: FollowUpQueue;
  auditStore: AuditStore;
  /** To tell a `pending` whose deployment already ended. */
  deployments: Pick<DeploymentStore, 'get'>;
  authBlocks: Pick<AuthBlockStore, 'get' | 'record'>;
  log?: Partial<SimpleLogger>;
  /** Called once per recorded token refusal (the deploy tracker counts it as a metric, which alarms). */
  onRefused?: (api: StatusApiKey, status: number) => void;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** Counters (tests, benchmarks, the local stack). */
export interface CommitStatusStats {
  queued: number;
  /** Messages handled (each try of each status). */
  handled: number;
  sent: number;
  retried: number;
  givenUp: number;
  rejected: number;
  refused: number;
  blocked: number;
  stale: number;
}

/** Sets commit statuses for tracked deployments; see the module comment. */
export class CommitStatusService {
  readonly #d: CommitStatusServiceDeps;
  readonly #now: () => Date;
  readonly #plan: Map<StatusApiKey, StatusApiPlan>;
  /** Per provider: epoch ms until which calls wait (rate limit). Per function instance. */
  readonly #pausedUntil = new Map<StatusApiKey, number>();
  /** Per provider: the refused token, known here (read from the state table once per provider). */
  readonly #blocks = new Map<StatusApiKey, AuthBlock | null>();
  readonly stats: CommitStatusStats = { queued: 0, handled: 0, sent: 0, retried: 0, givenUp: 0, rejected: 0, refused: 0, blocked: 0, stale: 0 };

  constructor(deps: CommitStatusServiceDeps) {
    if (!deps?.config || !deps.secrets || !deps.queue || !deps.auditStore || !deps.deployments || !deps.authBlocks)
      throw new TypeError('[gitops-sentinel/commit-status] config, secrets, queue, auditStore, deployments and authBlocks are required');
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
    this.#plan = new Map(commitStatusPlan(deps.config).map((p) => [p.key, p]));
  }

  /** The deployment listener: queues `pending` on acceptance and the outcome at the end. */
  readonly listener: DeploymentListener = {
    accepted: async (d) => {
      await this.#queue(d, acceptedStatus(d, this.#instance(d)), false);
    },
    finished: async (d, outcome, record) => {
      if (outcome === 'superseded') {
        // The newer deployment reports on its own commit; when it is this very commit, it
        // owns this status line now and this one says nothing.
        const by = (record.details?.supersededBy as { commit?: string } | undefined)?.commit;
        if (by && d.commit && by.toLowerCase() === d.commit.toLowerCase()) return;
      }
      await this.#queue(d, outcomeStatus(d, outcome, record, this.#instance(d)), true);
    },
  };

  #instance(d: TrackedDeployment): InstanceConfig | undefined {
    return this.#d.config.instances.find((i) => i.name === d.ref.instance);
  }

  /** Queues the first try of a status, when the deployment is a push to a provider with statuses on. */
  async #queue(d: TrackedDeployment, status: CommitStatus, final: boolean): Promise<void> {
    const key = statusApiKeyOf(d.provider);
    if (!key || !this.#plan.get(key)?.on || !d.commit || !d.repo || !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(d.commit)) return;
    if (!locate(key, d.repo)) {
      this.#d.log?.warn?.('commit status: repository URL does not fit the provider', { api: key, ...d.ref });
      return;
    }
    const message: CommitStatusMessage = {
      type: 'commit-status.set',
      v: 1,
      api: key,
      repo: d.repo,
      sha: d.commit.toLowerCase(),
      state: status.state,
      context: status.context,
      description: status.description,
      ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
      attempt: 1,
      final,
      trackId: d.trackId,
      ...d.ref,
      ...(d.deliveryId ? { deliveryId: d.deliveryId } : {}),
      ...(d.project ? { project: d.project } : {}),
    };
    await this.#d.queue.schedule(message, 0);
    this.stats.queued++;
  }

  /** Makes the call one message asks for (the deploy tracker's consumer). Throws only when a store or the queue fails. */
  async handle(m: CommitStatusMessage): Promise<StatusHandling> {
    this.stats.handled++;
    const key = m.api as StatusApiKey;
    const plan = this.#plan.get(key);
    const api = STATUS_APIS[key];
    const coords = plan?.on && api ? locate(key, m.repo) : undefined;
    const tokenRef = this.#d.config.gitApis?.[key]?.token;
    if (!plan?.on || !coords || !tokenRef || !plan.base) return 'off';
    if (!m.final) {
      const current = await this.#d.deployments.get({ instance: m.instance, namespace: m.namespace, name: m.name });
      if (current?.trackId !== m.trackId || current.status !== 'tracking') {
        this.stats.stale++;
        return 'stale';
      }
    }
    const nowMs = this.#now().getTime();
    const paused = this.#pausedUntil.get(key) ?? 0;
    if (paused > nowMs) return this.#again(m, (paused - nowMs) / 1000, false);

    let token = await this.#d.secrets.get(tokenRef);
    if (await this.#isBlocked(key, token, nowMs)) {
      this.stats.blocked++;
      return 'blocked';
    }
    const status: CommitStatus = { state: m.state, context: m.context, description: m.description, ...(m.targetUrl ? { targetUrl: m.targetUrl } : {}) };
    const timeoutMs = this.#d.config.gitApis?.timeoutMs ?? 3000;
    const send = (t: string) => sendStatus(api.request(plan.base!, coords, m.sha, status, t), timeoutMs, () => this.#now().getTime());
    let res: SendResult = await send(token);
    if (res.kind === 'auth') {
      // A rotated token: read it again, and if it changed, try once with the new one.
      const fresh = await this.#d.secrets.refresh(tokenRef);
      if (fresh !== token) {
        token = fresh;
        res = await send(token);
      }
    }
    switch (res.kind) {
      case 'ok':
        if (res.rateLimit?.remaining === 0 && res.rateLimit.resetAt) this.#pausedUntil.set(key, res.rateLimit.resetAt);
        this.stats.sent++;
        return 'sent';
      case 'auth':
        return this.#refused(key, m, token, res.status);
      case 'rejected':
        this.stats.rejected++;
        await this.#audit(m, `commit status not accepted by ${key}: ${res.reason}`, { httpStatus: res.status, attempts: m.attempt });
        return 'rejected';
      case 'retry': {
        if (res.afterSeconds !== undefined && res.status !== undefined && (res.status === 429 || res.status === 403)) {
          this.#pausedUntil.set(key, this.#now().getTime() + res.afterSeconds * 1000);
        }
        if (m.attempt >= this.#d.config.commitStatus.maxAttempts) {
          this.stats.givenUp++;
          await this.#audit(m, `commit status given up after ${m.attempt} attempt(s): ${res.reason}`, {
            ...(res.status ? { httpStatus: res.status } : {}),
            attempts: m.attempt,
          });
          return 'given-up';
        }
        const backoff = this.#d.config.commitStatus.retryBaseSeconds * 2 ** (m.attempt - 1);
        return this.#again(m, res.afterSeconds ?? backoff, true);
      }
    }
  }

  /** Queues the message again after `delaySeconds` (at most the SQS limit); `counts` spends an attempt. */
  async #again(m: CommitStatusMessage, delaySeconds: number, counts: boolean): Promise<StatusHandling> {
    await this.#d.queue.schedule({ ...m, attempt: counts ? m.attempt + 1 : m.attempt }, Math.min(MAX_DELAY_SECONDS, Math.max(0, delaySeconds)));
    this.stats.retried++;
    return 'retrying';
  }

  async #isBlocked(key: StatusApiKey, token: string, nowMs: number): Promise<boolean> {
    if (!this.#blocks.has(key)) this.#blocks.set(key, (await this.#d.authBlocks.get(key)) ?? null);
    const block = this.#blocks.get(key);
    return !!block && block.until > nowMs && block.fingerprint === tokenFingerprint(token);
  }

  async #refused(key: StatusApiKey, m: CommitStatusMessage, token: string, status: number): Promise<StatusHandling> {
    const nowMs = this.#now().getTime();
    const cooldownMinutes = this.#d.config.commitStatus.authCooldownMinutes;
    const block: AuthBlock = { fingerprint: tokenFingerprint(token), until: nowMs + cooldownMinutes * 60_000, status };
    this.#blocks.set(key, block);
    this.stats.refused++;
    if (await this.#d.authBlocks.record(key, block, nowMs)) {
      await this.#d.auditStore.append({
        kind: 'commit-status.refused',
        outcome: 'failure',
        message: `${key} refused the commit status token (HTTP ${status}): no statuses for ${key} for ${cooldownMinutes} min or until the token changes`,
        actor: 'commit-status',
        details: { api: key, httpStatus: status, cooldownMinutes, blockedUntil: new Date(block.until).toISOString(), firstRepo: normalizeRepoUrl(m.repo) },
        ts: this.#now().toISOString(),
      });
      this.#d.onRefused?.(key, status);
    }
    this.#d.log?.warn?.('commit status: token refused', { api: key, httpStatus: status });
    return 'refused';
  }

  async #audit(m: CommitStatusMessage, message: string, details: Record<string, unknown>): Promise<void> {
    const input: AuditInput = {
      kind: 'commit-status.failed',
      outcome: 'failure',
      message,
      instance: m.instance,
      namespace: m.namespace,
      app: m.name,
      ...(m.project ? { project: m.project } : {}),
      revision: m.sha,
      repo: m.repo,
      ...(m.deliveryId ? { deliveryId: m.deliveryId } : {}),
      actor: 'commit-status',
      details: { api: m.api, state: m.state, context: m.context, trackId: m.trackId, ...details },
      ts: this.#now().toISOString(),
    };
    await this.#d.auditStore.append(input);
  }
}

/** The repository's coordinates in a provider's API, from its URL. */
function locate(key: StatusApiKey, repoUrl: string): string[] | undefined {
  const normalized = normalizeRepoUrl(repoUrl);
  if (!normalized) return undefined;
  const segments = normalized.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return STATUS_APIS[key].locate(segments);
}
