/**
 * Bitbucket Cloud: a hook with a secret signs the raw body (`X-Hub-Signature: sha256=<hex>`,
 * HMAC-SHA256); a hook without one is recognised by `X-Hook-UUID` compared with the configured
 * hook UUID, as ArgoCD does. `X-Event-Key` (`repo:push`), `X-Request-UUID` as the delivery id.
 * The payload lists no changed files, so `changedFiles` is always `null`.
 */
import { MalformedPayloadError } from './errors';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { arr, isObject, obj, parseObject, str } from './json-fields';
import { buildPushEvent, collectCommits, type CommitReader, ignored, urls } from './push-event';
import { branchName, checkRef, checkSha, optionalSha } from './refs';
import { printable } from './safe-text';
import { assertVerifyArgs, tokenMatches, verifyHmacSha256Hex } from './signatures';
import type { Headers, ParseResult, RawBody, VerifyOptions } from './types';

/** Provider name. */
export const name = 'bitbucket-cloud' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-request-uuid'];

/** True when `X-Hook-UUID` is present (Bitbucket Cloud also sends `X-Event-Key`, so this wins over Bitbucket Server). */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-hook-uuid') !== undefined;
}

/** `{6f...}` and `6F...` are the same UUID. */
function normalizeUuid(value: string): string {
  return value
    .trim()
    .replace(/^\{|\}$/g, '')
    .toLowerCase();
}

/**
 * A signed delivery (`X-Hub-Signature`) must carry the HMAC-SHA256 of the raw body under the
 * configured secret; an unsigned one must carry the configured hook UUID in `X-Hook-UUID`
 * (braces and letter case ignored). The setting holds either, or both during a change.
 */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers, options: VerifyOptions = {}): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  const signature = header(headers, 'x-hub-signature');
  if (signature !== undefined) return verifyHmacSha256Hex(secrets, rawBody, signature, 'sha256=');
  // A hook with a secret always signs: an unsigned request claiming it is refused, UUID or not.
  if (options.signatureRequired) return false;
  const given = header(headers, 'x-hook-uuid');
  return tokenMatches(secrets.map(normalizeUuid), given === undefined ? undefined : normalizeUuid(given));
}

const commitReader: CommitReader = {
  id: (c) => c.hash,
  message: (c) => c.message,
  author: (c) => str(obj(obj(c, 'author'), 'user'), 'nickname') ?? str(obj(obj(c, 'author'), 'user'), 'display_name') ?? str(obj(c, 'author'), 'raw'),
  timestamp: (c) => c.date,
};

/**
 * Parses a verified Bitbucket Cloud delivery: `repo:push` becomes a `PushEvent` for its
 * first change (as ArgoCD does); other event keys are ignored.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-event-key') ?? '').trim();
  if (event !== 'repo:push') return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  const body = parseObject(bodyText(rawBody));
  const change = arr(obj(body, 'push'), 'changes')?.[0];
  if (!isObject(change)) throw new MalformedPayloadError('push.changes is missing or empty');
  const next = obj(change, 'new');
  const prev = obj(change, 'old');
  const side = next ?? prev;
  if (!side) throw new MalformedPayloadError('push.changes[0] has neither new nor old');
  const type = str(side, 'type');
  if (type !== 'branch' && type !== 'tag') return ignored(`ref type "${printable(type ?? '(none)', 40)}" is neither a branch nor a tag`, deliveryId);
  const refName = str(side, 'name');
  if (!refName) throw new MalformedPayloadError('push.changes[0] has no ref name');
  const ref = checkRef(`refs/${type === 'tag' ? 'tags' : 'heads'}/${refName}`, 'ref name');
  const deleted = next === undefined;
  const revision = deleted ? '' : checkSha(str(obj(next, 'target'), 'hash'), 'new.target.hash');
  const repo = obj(body, 'repository');
  if (!repo) throw new MalformedPayloadError('repository is missing');
  const fullName = str(repo, 'full_name');
  const repoUrls = urls(
    str(obj(obj(repo, 'links'), 'html'), 'href'),
    fullName && /^[\w.-]+\/[\w.-]+$/.test(fullName) ? `https://bitbucket.org/${fullName}` : undefined,
  );
  if (repoUrls.length === 0) throw new MalformedPayloadError('repository has no URL');
  const defaultBranch = branchName(str(obj(repo, 'mainbranch'), 'name'));
  const { commits } = collectCommits(deleted ? [] : change.commits, commitReader);
  const actor = obj(body, 'actor');
  const pusher = str(actor, 'nickname') ?? str(actor, 'display_name') ?? str(actor, 'username') ?? 'unknown';
  return buildPushEvent({
    provider: name,
    deliveryId,
    repoUrls,
    revision,
    before: optionalSha(str(obj(prev, 'target'), 'hash')),
    ref,
    deleted,
    defaultBranch,
    changedFiles: null,
    pusher,
    commits,
  });
}
