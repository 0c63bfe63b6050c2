/**
 * Bitbucket Server / Data Center (self-hosted; `apiUrl` is the server's base URL):
 * `POST {api}/rest/build-status/1.0/commits/{sha}` with `key` (our context), `name`, `state`
 * INPROGRESS/SUCCESSFUL/FAILED, `url` (required), `description`; bearer token (an HTTP access
 * token). This API has no "stopped" state: a superseded deployment shows FAILED, and its
 * description says it was superseded.
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED', canceled: 'FAILED' };

/** Bitbucket Server's build status API (the commit is global to the server: no repository in the path). */
export const bitbucketServer: StatusApi = {
  key: 'bitbucketServer',
  locate: (s) => (s.length >= 2 ? [] : undefined),
  request: (base, _coords, sha, status, token) => ({
    method: 'POST',
    url: `${base}${path('rest', 'build-status', '1.0', 'commits', sha)}`,
    headers: { ...jsonHeaders(), Authorization: `Bearer ${token}` },
    body: { key: status.context, name: status.context, state: STATE[status.state], description: status.description, url: status.targetUrl ?? base },
  }),
};
