/**
 * The status API of each provider, and which of them are on: a provider gets statuses when
 * `gitApis.<key>` has a token (and, for self-hosted-only products, an `apiUrl`) and
 * `commitStatus.enabled` is not false.
 */
import type { SentinelConfig } from '../config/types';
import { azureDevOps } from './azure-devops';
import { bitbucketCloud } from './bitbucket-cloud';
import { bitbucketServer } from './bitbucket-server';
import { gitea } from './gitea';
import { github } from './github';
import { gitlab } from './gitlab';
import type { StatusApi, StatusApiKey } from './types';

/** Every status API by its `gitApis` key. */
export const STATUS_APIS: Record<StatusApiKey, StatusApi> = { github, gitlab, bitbucketCloud, bitbucketServer, gitea, azureDevOps };

/** Webhook provider name (`PushEvent.provider`) to status API. Gogs has none. */
const BY_PROVIDER: Record<string, StatusApiKey> = {
  github: 'github',
  gitlab: 'gitlab',
  'bitbucket-cloud': 'bitbucketCloud',
  'bitbucket-server': 'bitbucketServer',
  gitea: 'gitea',
  'azure-devops': 'azureDevOps',
};

/** The status API key of a push's provider, if it has one. */
export function statusApiKeyOf(provider: string | undefined): StatusApiKey | undefined {
  return provider && Object.hasOwn(BY_PROVIDER, provider) ? BY_PROVIDER[provider] : undefined;
}

/** Whether and where one provider gets statuses. */
export interface StatusApiPlan {
  key: StatusApiKey;
  /** Base URL without a trailing slash (when on). */
  base?: string;
  on: boolean;
  /** Why not (when off). */
  reason?: string;
}

/** The plan for every provider, from the configuration. */
export function commitStatusPlan(config: Pick<SentinelConfig, 'gitApis' | 'commitStatus'>): StatusApiPlan[] {
  return (Object.keys(STATUS_APIS) as StatusApiKey[]).map((key) => {
    const api = config.gitApis?.[key];
    const base = (api?.apiUrl ?? STATUS_APIS[key].defaultUrl)?.replace(/\/+$/, '');
    if (!config.commitStatus.enabled) return { key, on: false, reason: 'commitStatus.enabled is false' };
    if (!api?.token) return { key, on: false, reason: `no gitApis.${key}.token` };
    if (!base) return { key, on: false, reason: `no gitApis.${key}.apiUrl (self-hosted only)` };
    return { key, base, on: true };
  });
}

/**
 * The configuration check's one line on commit statuses, e.g.
 * `commit statuses: github (https://api.github.com); none for gitlab, ... (no gitApis.<provider>.token)`.
 * Printed once at start (local banner), at synth, and once per cold start of the deploy tracker.
 */
export function commitStatusSummary(config: Pick<SentinelConfig, 'gitApis' | 'commitStatus'>): string {
  if (!config.commitStatus.enabled) return 'commit statuses: off (commitStatus.enabled is false)';
  const plan = commitStatusPlan(config);
  const on = plan.filter((p) => p.on).map((p) => `${p.key} (${p.base})`);
  const off = plan.filter((p) => !p.on);
  const noToken = off.filter((p) => p.reason?.includes('token')).map((p) => p.key);
  const noUrl = off.filter((p) => !p.reason?.includes('token')).map((p) => p.key);
  const parts = [on.length ? on.join(', ') : 'none'];
  if (noToken.length) parts.push(`none for ${noToken.join(', ')} (no gitApis.<provider>.token)`);
  if (noUrl.length) parts.push(`none for ${noUrl.join(', ')} (token but no gitApis.<provider>.apiUrl)`);
  return `commit statuses: ${parts.join('; ')}`;
}
