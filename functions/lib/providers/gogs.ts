/**
 * Gogs: `X-Gogs-Event`, `X-Gogs-Signature` (hex HMAC-SHA256 of the raw body),
 * `X-Gogs-Delivery`. Secret: `GOGS_WEBHOOK_SECRET`.
 */
import { parseGitHubStylePush } from './github-style';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { parseObject } from './json-fields';
import { ignored } from './push-event';
import { printable } from './safe-text';
import { assertVerifyArgs, verifyHmacSha256Hex } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'gogs' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-gogs-delivery'];

/** True when `X-Gogs-Event` is present and `X-Gitea-Event` is not (Gitea sends both). */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-gogs-event') !== undefined && header(headers, 'x-gitea-event') === undefined;
}

/** Checks `X-Gogs-Signature` against the raw body. */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  return verifyHmacSha256Hex(secrets, rawBody, header(headers, 'x-gogs-signature'));
}

/**
 * Parses a verified Gogs delivery: `push` becomes a `PushEvent`; other events are ignored.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-gogs-event') ?? '').trim();
  if (event !== 'push') return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  return parseGitHubStylePush(name, parseObject(bodyText(rawBody)), deliveryId);
}
