export type { SecretsProvider, SecretRef } from './types';
export { SecretsError, SecretNotFoundError } from './errors';
export { EnvSecretsProvider } from './env-secrets-provider';
export { SecretsManagerProvider, type SecretsManagerProviderOptions } from './secrets-manager-provider';
export { describeRef } from './describe-ref';
