/**
 * The sync worker's part of the forward: each verified push goes, at most once per instance,
 * to the ApplicationSet webhook of every instance that takes it, byte for byte, with the
 * provider's own headers and a signature (or token, or basic auth) made with that
 * controller's secret, the way ArgoCD verifies it (applicationset/webhook/webhook.go with
 * go-playground/webhooks v6: GitHub `X-Hub-Signature-256`, GitLab `X-Gitlab-Token`, Azure
 * DevOps basic auth). Retried with back-off on 5xx, 429, timeouts and network errors, audited
 * (`appset.forwarded`, `appset.forward-failed`), dead-lettered with the push message.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { AuditStore } from '../audit/audit-store';
import type { AuditInput } from '../audit/types';
import type { InstanceConfig } from '../config/types';
import type { AppRef } from '../matching/types';
import type { SimpleLogger } from '../observability/simple-logger';
import { printable } from '../providers/safe-text';
import { hmacSha256Hex } from '../providers/signatures';
import type { PushMessage } from '../queue/types';
import type { SecretsProvider } from '../secrets/types';
import type { ActionLedger } from '../sync/action-ledger';
import type { ReceiveContext } from '../sync/types';
import { appsetTargets, APPSET_SECRET_KEYS, type AppSetTarget } from './targets';
import type { AppSetForwarderSettings, AppSetForwardResult, AppSetPayload } from './types';

/**
 * The action-ledger entry of an instance's forward: `<instance>#@appset#webhook`. `@` cannot
 * occur in a Kubernetes namespace, so it never collides with an app's claim.
 */
export function appsetClaimRef(instance: string): AppRef {
  return { instance, namespace: '@appset', name: 'webhook' };
}

/** Options of {@link ApplicationSetForwarder}. */
export interface ApplicationSetForwarderOptions extends AppSetForwarderSettings {
  /** The configured instances (those with `applicationSetWebhook` are forwarded to). */
  instances: readonly InstanceConfig[];
  /** Where the controllers' secrets come from (Secrets Manager deployed). */
  secrets: SecretsProvider;
  /** The (delivery, app) claims; a forward is claimed as `<instance>#@appset#webhook`. */
  ledger: ActionLedger;
  auditStore: AuditStore;
  /** Partial logger; missing methods are no-ops. */
  log?: Partial<SimpleLogger>;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** What one forward attempt series came to. */
type Sent = { ok: true; status: number; attempts: number } | { ok: false; final: boolean; status?: number; attempts: number; reason: string };

/** A forward this receive claimed: what it forwards, and the claim to complete. */
interface ClaimedForward {
  target: AppSetTarget;
  message: PushMessage;
  receive: ReceiveContext;
  /** The ledger's key of this forward (`appsetClaimRef`). */
  ref: ReturnType<typeof appsetClaimRef>;
  /** The claim's owner token. */
  owner: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The URL as audit records and logs name it: scheme, host, path (no query, which might carry a key). */
function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** `Retry-After` (seconds or an HTTP date) in ms. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * Forwards verified pushes to ApplicationSet webhooks. One per process (sync worker), built
 * by `createSyncDeps` when an instance has `applicationSetWebhook`.
 * @example
 * const results = await forwarder.forward(message, { receiveCount: 1, maxReceiveCount: 5 });
 */
export class ApplicationSetForwarder {
  readonly #o: ApplicationSetForwarderOptions;
  readonly #settings: Required<AppSetForwarderSettings>;

  /** @param options instances, secrets, ledger, audit store, retry settings */
  constructor(options: ApplicationSetForwarderOptions) {
    if (!options?.ledger || !options.auditStore || !options.secrets)
      throw new TypeError('[gitops-sentinel/appset] ledger, auditStore and secrets are required');
    this.#o = options;
    this.#settings = {
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 5_000,
    };
  }

