/**
 * GitHub (and GitHub Enterprise Server, `apiUrl` `https://<host>/api/v3`):
 * `POST {api}/repos/{owner}/{repo}/statuses/{sha}` with `state` pending/success/failure/error,
 * `context`, `description`, `target_url`; bearer token (classic PAT with `repo:status`, or a
 * fine-grained token / app token with "Commit statuses: write").
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failure', error: 'error', canceled: 'error' };

/** GitHub's commit status API. */
export const github: StatusApi = {
  key: 'github',
  defaultUrl: 'https://api.github.com',
  locate: (s) => (s.length >= 3 ? s.slice(-2) : undefined),
  request: (base, [owner, repo], sha, status, token) => ({
    method: 'POST',
    url: `${base}${path('repos', owner, repo, 'statuses', sha)}`,
    headers: { ...jsonHeaders(), Authorization: `Bearer ${token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
    body: {
      state: STATE[status.state],
      context: status.context,
      description: status.description,
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    },
  }),
};
