/**
 * Errors of the providers module. They know nothing about HTTP: `functions/webhook/responses.ts`
 * maps each to a status. Messages are one line, safe to show to the sender: they never
 * contain a secret, a signature or the payload.
 */

/** Prefix of every misuse `TypeError` of this module. */
export const PREFIX = '[gitops-sentinel/providers]';

/** Base error of the providers module. */
export class ProviderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

/** The signature, token, hook UUID or basic-auth credentials did not match (or were absent). */
export class SignatureMismatchError extends ProviderError {
  constructor(message = 'signature does not match', options?: ErrorOptions) {
    super(message, options);
    this.name = 'SignatureMismatchError';
  }
}

/** The body is not what the provider sends: not JSON, wrong shape, invalid ref or sha. */
export class MalformedPayloadError extends ProviderError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedPayloadError';
  }
}

/** The body is larger than `webhook.maxBodyBytes`. */
export class PayloadTooLargeError extends ProviderError {
  /** The configured limit, in bytes. */
  readonly limit: number;

  constructor(limit: number, options?: ErrorOptions) {
    super(`body is larger than the limit of ${limit} bytes`, options);
    this.name = 'PayloadTooLargeError';
    this.limit = limit;
  }
}

/** No provider recognises the request headers. */
export class UnknownProviderError extends ProviderError {
  constructor(
    message = 'no known Git provider headers (X-GitHub-Event, X-Gitlab-Event, X-Hook-UUID, X-Event-Key, X-Gitea-Event, X-Gogs-Event, X-Vss-Activityid)',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnknownProviderError';
  }
}

/**
 * The provider that sent the request has no secret configured (or the referenced secret
 * does not exist). The message names the setting to fill, never a value.
 */
export class MissingSecretError extends ProviderError {
  /** Setting names, e.g. `['GITHUB_WEBHOOK_SECRET']`. */
  readonly settings: string[];

  constructor(provider: string, settings: string[], options?: ErrorOptions) {
    super(`no webhook secret configured for ${provider}: set ${settings.join(' and ')} (or SENTINEL_ALLOW_UNSIGNED=true)`, options);
    this.name = 'MissingSecretError';
    this.settings = settings;
  }
}

/**
 * The same delivery id arrived again with a different body: a replay or a forgery.
 * Refused and audited; never enqueued.
 */
export class DeliveryConflictError extends ProviderError {
  /** The delivery id that was reused. */
  readonly deliveryId: string;

  constructor(deliveryId: string, options?: ErrorOptions) {
    super(`delivery ${deliveryId} was already received with a different body`, options);
    this.name = 'DeliveryConflictError';
    this.deliveryId = deliveryId;
  }
}
