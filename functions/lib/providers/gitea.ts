/**
 * Gitea (and Forgejo, which sends Gitea's headers too): `X-Gitea-Event`,
 * `X-Gitea-Signature` (hex HMAC-SHA256 of the raw body, no prefix), `X-Gitea-Delivery`.
 * Gitea also sends the Gogs and GitHub headers with the same values, so it is detected first.
 * Its secret is `GOGS_WEBHOOK_SECRET`, as in ArgoCD.
 */
import { parseGitHubStylePush } from './github-style';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { parseObject } from './json-fields';
import { ignored } from './push-event';
import { printable } from './safe-text';
import { assertVerifyArgs, verifyHmacSha256Hex } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'gitea' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-gitea-delivery', 'x-gogs-delivery'];

/** True when `X-Gitea-Event` is present. */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-gitea-event') !== undefined;
}

/** Checks `X-Gitea-Signature` (or, failing that, the identical `X-Gogs-Signature`). */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  return verifyHmacSha256Hex(secrets, rawBody, header(headers, 'x-gitea-signature') ?? header(headers, 'x-gogs-signature'));
}

/**
 * Parses a verified Gitea delivery: `push` becomes a `PushEvent` (Gitea's `total_commits`
 * tells when it truncated the commit list); other events (`create`, `delete`, issues…) are ignored.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-gitea-event') ?? '').trim();
  if (event !== 'push') return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  return parseGitHubStylePush(name, parseObject(bodyText(rawBody)), deliveryId);
}
