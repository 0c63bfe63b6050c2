/**
 * Which configured webhook secrets verify a provider's deliveries, and the settings that
 * configure them (named in the refusal when none is set).
 */
import { secretRefsOf, WEBHOOK_SECRET_ENV } from '../config/index';
import type { WebhookSecrets } from '../config/types';
import type { ProviderName } from '../providers/types';
import { SecretNotFoundError } from '../secrets/errors';
import type { SecretsProvider } from '../secrets/types';
import type { ReceivePushLogger } from './types';

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

/**
 * The values a delivery from `provider` may be verified with: one per configured secret
 * (several while one is rotated), `username:password` pairs for Azure DevOps. A secret that
 * cannot be found is logged and left out; null when none is left (or none is configured).
 */
export async function resolveSecret(
  provider: ProviderName,
  configured: WebhookSecrets,
  secrets: SecretsProvider,
  log: ReceivePushLogger,
): Promise<string[] | null> {
  const perKey = SECRET_KEYS[provider].map((k) => secretRefsOf(configured[k]));
  if (perKey.some((refs) => refs.length === 0)) return null;
  const found = await Promise.all(
    perKey.map(async (refs) => {
      const values = await Promise.all(
        refs.map((ref) =>
          secrets.get(ref).catch((error: unknown) => {
            if (!(error instanceof SecretNotFoundError)) throw error;
            log.error?.('webhook secret is configured but cannot be found', { provider, reason: error.message });
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
