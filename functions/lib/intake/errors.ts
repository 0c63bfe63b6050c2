/**
 * Errors of the intake module (the providers' own errors cover signature, size and payload).
 * They know nothing about HTTP: `functions/webhook/responses.ts` maps each to a status.
 * Messages are one line, safe to show to the sender: never a secret or the payload.
 */
import { ProviderError } from '../providers/errors';

/**
 * A webhook secret is configured but could not be loaded (Secrets Manager error, deleted
 * secret, missing variable). The delivery is refused with 503 so the provider retries; it is
 * never accepted unsigned, whatever `allowUnsigned` says.
 */
export class SecretUnavailableError extends ProviderError {
  constructor(provider: string, options?: ErrorOptions) {
    super(`the webhook secret for ${provider} is configured but cannot be loaded; retry later`, options);
    this.name = 'SecretUnavailableError';
  }
}

/** The delivery was verified by a secret whose `repositories` list does not include the payload's repository. */
export class RepositoryNotAllowedError extends ProviderError {
  constructor(options?: ErrorOptions) {
    super('the secret that signed this delivery does not cover its repository', options);
    this.name = 'RepositoryNotAllowedError';
  }
}
