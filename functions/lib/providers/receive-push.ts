/**
 * Receiving one webhook delivery, transport-free: size limit -> detect -> secret lookup ->
 * verify (raw body) -> parse -> dedupe (Powertools Idempotency) -> enqueue. Every delivery,
 * accepted or refused, leaves one audit record. `functions/webhook/handler.ts` turns the
 * result or the thrown error into an HTTP response.
 */
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { AuditStore } from '../audit/audit-store';
import type { AuditInput } from '../audit/types';
import { secretRefsOf, WEBHOOK_SECRET_ENV } from '../config/index';
import type { WebhookConfig, WebhookSecrets } from '../config/types';
import type { PushQueue } from '../queue/types';
import { SecretNotFoundError } from '../secrets/errors';
import type { SecretsProvider } from '../secrets/types';
import {
  DeliveryConflictError,
  MissingSecretError,
  PayloadTooLargeError,
  ProviderError,
  SignatureMismatchError,
  UnknownProviderError,
} from './errors';
import * as azureDevOps from './azure-devops';
import * as bitbucketCloud from './bitbucket-cloud';
import * as bitbucketServer from './bitbucket-server';
import * as gitea from './gitea';
import * as github from './github';
import * as gitlab from './gitlab';
import * as gogs from './gogs';
import { deliveryIdFrom, PREFIX } from './internal';
import type { Headers, Provider, ProviderName, PushEvent, RawBody } from './types';

// Same order as PROVIDERS in index.ts (kept here too so index.ts can re-export this file).
const PROVIDERS: readonly Provider[] = [gitea, gogs, github, gitlab, bitbucketCloud, bitbucketServer, azureDevOps];

/** Which `webhook.secrets` keys each provider needs (Gitea shares Gogs' secret, as in ArgoCD). */
const SECRET_KEYS: Record<ProviderName, Array<keyof WebhookSecrets>> = {
  github: ['github'],
  gitlab: ['gitlab'],
  'bitbucket-cloud': ['bitbucketCloud'],
  'bitbucket-server': ['bitbucketServer'],
  gitea: ['gogs'],
  gogs: ['gogs'],
  'azure-devops': ['azureDevOpsUsername', 'azureDevOpsPassword'],
};

/** Header carrying each provider's delivery id (Azure DevOps puts it in the body). */
const DELIVERY_HEADER: Partial<Record<ProviderName, string>> = {
  github: 'x-github-delivery',
  gitlab: 'x-gitlab-event-uuid',
  'bitbucket-cloud': 'x-request-uuid',
  'bitbucket-server': 'x-request-id',
  gitea: 'x-gitea-delivery',
  gogs: 'x-gogs-delivery',
};

/**
 * The environment variables that configure a provider's secret, e.g.
 * `secretSettings('gitea')` → `['GOGS_WEBHOOK_SECRET']`.
 */
export function secretSettings(provider: ProviderName): string[] {
  const keys = SECRET_KEYS[provider];
  return Object.entries(WEBHOOK_SECRET_ENV)
    .filter(([, key]) => keys.includes(key))
    .map(([variable]) => variable);
}

/** One delivery as the transport received it. */
export interface ReceivePushInput {
  /** The body exactly as received: a string, or base64 text when `isBase64`. */
  rawBody: string;
  /** Request headers; names are lower-cased here whatever the caller passed. */
  headers: Record<string, string | undefined>;
  /** The body is base64 (API Gateway's `isBase64Encoded`). @default false */
  isBase64?: boolean;
  /**
   * Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`), so a
   * crashed invocation's in-progress dedupe record expires with it.
   * @default () => 30000
   */
  remainingTimeMs?: () => number;
}

/** A partial logger; missing methods are no-ops (the Powertools logger fits). */
export interface ReceivePushLogger {
  debug?(message: string, extra?: Record<string, unknown>): void;
  info?(message: string, extra?: Record<string, unknown>): void;
  warn?(message: string, extra?: Record<string, unknown>): void;
  error?(message: string, extra?: Record<string, unknown>): void;
}

