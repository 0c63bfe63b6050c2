/**
 * Azure DevOps: `POST {api}/{org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses?api-version=7.1`
 * with `state` pending/succeeded/failed/error, `description`, `targetUrl` and
 * `context: { genre, name }` (`gitops-sentinel/<instance>` and the app, shown as our context);
 * a PAT with "Code (status)" as Basic auth with an empty user name.
 */
import type { CommitState, StatusApi } from './types';
import { jsonHeaders, path } from './request';

const STATE: Record<CommitState, string> = { pending: 'pending', success: 'succeeded', failure: 'failed', error: 'error', canceled: 'error' };

/** Azure DevOps' commit status API. */
export const azureDevOps: StatusApi = {
  key: 'azureDevOps',
  defaultUrl: 'https://dev.azure.com',
  // `dev.azure.com/<org>/<project>/_git/<repo>` (the normaliser maps SSH and visualstudio.com
  // URLs to this form); an Azure DevOps Server collection path keeps its extra segments.
  locate: (s) => {
    const at = s.lastIndexOf('_git');
    if (at < 3 || at !== s.length - 2) return undefined;
    return [s.slice(1, at - 1).join('/'), s[at - 1], s[at + 1]];
  },
  request: (base, [org, project, repo], sha, status, token) => {
    const cut = status.context.lastIndexOf('/');
    const orgPath = org.split('/').map(encodeURIComponent).join('/');
    return {
      method: 'POST',
      url: `${base}/${orgPath}${path(project, '_apis', 'git', 'repositories', repo, 'commits', sha, 'statuses')}?api-version=7.1`,
      headers: { ...jsonHeaders(), Authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` },
      body: {
        state: STATE[status.state],
        description: status.description,
        context: { genre: status.context.slice(0, Math.max(0, cut)), name: status.context.slice(cut + 1) },
        ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
      },
    };
  },
};
