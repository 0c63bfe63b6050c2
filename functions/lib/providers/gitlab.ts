/**
 * GitLab: `X-Gitlab-Event` (`Push Hook`, `Tag Push Hook`, `System Hook`), `X-Gitlab-Token`
 * (the shared secret token, compared in constant time), `X-Gitlab-Event-UUID`.
 */
import { MalformedPayloadError } from './errors';
import { assertBodyAndHeaders, bodyText, deliveryIdFrom, firstHeader, header } from './body-encoding';
import { num, obj, parseObject, str } from './json-fields';
import { buildPushEvent, collectCommits, githubStyleCommits, ignored, urls } from './push-event';
import { branchName, checkRef, checkSha, optionalSha, refKind } from './refs';
import { printable } from './safe-text';
import { assertVerifyArgs, tokenMatches } from './signatures';
import type { Headers, ParseResult, RawBody } from './types';

/** Provider name. */
export const name = 'gitlab' as const;

/** Headers carrying the delivery id, first present wins. */
export const deliveryHeaders: readonly string[] = ['x-gitlab-event-uuid'];

const PUSH_KINDS = new Set(['push', 'tag_push']);

/** True when `X-Gitlab-Event` is present. */
export function detect(headers: Headers): boolean {
  return header(headers, 'x-gitlab-event') !== undefined;
}

/** Compares `X-Gitlab-Token` with the configured token (GitLab does not sign the body). */
export async function verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers): Promise<boolean> {
  const secrets = assertVerifyArgs(secret, rawBody, headers);
  return tokenMatches(secrets, header(headers, 'x-gitlab-token'));
}

/**
 * Parses a verified GitLab delivery. `Push Hook`, `Tag Push Hook` and `System Hook`
 * deliveries whose `object_kind`/`event_name` is `push` or `tag_push` become a `PushEvent`;
 * everything else is ignored. GitLab lists at most 20 commits and says how many there were in
 * `total_commits_count`: when it truncated, `changedFiles` is `null`.
 * @throws MalformedPayloadError
 */
export function parse(rawBody: RawBody, headers: Headers): ParseResult {
  assertBodyAndHeaders(rawBody, headers);
  const deliveryId = deliveryIdFrom(firstHeader(headers, deliveryHeaders), rawBody);
  const event = (header(headers, 'x-gitlab-event') ?? '').trim();
  if (event !== 'Push Hook' && event !== 'Tag Push Hook' && event !== 'System Hook') {
    return ignored(`event "${printable(event, 40)}" is not a push`, deliveryId);
  }
  const body = parseObject(bodyText(rawBody));
  const kind = str(body, 'object_kind') ?? str(body, 'event_name');
  if (!kind || !PUSH_KINDS.has(kind)) {
    if (event === 'System Hook') return ignored(`system hook event "${printable(kind ?? '(none)', 40)}" is not a push`, deliveryId);
    throw new MalformedPayloadError(`object_kind "${printable(kind ?? '(none)', 40)}" does not match ${event}`);
  }
  const ref = checkRef(body.ref);
  const refType = refKind(ref);
  if (refType === 'other') return ignored(`ref "${printable(ref)}" is neither a branch nor a tag`, deliveryId);
  const after = checkSha(body.after, 'after');
  const project = obj(body, 'project');
  const repository = obj(body, 'repository');
  if (!project && !repository) throw new MalformedPayloadError('project is missing');
  const repoUrls = urls(
    str(project, 'web_url'),
    str(project, 'git_http_url'),
    str(project, 'git_ssh_url'),
    str(project, 'http_url'),
    str(project, 'ssh_url'),
    str(repository, 'homepage'),
    str(repository, 'git_http_url'),
    str(repository, 'git_ssh_url'),
    str(repository, 'url'),
  );
  if (repoUrls.length === 0) throw new MalformedPayloadError('project has no URL');
  const defaultBranch = branchName(project?.default_branch);
  const deleted = after === '';
  const { commits, changedFiles } = deleted
    ? { commits: [], changedFiles: null }
    : collectCommits(body.commits, githubStyleCommits, num(body, 'total_commits_count'));
  const pusher = str(body, 'user_username') ?? str(body, 'user_name') ?? 'unknown';
  return buildPushEvent({
    provider: name,
    deliveryId,
    repoUrls,
    revision: after,
    before: optionalSha(body.before),
    ref,
    deleted,
    defaultBranch,
    changedFiles,
    pusher,
    commits,
  });
}