/** What `receivePush` needs, built once per cold start by the handler (or by tests / the local stack). */
export interface ReceivePushDeps {
  /** The webhook part of the validated configuration. */
  config: { webhook: WebhookConfig };
  /** Resolves `config.webhook.secrets` references. */
  secrets: SecretsProvider;
  /** Where accepted pushes go. */
  queue: PushQueue;
  /** Where every decision is recorded. */
  auditStore: AuditStore;
  /** Powertools Idempotency persistence (DynamoDB on the idempotency table when deployed). */
  idempotency: BasePersistenceLayer;
  /** @default no-op */
  log?: ReceivePushLogger;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** Result of a delivery that was not refused. */
export type ReceivePushResult =
  | { status: 'queued'; provider: ProviderName; deliveryId: string; push: PushEvent }
  | {
      status: 'duplicate';
      provider: ProviderName;
      deliveryId: string;
      /** True when the first delivery is still being processed. */
      inProgress: boolean;
      /** When the first delivery was accepted, if known. */
      firstReceivedAt?: string;
    }
  | { status: 'ignored'; provider: ProviderName; deliveryId: string; reason: string };

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

function lowerCase(headers: Record<string, string | undefined> | null | undefined): Headers {
  const out: Headers = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function decode(input: ReceivePushInput, max: number): Buffer | string {
  if (!input.isBase64) {
    // UTF-8 takes at least one byte per UTF-16 unit, so the length alone can refuse without encoding.
    if (input.rawBody.length > max || Buffer.byteLength(input.rawBody, 'utf8') > max) throw new PayloadTooLargeError(max);
    return input.rawBody;
  }
  // base64 decodes to 3/4 of its length: refuse before allocating.
  if (Math.floor((input.rawBody.length * 3) / 4) - 2 > max) throw new PayloadTooLargeError(max);
  const bytes = Buffer.from(input.rawBody, 'base64');
  if (bytes.length > max) throw new PayloadTooLargeError(max);
  return bytes;
}

/**
 * The values a delivery from `provider` may be verified with: one per configured secret
 * (several while one is rotated), `username:password` pairs for Azure DevOps. A secret that
 * cannot be found is logged and left out; null when none is left (or none is configured).
 */
async function resolveSecret(provider: ProviderName, deps: ReceivePushDeps): Promise<string[] | null> {
  const perKey = SECRET_KEYS[provider].map((k) => secretRefsOf(deps.config.webhook.secrets[k]));
  if (perKey.some((refs) => refs.length === 0)) return null;
  const found = await Promise.all(
    perKey.map(async (refs) => {
      const values = await Promise.all(
        refs.map((ref) =>
          deps.secrets.get(ref).catch((error: unknown) => {
            if (!(error instanceof SecretNotFoundError)) throw error;
            deps.log?.error?.('webhook secret is configured but cannot be found', { provider, reason: error.message });
            return undefined;
          }),
        ),
      );
      return values.filter((value): value is string => value !== undefined);
    }),
  );
  if (found.some((values) => values.length === 0)) return null;
  // Azure DevOps basic auth: the provider compares "username:password", so every pairing.
  const combinations = found.reduce<string[][]>((acc, values) => acc.flatMap((parts) => values.map((value) => [...parts, value])), [[]]);
  return combinations.map((parts) => parts.join(':'));
}

async function receive(input: ReceivePushInput, deps: ReceivePushDeps, attempt: Attempt, now: () => Date): Promise<ReceivePushResult> {
  const headers = lowerCase(input.headers);
  const provider = PROVIDERS.find((p) => p.detect(headers));
  if (provider) attempt.provider = provider.name;
  const max = deps.config.webhook.maxBodyBytes;
  const body: RawBody = decode(input, max);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  attempt.bodyBytes = bytes.length;
  attempt.bodySha256 = createHash('sha256').update(bytes).digest('hex');
  if (!provider) throw new UnknownProviderError();
  const header = DELIVERY_HEADER[provider.name];
  // Unverified, but useful to correlate a refusal with the provider's delivery log.
  attempt.deliveryId = deliveryIdFrom(header ? headers[header] : undefined, bytes);

  const secret = await resolveSecret(provider.name, deps);
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
    const name = error instanceof Error ? error.name : '';
    if (name === 'IdempotencyValidationError') throw new DeliveryConflictError(push.deliveryId);
    if (name !== 'IdempotencyAlreadyInProgressError') throw error;
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

