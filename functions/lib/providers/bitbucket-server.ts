/**
 * Bitbucket Server / Data Center: `X-Event-Key` (`repo:refs_changed`, `diagnostics:ping`),
 * `X-Hub-Signature` (`sha256=` + hex HMAC-SHA256 of the raw body), `X-Request-Id`. The
 * payload lists neither changed files nor the default branch: `changedFiles` is `null` and
 * `touchedHead` is true for branch pushes (ArgoCD does the same).
 */
import { MalformedPayloadError } from './errors';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { arr, isObject, obj, parseObject, str } from './json-fields';
import { buildPushEvent, ignored, urls } from './push-event';
import { checkRef, checkSha, optionalSha, refKind } from './refs';
import { printable } from './safe-text';
import { assertVerifyArgs, verifyHmacSha256Hex } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'bitbucket-server' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-request-id'];

/** True when `X-Event-Key` is present without Bitbucket Cloud's `X-Hook-UUID`. */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-event-key') !== undefined && header(headers, 'x-hook-uuid') === undefined;
}

/** Checks `X-Hub-Signature: sha256=<hex>` against the raw body. */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  return verifyHmacSha256Hex(secrets, rawBody, header(headers, 'x-hub-signature'), 'sha256=');
}

/**
 * Parses a verified Bitbucket Server delivery: `repo:refs_changed` becomes a `PushEvent`
 * for its first change (as ArgoCD does), `diagnostics:ping` and other keys are ignored.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-event-key') ?? '').trim();
  if (event === 'diagnostics:ping') return ignored('ping', deliveryId);
  if (event !== 'repo:refs_changed') return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  const body = parseObject(bodyText(rawBody));
  const change = arr(body, 'changes')?.[0];
  if (!isObject(change)) throw new MalformedPayloadError('changes is missing or empty');
  const ref = checkRef(str(change, 'refId') ?? str(obj(change, 'ref'), 'id'), 'changes[0].refId');
  const kind = refKind(ref);
  if (kind === 'other') return ignored(`ref "${printable(ref)}" is neither a branch nor a tag`, deliveryId);
  const revision = checkSha(change.toHash, 'changes[0].toHash');
  const deleted = revision === '' || str(change, 'type') === 'DELETE';
  const repo = obj(body, 'repository');
  if (!repo) throw new MalformedPayloadError('repository is missing');
  const clone = arr(obj(repo, 'links'), 'clone') ?? [];
  const repoUrls = urls(...clone.map((l) => (isObject(l) ? l.href : undefined)));
  if (repoUrls.length === 0) throw new MalformedPayloadError('repository has no clone URL');
  const actor = obj(body, 'actor');
  const pusher = str(actor, 'slug') ?? str(actor, 'name') ?? str(actor, 'displayName') ?? 'unknown';
  return buildPushEvent({
    provider: name,
    deliveryId,
    repoUrls,
    revision,
    before: optionalSha(change.fromHash),
    ref,
    deleted,
    // The payload does not name the default branch; every branch push counts as touching it, as in ArgoCD.
    defaultBranch: undefined,
    changedFiles: null,
    pusher,
    commits: deleted ? [] : [{ id: revision }],
  });
}
