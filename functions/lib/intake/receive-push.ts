/**
 * Receiving one webhook delivery, transport-free: size limit -> detect -> secret lookup ->
 * verify (raw body) -> parse -> dedupe (Powertools Idempotency) -> enqueue. Every delivery,
 * accepted or refused, leaves one audit record. `functions/webhook/handler.ts` turns the
 * result or the thrown error into an HTTP response.
 */
import { createHash } from 'node:crypto';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { AuditInput } from '../audit/types';
import { deliveryIdFrom, detectProvider, firstHeader } from '../providers/index';
import { DeliveryConflictError, MissingSecretError, PREFIX, ProviderError, SignatureMismatchError, UnknownProviderError } from '../providers/errors';
import type { ProviderName, PushEvent, RawBody } from '../providers/types';
import { decodeBody, lowerCaseHeaders } from './raw-request';
import type { ReceivePushDeps, ReceivePushInput, ReceivePushResult } from './types';
import { resolveSecret, secretSettings } from './webhook-secrets';

interface Attempt {
  provider?: ProviderName;
  deliveryId?: string;
  bodyBytes?: number;
  bodySha256?: string;
  verified: boolean;
}

/**
 * Receives one webhook delivery: size limit → provider detection → secret lookup →
 * signature/token verification on the raw body → parse → dedupe by delivery id → enqueue.
 * A delivery id seen before with the same body is a `duplicate` (enqueued once); with a
 * different body it is refused with `DeliveryConflictError`. Nothing is enqueued unless
 * the request was verified (or `webhook.allowUnsigned` is on and no secret is configured).
 * @returns `queued`, `duplicate` or `ignored` (ping, not a push, not a branch or tag)
 * @throws PayloadTooLargeError, UnknownProviderError, MissingSecretError, SignatureMismatchError,
 *   MalformedPayloadError, DeliveryConflictError (all audited as `webhook.refused`); any other
 *   error (a store or queue outage) is audited as a failure when possible and rethrown
 */
export async function receivePush(input: ReceivePushInput, deps: ReceivePushDeps): Promise<ReceivePushResult> {
  if (!input || typeof input.rawBody !== 'string') throw new TypeError(`${PREFIX} rawBody must be a string`);
  if (!deps?.queue || !deps.auditStore || !deps.secrets || !deps.idempotency || !deps.config?.webhook) {
    throw new TypeError(`${PREFIX} receivePush needs config, secrets, queue, auditStore and idempotency`);
  }
  const log = deps.log ?? {};
  const now = deps.now ?? (() => new Date());
  const attempt: Attempt = { verified: false };
  try {
    return await receive(input, deps, attempt, now);
  } catch (error) {
    const known = error instanceof ProviderError;
    const reason = known ? error.message : 'internal error';
    const record: AuditInput = {
      kind: 'webhook.refused',
      outcome: known ? 'refused' : 'failure',
      message: reason,
      actor: `webhook:${attempt.provider ?? 'unknown'}`,
      ...(attempt.deliveryId ? { deliveryId: attempt.deliveryId } : {}),
      // Refusals carry no payload: only its size and hash, to correlate with the provider's log.
      details: { provider: attempt.provider ?? null, error: error instanceof Error ? error.name : 'UnknownError', verified: attempt.verified, bodyBytes: attempt.bodyBytes ?? null, bodySha256: attempt.bodySha256 ?? null },
      ts: now().toISOString(),
    };
    try {
      await deps.auditStore.append(record);
    } catch (auditError) {
      log.error?.('cannot audit a refused delivery', { error: auditError instanceof Error ? auditError.name : 'UnknownError', deliveryId: attempt.deliveryId });
    }
    if (known) log.warn?.('webhook refused', { provider: attempt.provider, deliveryId: attempt.deliveryId, error: error.name, reason });
    else log.error?.('webhook failed', { provider: attempt.provider, deliveryId: attempt.deliveryId, error: error instanceof Error ? error.name : 'UnknownError' });
    throw error;
  }
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
  // Unverified, but useful to correlate a refusal with the provider's delivery log.
  attempt.deliveryId = deliveryIdFrom(firstHeader(headers, provider.deliveryHeaders), bytes);

  const secret = await resolveSecret(provider.name, deps.config.webhook.secrets, deps.secrets, deps.log ?? {});
  if (secret === null) {
    if (!deps.config.webhook.allowUnsigned) throw new MissingSecretError(provider.name, secretSettings(provider.name));
    deps.log?.warn?.('accepting an unsigned delivery (SENTINEL_ALLOW_UNSIGNED=true)', { provider: provider.name });
  } else if (!(await provider.verify(secret, bytes, headers))) {
    throw new SignatureMismatchError(`${provider.name} signature or token does not match`);
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
      details: { provider: provider.name, unsigned: secret === null },
      ts: now().toISOString(),
    });
    deps.log?.info?.('webhook ignored', { provider: provider.name, deliveryId: parsed.deliveryId, reason: parsed.reason });
    return { status: 'ignored', provider: provider.name, deliveryId: parsed.deliveryId, reason: parsed.reason };
  }
  return dedupeAndEnqueue(parsed, attempt.bodySha256, secret === null, input, deps, now);
}

