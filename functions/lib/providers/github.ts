/**
 * GitHub (and GitHub Enterprise Server): `X-GitHub-Event`, `X-Hub-Signature-256`
 * (`sha256=` + hex HMAC-SHA256 of the raw body), `X-GitHub-Delivery`. Bodies come as JSON
 * or, when the hook's content type is `application/x-www-form-urlencoded`, as a form whose
 * `payload` field holds the JSON; the signature is over the form body as sent.
 */
import { MalformedPayloadError } from './errors';
import { parseGitHubStylePush } from './github-style';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { type Json, parseObject } from './json-fields';
import { ignored } from './push-event';
import { printable } from './safe-text';
import { assertVerifyArgs, verifyHmacSha256Hex } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'github' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-github-delivery'];

/**
 * True for GitHub requests. Gitea also sends `X-GitHub-Event`, so a request carrying
 * `X-Gitea-Event` or `X-Gogs-Event` is not GitHub's.
 */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-github-event') !== undefined && header(headers, 'x-gitea-event') === undefined && header(headers, 'x-gogs-event') === undefined;
}

/**
 * Checks `X-Hub-Signature-256` against the raw body (the legacy SHA-1 `X-Hub-Signature`
 * is not accepted).
 * @param secret the webhook secret, or several during rotation
 */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  return verifyHmacSha256Hex(secrets, rawBody, header(headers, 'x-hub-signature-256'), 'sha256=');
}

/** The JSON of a GitHub body, JSON or form-encoded. */
function readBody(text: string, headers: Headers): Json {
  const type = (header(headers, 'content-type') ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded') || (!type.includes('json') && text.startsWith('payload='))) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new MalformedPayloadError('form body has no payload field');
    return parseObject(payload);
  }
  return parseObject(text);
}

/**
 * Parses a verified GitHub delivery: `push` (branch, tag, deletion) becomes a `PushEvent`;
 * `ping`, package events (ghcr) and every other event are ignored with the reason.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-github-event') ?? '').trim();
  if (event === 'ping') return ignored('ping', deliveryId);
  if (event !== 'push') return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  return parseGitHubStylePush(name, readBody(bodyText(rawBody), headers), deliveryId);
}
