import type { SecretRef } from '../config/types';
import { describeRef } from './describe-ref';
import { SecretNotFoundError } from './errors';
import type { SecretsProvider } from './types';

/**
 * Local-mode provider: `{env}` references read the environment given at construction
 * (read on every call, so a test or operator can rotate a value). `{secretId}` references
 * are refused: locally there is no Secrets Manager.
 */
export class EnvSecretsProvider implements SecretsProvider {
  readonly #env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined> = process.env) {
    this.#env = env;
  }

  async get(ref: SecretRef): Promise<string> {
    if (ref.env === undefined)
      throw new SecretNotFoundError(`${describeRef(ref)} needs AWS Secrets Manager, which local mode does not use; reference an environment variable instead`);
    const value = this.#env[ref.env];
    if (!value) throw new SecretNotFoundError(`${describeRef(ref)} is not set`);
    return value;
  }

  refresh(ref: SecretRef): Promise<string> {
    return this.get(ref);
  }
}
