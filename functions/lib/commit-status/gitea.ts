/**
 * Gitea (self-hosted; `apiUrl` is the server's base URL): `POST {api}/api/v1/repos/{owner}/{repo}/statuses/{sha}`
 * with GitHub's body (`state` pending/success/failure/error, `context`, `description`,
 * `target_url`) and `Authorization: token <t>`. Gogs has no commit status API.
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failure', error: 'error', canceled: 'error' };

/** Gitea's commit status API. */
export const gitea: StatusApi = {
  key: 'gitea',
  locate: (s) => (s.length >= 3 ? s.slice(-2) : undefined),
  request: (base, [owner, repo], sha, status, token) => ({
    method: 'POST',
    url: `${base}${path('api', 'v1', 'repos', owner, repo, 'statuses', sha)}`,
    headers: { ...jsonHeaders(), Authorization: `token ${token}` },
    body: {
      state: STATE[status.state],
      context: status.context,
      description: status.description,
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    },
  }),
};
