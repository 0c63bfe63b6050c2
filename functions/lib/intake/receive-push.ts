/**
 * Receiving one webhook delivery, transport-free: size limit -> detect -> secrets ->
 * verify (raw body) -> parse -> repository scope -> ledger (dedupe by body and delivery id,
 * stale pushes) -> enqueue. Only verified deliveries enter the audit trail; refusals are
 * counted and sampled in the log. `functions/webhook/handler.ts` turns the result or the thrown
 * error into an HTTP response.
 */
import { createHash, randomUUID } from 'node:crypto';
import { captureForApplicationSets } from '../appset/capture';
import type { AppSetPayload } from '../appset/types';
import type { AuditInput } from '../audit/types';
import { DeliveryConflictError, MissingSecretError, PREFIX, SignatureMismatchError, UnknownProviderError } from '../providers/errors';
import { deliveryIdFrom, detectProvider, firstHeader } from '../providers/index';
import { printable } from '../providers/safe-text';
import type { ProviderName, PushEvent, RawBody } from '../providers/types';
import { claimBody, judgeDelivery, ledgerKeys, recordDelivery, type LedgerWriteOptions } from './delivery-ledger';
import { RepositoryNotAllowedError, SecretUnavailableError } from './errors';
import { decodeBody, lowerCaseHeaders } from './raw-request';
import { RefusalLogSampler, refusalReason, type Refusal } from './refusals';
import { repositoryAllowed } from './repository-scope';
import type { ReceivePushDeps, ReceivePushInput, ReceivePushResult } from './types';
import { resolveSecrets, secretSettings, type SecretCandidate } from './webhook-secrets';

/** Per container: a flood of refusals logs one line per provider and reason a minute. */
const sampler = new RefusalLogSampler();

interface Attempt {
  provider?: ProviderName;
  /** Unverified until `verified`: for the log sample only, never a key into the trail. */
  deliveryId?: string;
  bodyBytes?: number;
  bodySha256?: string;
  verified: boolean;
}

/**
 * Receives one webhook delivery: size limit → provider detection → secrets → signature/token
 * verification on the raw body → parse → repository scope of the verifying secret → ledger →
 * enqueue. The same body from the same provider, or the same delivery id, within the dedupe
 * window is a `duplicate` (enqueued once), whatever delivery id it carries or lacks; a delivery
 * id seen with another body is refused (`DeliveryConflictError`); a push whose commit a later
 * push already superseded is `stale` (audited, not enqueued). Nothing is enqueued unless the
 * request was verified (or `webhook.allowUnsigned` is on and no secret is configured at all).
 *
 * Refusals never write to the hash-chained trail (anyone can send one): they are counted per
 * provider and reason (`deps.refusals`) and logged as a sample, without the payload.
 * @returns `queued`, `duplicate`, `stale` or `ignored` (ping, not a push, not a branch or tag)
 * @throws PayloadTooLargeError, UnknownProviderError, MissingSecretError, SecretUnavailableError,
 *   SignatureMismatchError, MalformedPayloadError, RepositoryNotAllowedError, DeliveryConflictError
 *   (each counted as a refusal); any other error (a store or queue outage) is counted as
 *   `internal`, logged, and rethrown
 */
export async function receivePush(input: ReceivePushInput, deps: ReceivePushDeps): Promise<ReceivePushResult> {
  if (!input || typeof input.rawBody !== 'string') throw new TypeError(`${PREFIX} rawBody must be a string`);
  if (!deps?.queue || !deps.auditStore || !deps.secrets || !deps.ledger || !deps.config?.webhook) {
    throw new TypeError(`${PREFIX} receivePush needs config, secrets, queue, auditStore and ledger`);
  }
  const now = deps.now ?? (() => new Date());
  const attempt: Attempt = { verified: false };
  try {
    return await receive(input, deps, attempt, now);
  } catch (error) {
    await refuse(error, attempt, deps, now);
    throw error;
  }
}