async function dedupeAndEnqueue(
  push: PushEvent,
  bodySha256: string,
  unsigned: boolean,
  input: ReceivePushInput,
  deps: ReceivePushDeps,
  now: () => Date,
): Promise<ReceivePushResult> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    // A reused delivery id with another body fails validation instead of passing as a duplicate.
    payloadValidationJmesPath: 'bodySha256',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: deps.config.webhook.dedupeSeconds,
  });
  const remaining = input.remainingTimeMs ?? (() => 30_000);
  // Only getRemainingTimeInMillis is read from the context (in-progress expiry).
  config.registerLambdaContext({ getRemainingTimeInMillis: remaining } as unknown as Parameters<IdempotencyConfig['registerLambdaContext']>[0]);
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
      unsigned,
    },
  };
  let executed = false;
  const accept = makeIdempotent(
    async (_request: { key: string; bodySha256: string }) => {
      executed = true;
      const receivedAt = now().toISOString();
      await deps.queue.enqueue({ push, receivedAt });
      // Audited inside the idempotent section: if this write fails the dedupe record is
      // removed, the sender gets a 500 and its retry re-enqueues (the worker acts at most once
      // per delivery and app), so no accepted delivery goes unrecorded.
      await deps.auditStore.append({ ...base, kind: 'webhook.received', outcome: 'success', message: `queued ${push.ref}`, ts: receivedAt });
      return { receivedAt };
    },
    { persistenceStore: deps.idempotency, config, keyPrefix: 'webhook' },
  );
  let stored: { receivedAt?: string } | undefined;
  let inProgress = false;
  try {
    stored = (await accept({ key: `${push.provider}:${push.deliveryId}`, bodySha256 })) as { receivedAt?: string } | undefined;
  } catch (error) {
    if (error instanceof IdempotencyValidationError) throw new DeliveryConflictError(push.deliveryId);
    if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
    inProgress = true;
  }
  if (executed && !inProgress) {
    deps.log?.info?.('webhook queued', { provider: push.provider, deliveryId: push.deliveryId, ref: push.ref, revision: push.revision });
    return { status: 'queued', provider: push.provider, deliveryId: push.deliveryId, push };
  }
  await deps.auditStore.append({
    ...base,
    kind: 'webhook.duplicate',
    outcome: 'skipped',
    message: inProgress ? 'duplicate delivery (first one still in progress)' : 'duplicate delivery',
    details: { ...base.details, firstReceivedAt: stored?.receivedAt ?? null },
    ts: now().toISOString(),
  });
  deps.log?.info?.('webhook duplicate', { provider: push.provider, deliveryId: push.deliveryId });
  return {
    status: 'duplicate',
    provider: push.provider,
    deliveryId: push.deliveryId,
    inProgress,
    ...(stored?.receivedAt ? { firstReceivedAt: stored.receivedAt } : {}),
  };
}

