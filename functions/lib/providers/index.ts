/**
 * The providers module's public face: one module per Git provider (`detect`, `verify`,
 * `parse`), picked by request headers. Verify runs on the raw body before anything is parsed.
 */
import * as azureDevOps from './azure-devops';
import * as bitbucketCloud from './bitbucket-cloud';
import * as bitbucketServer from './bitbucket-server';
import * as gitea from './gitea';
import * as github from './github';
import * as gitlab from './gitlab';
import * as gogs from './gogs';
import { PREFIX } from './errors';
import type { Headers, Provider, ProviderName } from './types';

export type * from './types';
export * from './errors';
export { bodyDeliveryId, deliveryIdFrom, firstHeader } from './body-encoding';
export { MAX_COMMITS, MAX_FILES } from './push-event';
export { hmacSha256Hex } from './signatures';

/**
 * Every provider, in detection order. Order matters: Gitea also sends GitHub's and Gogs'
 * headers, and Bitbucket Cloud also sends Bitbucket Server's `X-Event-Key`.
 */
export const PROVIDERS: readonly Provider[] = [gitea, gogs, github, gitlab, bitbucketCloud, bitbucketServer, azureDevOps];

/**
 * The provider whose headers these are, or `undefined`.
 * @param headers lower-cased header names
 * @example detectProvider({ 'x-github-event': 'push' })?.name // 'github'
 */
export function detectProvider(headers: Headers): Provider | undefined {
  if (headers === null || typeof headers !== 'object') throw new TypeError(`${PREFIX} headers must be an object of lower-cased header names`);
  return PROVIDERS.find((p) => p.detect(headers));
}

/**
 * A provider by name.
 * @throws TypeError for an unknown name
 */
export function getProvider(name: ProviderName): Provider {
  const p = PROVIDERS.find((x) => x.name === name);
  if (!p) throw new TypeError(`${PREFIX} unknown provider "${String(name)}"`);
  return p;
}

export { azureDevOps, bitbucketCloud, bitbucketServer, gitea, github, gitlab, gogs };