/** Counts a refusal and logs a sample of it (never the payload, never a secret). */
async function refuse(error: unknown, attempt: Attempt, deps: ReceivePushDeps, now: () => Date): Promise<void> {
  const log = deps.log ?? {};
  const refusal: Refusal = { provider: attempt.provider ?? 'unknown', reason: refusalReason(error), at: now() };
  try {
    await deps.refusals?.count(refusal);
  } catch (countError) {
    log.error?.('cannot count a refused delivery', { error: countError instanceof Error ? countError.name : 'UnknownError' });
  }
  const context = {
    provider: refusal.provider,
    reason: refusal.reason,
    verified: attempt.verified,
    // Unverified: a hint to find the delivery in the provider's log, printable and bounded.
    ...(attempt.deliveryId ? { deliveryId: printable(attempt.deliveryId, 100) } : {}),
    bodyBytes: attempt.bodyBytes ?? null,
    bodySha256: attempt.bodySha256 ?? null,
  };
  if (refusal.reason === 'internal' || refusal.reason === 'secret-unavailable') {
    log.error?.(refusal.reason === 'internal' ? 'webhook failed' : 'webhook secret unavailable: delivery refused with 503', {
      ...context,
      error: error instanceof Error ? error.name : 'UnknownError',
    });
    return;
  }
  const { log: due, suppressed } = sampler.sample(refusal);
  if (due)
    log.warn?.('webhook refused (sampled: one line per provider and reason a minute)', {
      ...context,
      // Not `message`: Powertools reserves that key for the line's text and drops an extra one.
      detail: error instanceof Error ? printable(error.message, 200) : '',
      suppressed,
    });
}

async function receive(input: ReceivePushInput, deps: ReceivePushDeps, attempt: Attempt, now: () => Date): Promise<ReceivePushResult> {
  const headers = lowerCaseHeaders(input.headers);
  const provider = detectProvider(headers);
  if (provider) attempt.provider = provider.name;
  const body: RawBody = decodeBody(input.rawBody, input.isBase64 === true, deps.config.webhook.maxBodyBytes);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  attempt.bodyBytes = bytes.length;
  attempt.bodySha256 = createHash('sha256').update(bytes).digest('hex');
  if (!provider) throw new UnknownProviderError();
  attempt.deliveryId = deliveryIdFrom(firstHeader(headers, provider.deliveryHeaders), bytes);

  const resolved = await resolveSecrets(provider.name, deps.config.webhook.secrets, deps.secrets, deps.log ?? {});
  // null: unsigned (no secret configured at all, and allowed). A configured secret that cannot
  // be loaded never leads here: that fails closed below.
  let matched: SecretCandidate[] | null = null;
  if (!resolved.configured) {
    if (!deps.config.webhook.allowUnsigned) throw new MissingSecretError(provider.name, secretSettings(provider.name));
    deps.log?.warn?.('accepting an unsigned delivery (SENTINEL_ALLOW_UNSIGNED=true)', { provider: provider.name });
  } else {
    matched = [];
    // Every candidate is tried (no early exit), so timing does not tell which one matched.
    for (const candidate of resolved.candidates) {
      if (await provider.verify(candidate.value, bytes, headers, { signatureRequired: resolved.signatureRequired })) matched.push(candidate);
    }
    if (matched.length === 0) {
      // The secret that could not be loaded may be the one that signed: 503, the provider retries.
      if (resolved.unavailable) throw new SecretUnavailableError(provider.name);
      throw new SignatureMismatchError(`${provider.name} signature or token does not match`);
    }
  }
  attempt.verified = true;

  const parsed = provider.parse(bytes, headers);
  attempt.deliveryId = parsed.deliveryId;
  if ('ignored' in parsed) {
    await deps.auditStore.append({
      kind: 'webhook.ignored',
      outcome: 'info',
      message: parsed.reason,
      actor: `webhook:${provider.name}`,
      deliveryId: parsed.deliveryId,
      details: { provider: provider.name, unsigned: matched === null },
      ts: now().toISOString(),
    });
    deps.log?.info?.('webhook ignored', { provider: provider.name, deliveryId: parsed.deliveryId, reason: parsed.reason });
    return { status: 'ignored', provider: provider.name, deliveryId: parsed.deliveryId, reason: parsed.reason };
  }
  if (matched !== null && !matched.some((c) => repositoryAllowed(c.scopes, parsed.repoUrls))) throw new RepositoryNotAllowedError();
  // What the ApplicationSet forward needs, if any instance takes it (computed only when the push
  // is about to be queued). Only for a delivery a secret verified: an unsigned one accepted under
  // `allowUnsigned` is never forwarded, since the forward would carry the controller's signature.
  const appset = () => (matched === null ? undefined : captureForApplicationSets(provider.name, bytes, headers, parsed.repoUrls, deps.config.instances ?? []));
  return judgeAndEnqueue(parsed, attempt.bodySha256, matched === null, input, deps, now, appset);
}

