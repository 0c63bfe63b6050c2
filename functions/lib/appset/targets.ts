/**
 * Which instances' ApplicationSet webhooks a push goes to, and which of the provider's headers
 * go with it. Shared by the webhook function (what to carry in the queue message) and the sync
 * worker (where to send it); light on purpose, the webhook bundles it.
 */
import type { ApplicationSetWebhookConfig, InstanceConfig } from '../config/types';
import { repositoryAllowed } from '../intake/repository-scope';
import type { AppSetProvider } from './types';

/** The `applicationSetWebhook.secrets` keys each provider needs (all of them). */
export const APPSET_SECRET_KEYS: Record<AppSetProvider, Array<keyof ApplicationSetWebhookConfig['secrets']>> = {
  github: ['github'],
  gitlab: ['gitlab'],
  'azure-devops': ['azureDevOpsUsername', 'azureDevOpsPassword'],
};

/**
 * The provider's own headers that are forwarded (lower-case), as ArgoCD's handler and its
 * webhooks library read them or as operators find deliveries by. Everything else is left out,
 * above all the signature (`X-Hub-Signature`, `X-Hub-Signature-256`), the token (`X-Gitlab-Token`)
 * and `Authorization`: the forward is signed anew with the controller's own secret.
 */
export const FORWARDED_HEADERS: Record<AppSetProvider, readonly string[]> = {
  github: [
    'content-type',
    'user-agent',
    'x-github-event',
    'x-github-delivery',
    'x-github-hook-id',
    'x-github-hook-installation-target-id',
    'x-github-hook-installation-target-type',
  ],
  gitlab: ['content-type', 'user-agent', 'x-gitlab-event', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid', 'x-gitlab-instance', 'idempotency-key'],
  'azure-devops': ['content-type', 'user-agent', 'x-vss-activityid', 'x-vss-subscriptionid'],
};

/** The provider (a `ProviderName`) as ArgoCD's ApplicationSet webhook knows it, or undefined (Bitbucket, Gitea, Gogs: it answers 400). */
export function appsetProvider(provider: string): AppSetProvider | undefined {
  return provider === 'github' || provider === 'gitlab' || provider === 'azure-devops' ? provider : undefined;
}

/** An instance whose ApplicationSet webhook a push goes to. */
export type AppSetTarget = InstanceConfig & { applicationSetWebhook: ApplicationSetWebhookConfig };

/**
 * The instances whose ApplicationSet webhook takes this push: a secret for its provider is
 * configured there, and the push's repository is in the webhook's `repositories` (if given).
 * @example appsetTargets(config.instances, 'github', ['https://github.com/acme/app'])
 */
export function appsetTargets(instances: readonly InstanceConfig[], provider: string, repoUrls: readonly string[]): AppSetTarget[] {
  const p = appsetProvider(provider);
  if (!p) return [];
  return instances.filter(
    (i): i is AppSetTarget =>
      !!i.applicationSetWebhook &&
      APPSET_SECRET_KEYS[p].every((k) => i.applicationSetWebhook!.secrets[k] !== undefined) &&
      repositoryAllowed([i.applicationSetWebhook.repositories], repoUrls),
  );
}