  /**
   * Forwards one push message to every instance that takes it. Never throws for HTTP failures
   * (the results say what is undone); throws only when the ledger or the trail cannot be written.
   */
  async forward(message: PushMessage, receive: ReceiveContext): Promise<AppSetForwardResult[]> {
    const { push } = message;
    const targets = appsetTargets(this.#o.instances, push.provider, push.repoUrls);
    if (targets.length === 0) return [];
    return Promise.all(targets.map((t) => this.#forwardTo(t, message, receive)));
  }

  /** Claims the forward (at most once per delivery and instance), sends it, then records and audits the outcome. */
  async #forwardTo(target: AppSetTarget, message: PushMessage, receive: ReceiveContext): Promise<AppSetForwardResult> {
    const { push } = message;
    const ref = appsetClaimRef(target.name);
    const claim = await this.#o.ledger.claim(push.deliveryId, ref, { receiveCount: receive.receiveCount });
    if (!claim.claimed) {
      if (claim.existing?.status === 'done') {
        await this.#reappendIfLost(message, target.name, claim.existing.audit);
        return { instance: target.name, status: 'already-done', attempts: 0, message: claim.existing.message };
      }
      return { instance: target.name, status: 'in-progress', attempts: 0, message: 'another receive holds this forward' };
    }
    const sent = await this.#send(target, message.appset, receive.deadline);
    const forward: ClaimedForward = { target, message, receive, ref, owner: claim.owner };
    return sent.ok ? this.#recordForwarded(forward, sent) : this.#recordFailure(forward, sent);
  }

  /** The fields every audit record of this forward carries, and its details. */
  #auditBase({ target, message, receive }: ClaimedForward, sent: Sent) {
    const { push } = message;
    const base: Omit<AuditInput, 'kind' | 'outcome' | 'message'> = {
      instance: target.name,
      deliveryId: push.deliveryId,
      revision: push.revision || undefined,
      repo: push.repoUrls[0],
      actor: `webhook:${push.provider}:${push.pusher}`,
    };
    const details = {
      provider: push.provider,
      ref: push.ref,
      url: shownUrl(target.applicationSetWebhook.url),
      httpStatus: sent.status ?? null,
      attempts: sent.attempts,
      bodyBytes: message.appset?.bodyBytes ?? null,
      bodySha256: message.appset?.bodySha256 ?? null,
      receiveCount: receive.receiveCount,
    };
    return { base, details };
  }

  async #recordForwarded(forward: ClaimedForward, sent: Extract<Sent, { ok: true }>): Promise<AppSetForwardResult> {
    const { target, message, receive, ref, owner } = forward;
    const { push } = message;
    const { base, details } = this.#auditBase(forward, sent);
    const audit: AuditInput = {
      ...base,
      kind: 'appset.forwarded',
      outcome: 'success',
      message: `forwarded the ${push.provider} push to the ApplicationSet webhook of ${target.name} (HTTP ${sent.status}, ${sent.attempts} attempt(s))`,
      details,
      ts: (this.#o.now ?? (() => new Date()))().toISOString(),
    };
    // Marked done (with its record) before the append, as app actions are: a redelivery after a
    // lost append re-appends the record instead of forwarding again.
    await this.#o.ledger.complete(push.deliveryId, ref, owner, 'done', { message: audit.message, audit, receiveCount: receive.receiveCount });
    await this.#o.auditStore.append(audit);
    return {
      instance: target.name,
      status: 'forwarded',
      audited: 'appset.forwarded',
      httpStatus: sent.status,
      attempts: sent.attempts,
      message: audit.message,
    };
  }

  /**
   * A failed forward: retried on the next receive (ledger `failed`, not audited) unless it is
   * final or this is the last receive; then audited as `appset.forward-failed`.
   */
  async #recordFailure(forward: ClaimedForward, sent: Extract<Sent, { ok: false }>): Promise<AppSetForwardResult> {
    const { target, message, receive, ref, owner } = forward;
    const { push } = message;
    const lastReceive = receive.receiveCount >= receive.maxReceiveCount;
    const { base, details } = this.#auditBase(forward, sent);
    this.#o.log?.warn?.('ApplicationSet webhook forward failed', {
      instance: target.name,
      deliveryId: push.deliveryId,
      final: sent.final,
      lastReceive,
      attempts: sent.attempts,
      reason: sent.reason,
    });
    if (!sent.final && !lastReceive) {
      await this.#o.ledger.complete(push.deliveryId, ref, owner, 'failed', { message: sent.reason, receiveCount: receive.receiveCount });
      return { instance: target.name, status: 'failed', httpStatus: sent.status, attempts: sent.attempts, message: sent.reason };
    }
    const audit: AuditInput = {
      ...base,
      kind: 'appset.forward-failed',
      outcome: 'failure',
      message: sent.final
        ? `the ApplicationSet webhook of ${target.name} was not sent this push, for good: ${sent.reason}`
        : `forward to the ApplicationSet webhook of ${target.name} failed on the last of ${receive.receiveCount} receive(s); the push goes to the ` +
          `dead-letter queue: ${sent.reason}`,
      details: { ...details, final: sent.final, lastReceive },
      ts: (this.#o.now ?? (() => new Date()))().toISOString(),
    };
    // A final refusal is decided: `done`, never sent again. The last receive's failure stays
    // `failed` (a redrive from the dead letters may try again).
    await this.#o.ledger.complete(push.deliveryId, ref, owner, sent.final ? 'done' : 'failed', {
      message: sent.reason,
      audit,
      receiveCount: receive.receiveCount,
    });
    await this.#o.auditStore.append(audit);
    return {
      instance: target.name,
      status: sent.final ? 'rejected' : 'failed',
      audited: 'appset.forward-failed',
      httpStatus: sent.status,
      attempts: sent.attempts,
      message: sent.reason,
    };
  }

  /** Prepares the body and the headers, then POSTs with retries. */
  async #send(target: AppSetTarget, payload: AppSetPayload | undefined, deadline: number | undefined): Promise<Sent> {
    if (!payload) {
      // The webhook carries a body only for a delivery a secret verified, and only when its configuration
      // had an ApplicationSet webhook for the push.
      return {
        ok: false,
        final: true,
        attempts: 0,
        reason: 'the queue message carries no body to forward (the push was accepted unsigned, or queued before this ApplicationSet webhook was configured)',
      };
    }
    if (payload.dropped || !payload.bodyGzip) {
      return {
        ok: false,
        final: true,
        attempts: 0,
        reason: `the body (${payload.bodyBytes} bytes) did not fit in the queue message, so there was nothing to forward`,
      };
    }
    let body: Buffer;
    try {
      body = gunzipSync(Buffer.from(payload.bodyGzip, 'base64'));
    } catch {
      return { ok: false, final: true, attempts: 0, reason: 'the carried body is not valid gzip' };
    }
    if (createHash('sha256').update(body).digest('hex') !== payload.bodySha256) {
      return { ok: false, final: true, attempts: 0, reason: 'the carried body does not match its SHA-256' };
    }
    let secretValues: string[];
    try {
      const refs = APPSET_SECRET_KEYS[payload.provider].map((k) => target.applicationSetWebhook.secrets[k]!);
      secretValues = await Promise.all(refs.map((r) => this.#o.secrets.get(r)));
    } catch (error) {
      // Secrets Manager down or the secret missing: retried with the message, like any outage.
      return {
        ok: false,
        final: false,
        attempts: 0,
        reason: `the ApplicationSet webhook secret cannot be loaded (${error instanceof Error ? error.name : 'UnknownError'})`,
      };
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', ...payload.headers, ...signedHeaders(payload, body, secretValues) };
    return this.#post(target.applicationSetWebhook.url, body, headers, secretValues, deadline);
  }

  /**
   * POSTs with retries. A timeout is retried although the controller may have the request:
   * its webhook only asks ApplicationSets to refresh, which is harmless to repeat (unlike an
   * ArgoCD sync, which the client checks before sending again). Redirects are not followed:
   * they could carry the signature and token elsewhere.
   */
  async #post(url: string, body: Buffer, headers: Record<string, string>, secretValues: string[], deadline: number | undefined): Promise<Sent> {
    const s = this.#settings;
    const scrub = (text: string) => secretValues.reduce((t, v) => (v ? t.split(v).join('[redacted]') : t), text);
    let attempts = 0;
    for (;;) {
      attempts++;
      const timeoutMs = Math.min(s.timeoutMs, deadline === undefined ? Infinity : deadline - Date.now());
      if (timeoutMs <= 0) return { ok: false, final: false, attempts: attempts - 1, reason: 'no time left in this receive' };
      let status: number | undefined;
      let reason: string;
      let wait: number | undefined;
      try {
        const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        const text = await res.text().catch(() => '');
        if (status >= 200 && status < 300) return { ok: true, status, attempts };
        reason = `HTTP ${status}${text ? `: ${printable(scrub(text.trim()), 200)}` : ''}`;
        if (!(status >= 500 || status === 429)) return { ok: false, final: true, status, attempts, reason };
        wait = status === 429 || status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'UnknownError';
        reason = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `network error (${name})`;
      }
      if (attempts > s.retries) return { ok: false, final: false, status, attempts, reason };
      const delay = Math.max(Math.floor(Math.random() * (Math.min(s.maxBackoffMs, s.backoffMs * 2 ** (attempts - 1)) + 1)), wait ?? 0);
      if (deadline !== undefined && Date.now() + delay >= deadline) return { ok: false, final: false, status, attempts, reason };
      await sleep(delay);
    }
  }

  /** Re-appends a finished forward's record when the receive that finished it died before appending it. */
  async #reappendIfLost(message: PushMessage, instance: string, audit: AuditInput | undefined): Promise<void> {
    if (!audit) return;
    let cursor: string | undefined;
    do {
      const page = await this.#o.auditStore.query({ deliveryId: message.push.deliveryId, limit: 100, cursor });
      if (page.items.some((r) => r.kind === audit.kind && r.instance === instance)) return;
      cursor = page.cursor;
    } while (cursor);
    this.#o.log?.warn?.('re-appending a lost audit record', { deliveryId: message.push.deliveryId, instance, kind: audit.kind });
    await this.#o.auditStore.append(audit);
  }
}

/**
 * The authentication ArgoCD's ApplicationSet webhook checks, made with the controller's secret:
 * GitHub `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (go-playground/webhooks v6
 * reads only this one, not the SHA-1 `X-Hub-Signature`), GitLab `X-Gitlab-Token: <secret>`, Azure
 * DevOps `Authorization: Basic base64(username:password)`.
 * @param secretValues in the order of `APPSET_SECRET_KEYS[provider]`
 */
export function signedHeaders(payload: Pick<AppSetPayload, 'provider'>, body: Uint8Array, secretValues: readonly string[]): Record<string, string> {
  switch (payload.provider) {
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hmacSha256Hex(secretValues[0], body)}` };
    case 'gitlab':
      return { 'x-gitlab-token': secretValues[0] };
    case 'azure-devops':
      return { authorization: `Basic ${Buffer.from(`${secretValues[0]}:${secretValues[1]}`, 'utf8').toString('base64')}` };
  }
}
