/**
 * Azure DevOps (service hooks): detected by `X-Vss-Activityid`, authenticated with HTTP
 * basic auth (the service hook's username and password, `AZURE_DEVOPS_USERNAME` /
 * `AZURE_DEVOPS_PASSWORD`), event type `git.push` in the body, delivery id = the body's `id`.
 * The payload lists no changed files, so `changedFiles` is `null`.
 */
import { MalformedPayloadError } from './errors';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, header } from './body-encoding';
import { arr, isObject, obj, parseObject, str } from './json-fields';
import { buildPushEvent, collectCommits, type CommitReader, ignored, urls } from './push-event';
import { branchName, checkRef, checkSha, optionalSha, refKind } from './refs';
import { printable } from './safe-text';
import { assertVerifyArgs, tokenMatches } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'azure-devops' as const;

/** Headers carrying the delivery id, first present wins (it sits in the body: `id`). */
export const deliveryHeaders: readonly string[] = [];

/** True when `X-Vss-Activityid` is present. */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-vss-activityid') !== undefined;
}

/**
 * Compares the `Authorization: Basic …` credentials with the configured ones.
 * @param secret `username:password` (what basic auth encodes), or several during rotation
 */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  const auth = header(headers, 'authorization')?.trim();
  const match = auth === undefined ? null : /^basic\s+([A-Za-z0-9+/=]{1,4096})$/i.exec(auth);
  if (!match) return false;
  return tokenMatches(secrets, Buffer.from(match[1], 'base64').toString('utf8'));
}

const commitReader: CommitReader = {
  id: (c) => c.commitId,
  message: (c) => c.comment,
  author: (c) => str(obj(c, 'author'), 'name'),
  timestamp: (c) => str(obj(c, 'author'), 'date'),
};

/**
 * Parses a verified Azure DevOps delivery: `git.push` becomes a `PushEvent` for its first
 * ref update (as ArgoCD does); other event types are ignored.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const body = parseObject(bodyText(rawBody));
  const deliveryId = deliveryIdFrom(body.id, rawBody);
  const eventType = str(body, 'eventType');
  if (eventType !== 'git.push') return ignored(`event "${printable(eventType ?? '(none)', 40)}" is not a push`, deliveryId);
  const resource = obj(body, 'resource');
  if (!resource) throw new MalformedPayloadError('resource is missing');
  const update = arr(resource, 'refUpdates')?.[0];
  if (!isObject(update)) throw new MalformedPayloadError('resource.refUpdates is missing or empty');
  const ref = checkRef(update.name, 'resource.refUpdates[0].name');
  const kind = refKind(ref);
  if (kind === 'other') return ignored(`ref "${printable(ref)}" is neither a branch nor a tag`, deliveryId);
  const revision = checkSha(update.newObjectId, 'resource.refUpdates[0].newObjectId');
  const deleted = revision === '';
  const repo = obj(resource, 'repository');
  if (!repo) throw new MalformedPayloadError('resource.repository is missing');
  const repoUrls = urls(str(repo, 'remoteUrl'), str(repo, 'sshUrl'), str(repo, 'webUrl'));
  if (repoUrls.length === 0) throw new MalformedPayloadError('resource.repository has no remoteUrl');
  const defaultBranch = branchName(repo.defaultBranch);
  const { commits } = collectCommits(deleted ? [] : resource.commits, commitReader);
  const by = obj(resource, 'pushedBy');
  const pusher = str(by, 'uniqueName') ?? str(by, 'displayName') ?? 'unknown';
  return buildPushEvent({
    provider: name,
    deliveryId,
    repoUrls,
    revision,
    before: optionalSha(update.oldObjectId),
    ref,
    deleted,
    defaultBranch,
    changedFiles: null,
    pusher,
    commits,
  });
}
