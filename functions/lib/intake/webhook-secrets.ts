/**
 * Which configured webhook secrets verify a provider's deliveries, which repositories each may
 * sign for, and the settings that configure them (named in the refusal when none is set).
 */
import { secretRefsOf, WEBHOOK_SECRET_ENV } from '../config/index';
import type { SecretRef, WebhookSecretRef, WebhookSecrets } from '../config/types';
import type { ProviderName } from '../providers/types';
import { describeRef } from '../secrets/describe-ref';
import type { SecretsProvider } from '../secrets/types';
import type { PartialLogger } from '../observability/simple-logger';

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
 * Signing keys that replace a provider's token when configured: the request must then be
 * signed (Bitbucket Cloud: a hook with a secret signs with `X-Hub-Signature`; its hook UUID is
 * only for hooks without a secret).
 */
const SIGNING_KEYS: Partial<Record<ProviderName, keyof WebhookSecrets>> = { 'bitbucket-cloud': 'bitbucketCloudSecret' };

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

/** One value a delivery may be verified with, and the repositories it covers. */
export interface SecretCandidate {
  /** The secret, token or `username:password` (Azure DevOps). Never logged. */
  value: string;
  /** One list per secret part; an absent list covers every repository. */
  scopes: Array<readonly string[] | undefined>;
}

/** The secrets of a provider as far as they could be loaded. */
export interface ResolvedSecrets {
  /** False when the provider has no secret configured at all. */
  configured: boolean;
  /** Every usable value (several during rotation or with per-organisation secrets). */
  candidates: SecretCandidate[];
  /** At least one configured secret could not be loaded: a failed verification must then not be final. */
  unavailable: boolean;
  /** The request must be signed (a signing key is configured). */
  signatureRequired: boolean;
}

/** The reference without `repositories`, as the secrets provider takes it. */
function refOnly(ref: WebhookSecretRef): SecretRef {
  return ref.env !== undefined ? { env: ref.env } : { secretId: ref.secretId, ...(ref.jsonKey !== undefined ? { jsonKey: ref.jsonKey } : {}) };
}

/**
 * Loads the values a delivery from `provider` may be verified with. A secret that cannot be
 * loaded (any error: not found, deleted, Secrets Manager down) is logged and marked
 * `unavailable`, never skipped silently: the caller fails closed (503) unless another
 * configured secret verifies the delivery.
 */
export async function resolveSecrets(
  provider: ProviderName,
  configured: WebhookSecrets,
  secrets: SecretsProvider,
  log: PartialLogger,
): Promise<ResolvedSecrets> {
  const signingKey = SIGNING_KEYS[provider];
  const signing = signingKey ? secretRefsOf(configured[signingKey]) : [];
  const keys = signing.length > 0 ? [signingKey!] : SECRET_KEYS[provider];
  const perKey = keys.map((k) => secretRefsOf(configured[k]));
  if (perKey.some((refs) => refs.length === 0)) return { configured: false, candidates: [], unavailable: false, signatureRequired: false };
  let unavailable = false;
  const found = await Promise.all(
    perKey.map(async (refs) => {
      const values = await Promise.all(
        refs.map((ref) =>
          secrets.get(refOnly(ref)).then(
            (value): SecretCandidate => ({ value, scopes: [ref.repositories] }),
            (error: unknown) => {
              unavailable = true;
              // The reference's name (never its value) and the error's class, to find what broke.
              log.error?.('webhook secret is configured but cannot be loaded', {
                provider,
                secret: describeRef(refOnly(ref)),
                error: error instanceof Error ? error.name : 'UnknownError',
              });
              return undefined;
            },
          ),
        ),
      );
      return values.filter((value): value is SecretCandidate => value !== undefined);
    }),
  );
  // Azure DevOps basic auth: the provider compares "username:password", so every pairing,
  // covering the repositories both parts cover.
  const pairings = found.reduce<Array<{ parts: string[]; scopes: SecretCandidate['scopes'] }>>(
    (acc, values) => acc.flatMap((a) => values.map((v) => ({ parts: [...a.parts, v.value], scopes: [...a.scopes, ...v.scopes] }))),
    [{ parts: [], scopes: [] }],
  );
  const candidates = pairings.map((p) => ({ value: p.parts.join(':'), scopes: p.scopes }));
  return { configured: true, candidates, unavailable, signatureRequired: signing.length > 0 };
}
