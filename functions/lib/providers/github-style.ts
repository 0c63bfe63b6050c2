/**
 * The push payload GitHub introduced and Gitea and Gogs copied: `ref`, `before`, `after`,
 * `commits[]` with added/modified/removed, `repository` with `html_url`/`clone_url`/`ssh_url`
 * and `default_branch`, `pusher`. Shared by `github.ts`, `gitea.ts` and `gogs.ts`.
 */
import { MalformedPayloadError } from './errors';
import { type Json, num, obj, str } from './json-fields';
import { buildPushEvent, collectCommits, githubStyleCommits, ignored, urls } from './push-event';
import { branchName, checkRef, checkSha, optionalSha, refKind } from './refs';
import { printable } from './safe-text';
import type { ParseResult, ProviderName } from './types';

/**
 * Builds a `PushEvent` (or a `NotAPush` for refs that are neither branches nor tags)
 * from a GitHub-style push body.
 * @throws MalformedPayloadError when `ref`, `after` or `repository` is missing or invalid
 */
export function parseGitHubStylePush(provider: ProviderName, body: Json, deliveryId: string): ParseResult {
  const ref = checkRef(body.ref);
  const kind = refKind(ref);
  if (kind === 'other') return ignored(`ref "${printable(ref)}" is neither a branch nor a tag`, deliveryId);
  const after = checkSha(body.after, 'after');
  const repo = obj(body, 'repository');
  if (!repo) throw new MalformedPayloadError('repository is missing');
  const repoUrls = urls(
    str(repo, 'html_url'),
    str(repo, 'clone_url'),
    str(repo, 'ssh_url'),
    str(repo, 'git_url'),
    // In push payloads `url` is the web URL; in other GitHub events it is the API URL, never a clone URL.
    /\/\/api\.|\/api\/v\d+\//.test(str(repo, 'url') ?? '') ? undefined : str(repo, 'url'),
  );
  if (repoUrls.length === 0) throw new MalformedPayloadError('repository has no URL');
  const defaultBranch = branchName(repo.default_branch) ?? branchName(repo.master_branch);
  const deleted = after === '' || body.deleted === true;
  const { commits, changedFiles } = deleted
    ? { commits: [], changedFiles: null }
    : collectCommits(body.commits, githubStyleCommits, num(body, 'total_commits'));
  const pusher =
    str(obj(body, 'pusher'), 'name') ??
    str(obj(body, 'pusher'), 'username') ??
    str(obj(body, 'pusher'), 'login') ??
    str(obj(body, 'sender'), 'login') ??
    'unknown';
  return buildPushEvent({
    provider,
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