async function judgeAndEnqueue(
  push: PushEvent,
  bodySha256: string,
  unsigned: boolean,
  input: ReceivePushInput,
  deps: ReceivePushDeps,
  now: () => Date,
  appsetPayload: () => AppSetPayload | undefined = () => undefined,
): Promise<ReceivePushResult> {
  const nowMs = now().getTime();
  const writes: LedgerWriteOptions = { dedupeSeconds: deps.config.webhook.dedupeSeconds, refLedgerDays: deps.config.webhook.refLedgerDays, nowMs };
  const keys = ledgerKeys(push, bodySha256);
  const base: Omit<AuditInput, 'kind' | 'outcome' | 'message'> = {
    actor: `webhook:${push.provider}:${push.pusher}`,
    deliveryId: push.deliveryId,
    revision: push.revision || undefined,
    repo: push.repoUrls[0],
    details: {
      provider: push.provider,
      ref: push.ref,
      isTag: push.isTag,
      deleted: push.deleted,
      touchedHead: push.touchedHead,
      changedFiles: push.changedFiles === null ? null : push.changedFiles.length,
      commits: push.commits.length,
      before: push.before || null,
      bodySha256,
      unsigned,
    },
  };
  const verdict = await judgeDelivery(deps.ledger, push, keys, nowMs);
  if (verdict.kind === 'conflict') throw new DeliveryConflictError(push.deliveryId);
  if (verdict.kind === 'duplicate') return duplicate(push, base, verdict, deps, now);
  if (verdict.kind === 'stale') {
    await deps.auditStore.append({
      ...base,
      kind: 'push.stale',
      outcome: 'skipped',
      message: `stale push: ${push.revision} on ${push.ref} was already superseded by ${verdict.supersededBy}; nothing synced`,
      details: { ...base.details, head: verdict.head || null, supersededBy: verdict.supersededBy },
      ts: now().toISOString(),
    });
    await recordDelivery(deps.ledger, push, keys, false, writes);
    deps.log?.info?.('webhook stale push', {
      provider: push.provider,
      deliveryId: push.deliveryId,
      ref: push.ref,
      revision: push.revision,
      supersededBy: verdict.supersededBy,
    });
    return { status: 'stale', provider: push.provider, deliveryId: push.deliveryId, supersededBy: verdict.supersededBy };
  }

  const owner = randomUUID();
  const remaining = input.remainingTimeMs?.() ?? 30_000;
  if (!(await claimBody(deps.ledger, push, keys, owner, nowMs + Math.max(1_000, remaining), writes))) {
    return duplicate(push, base, { by: 'body', inProgress: true }, deps, now);
  }
  try {
    // One receipt time for the message, the audit record and the ledger.
    const receivedAt = new Date(nowMs).toISOString();
    const appset = appsetPayload();
    await deps.queue.enqueue({ push, receivedAt, ...(appset ? { appset } : {}) });
    // Audited before the claim is released on failure: if this write fails the sender gets a
    // 500 and its retry re-enqueues (the worker acts at most once per delivery and app), so no
    // accepted delivery goes unrecorded.
    await deps.auditStore.append({ ...base, kind: 'webhook.received', outcome: 'success', message: `queued ${push.ref}`, ts: receivedAt });
  } catch (error) {
    await deps.ledger.release(keys.body, owner).catch(() => undefined);
    throw error;
  }
  try {
    await recordDelivery(deps.ledger, push, keys, true, writes);
  } catch (error) {
    // The push is queued and audited; answering 500 now would only make the provider send it
    // again. The claim keeps replays out until its lease ends.
    deps.log?.error?.('cannot record a queued delivery in the ledger', {
      deliveryId: push.deliveryId,
      error: error instanceof Error ? error.name : 'UnknownError',
    });
  }
  deps.log?.info?.('webhook queued', { provider: push.provider, deliveryId: push.deliveryId, ref: push.ref, revision: push.revision });
  return { status: 'queued', provider: push.provider, deliveryId: push.deliveryId, push };
}

async function duplicate(
  push: PushEvent,
  base: Omit<AuditInput, 'kind' | 'outcome' | 'message'>,
  verdict: { by: 'body' | 'delivery-id'; inProgress: boolean; firstDeliveryId?: string; firstReceivedAt?: string },
  deps: ReceivePushDeps,
  now: () => Date,
): Promise<ReceivePushResult> {
  const what = verdict.by === 'body' ? 'same body' : 'same delivery id';
  await deps.auditStore.append({
    ...base,
    kind: 'webhook.duplicate',
    outcome: 'skipped',
    message: verdict.inProgress ? `duplicate delivery (${what}; the first one is still in progress)` : `duplicate delivery (${what})`,
    details: { ...base.details, duplicateOf: verdict.by, firstDeliveryId: verdict.firstDeliveryId ?? null, firstReceivedAt: verdict.firstReceivedAt ?? null },
    ts: now().toISOString(),
  });
  deps.log?.info?.('webhook duplicate', { provider: push.provider, deliveryId: push.deliveryId, duplicateOf: verdict.by });
  return {
    status: 'duplicate',
    provider: push.provider,
    deliveryId: push.deliveryId,
    inProgress: verdict.inProgress,
    by: verdict.by,
    ...(verdict.firstReceivedAt ? { firstReceivedAt: verdict.firstReceivedAt } : {}),
  };
}
