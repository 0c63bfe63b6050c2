import { GetSecretValueCommand, SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from '../config/types';
import { describeRef } from './describe-ref';
import { SecretNotFoundError, SecretsError } from './errors';
import { EnvSecretsProvider } from './env-secrets-provider';
import type { SecretsProvider } from './types';

/** Options of `SecretsManagerProvider`. Pass either `client` or `clientConfig`. */
export type SecretsManagerProviderOptions = {
  /**
   * How long a fetched value is served from memory, in ms.
   * @default 300000 (5 minutes)
   */
  ttlMs?: number;
  /** Environment for `{env}` references. @default process.env */
  env?: Record<string, string | undefined>;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
} & ({ client: SecretsManagerClient; clientConfig?: never } | { clientConfig?: SecretsManagerClientConfig; client?: never });

interface CacheEntry {
  value: Promise<string>;
  expiresAt: number;
}

/**
 * AWS Secrets Manager provider with an in-memory cache per secret id and TTL.
 * Concurrent callers share one in-flight fetch. `refresh` forces a fetch, which the
 * ArgoCD client does once after a 401 (a rotated token). `{env}` references are
 * resolved from the environment.
 */
export class SecretsManagerProvider implements SecretsProvider {
  readonly #client: SecretsManagerClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #env: EnvSecretsProvider;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: SecretsManagerProviderOptions = {}) {
    this.#client = options.client ?? new SecretsManagerClient(options.clientConfig ?? {});
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#env = new EnvSecretsProvider(options.env ?? process.env);
  }

  async get(ref: SecretRef): Promise<string> {
    if (ref.env !== undefined) return this.#env.get(ref);
    const cached = this.#cache.get(ref.secretId);
    const raw = cached && cached.expiresAt > this.#now() ? cached.value : this.#fetch(ref.secretId);
    return pick(await raw, ref);
  }

  async refresh(ref: SecretRef): Promise<string> {
    if (ref.env !== undefined) return this.#env.refresh(ref);
    this.#cache.delete(ref.secretId);
    return this.get(ref);
  }

  #fetch(secretId: string): Promise<string> {
    const value = this.#client.send(new GetSecretValueCommand({ SecretId: secretId })).then(
      (out) => {
        const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
        if (!text) throw new SecretNotFoundError(`secret ${secretId} is empty`);
        return text;
      },
      (error: unknown) => {
        // The SDK error names the secret and the AWS reason, never a value; keep only those.
        const reason = error instanceof Error ? error.name : 'UnknownError';
        const Err = reason === 'ResourceNotFoundException' ? SecretNotFoundError : SecretsError;
        throw new Err(`cannot read secret ${secretId}: ${reason}`);
      },
    );
    this.#cache.set(secretId, { value, expiresAt: this.#now() + this.#ttlMs });
    value.catch(() => this.#cache.delete(secretId));
    return value;
  }
}

function pick(text: string, ref: SecretRef): string {
  if (!ref.jsonKey) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretNotFoundError(`${describeRef(ref)}: the secret is not JSON`);
  }
  const value = (parsed as Record<string, unknown>)?.[ref.jsonKey];
  if (typeof value !== 'string' || !value) throw new SecretNotFoundError(`${describeRef(ref)}: no such key`);
  return value;
}
