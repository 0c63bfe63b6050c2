/**
 * Bitbucket Cloud: `POST {api}/2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build`
 * with `key` (our context), `name`, `state` INPROGRESS/SUCCESSFUL/FAILED/STOPPED, `url`
 * (required by the API: the app in the ArgoCD UI), `description`; bearer token (a repository
 * or workspace access token with `repository:write`).
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED', canceled: 'STOPPED' };

/** Bitbucket Cloud's build status API. */
export const bitbucketCloud: StatusApi = {
  key: 'bitbucketCloud',
  defaultUrl: 'https://api.bitbucket.org',
  locate: (s) => (s.length >= 3 ? s.slice(-2) : undefined),
  request: (base, [workspace, repo], sha, status, token) => ({
    method: 'POST',
    url: `${base}${path('2.0', 'repositories', workspace, repo, 'commit', sha, 'statuses', 'build')}`,
    headers: { ...jsonHeaders(), Authorization: `Bearer ${token}` },
    body: { key: status.context, name: status.context, state: STATE[status.state], description: status.description, url: status.targetUrl ?? base },
  }),
};
