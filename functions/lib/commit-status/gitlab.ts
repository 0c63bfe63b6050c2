/**
 * GitLab (gitlab.com or self-hosted): `POST {api}/api/v4/projects/{url-encoded path}/statuses/{sha}`
 * with `state` pending/success/failed/canceled, `name` (our context), `description`,
 * `target_url`; `PRIVATE-TOKEN` (a project, group or personal access token with `api` scope).
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failed', error: 'failed', canceled: 'canceled' };

/** GitLab's commit status API. */
export const gitlab: StatusApi = {
  key: 'gitlab',
  defaultUrl: 'https://gitlab.com',
  // Subgroups: everything after the host is the project path (`group/sub/project`).
  locate: (s) => (s.length >= 3 ? [s.slice(1).join('/')] : undefined),
  request: (base, [project], sha, status, token) => ({
    method: 'POST',
    url: `${base}${path('api', 'v4', 'projects', project, 'statuses', sha)}`,
    headers: { ...jsonHeaders(), 'PRIVATE-TOKEN': token },
    body: { state: STATE[status.state], name: status.context, description: status.description, ...(status.targetUrl ? { target_url: status.targetUrl } : {}) },
  }),
};
