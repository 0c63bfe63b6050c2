/**
 * Changed files of a push from the provider's compare API, for payloads without a usable file
 * list (Azure DevOps and Bitbucket never send one; GitLab lists at most 20 commits; a GitHub
 * payload whose `commits` was cut). Runs in the sync worker, never in the webhook function.
 *
 * - GitHub: `GET {api}/repos/{owner}/{repo}/compare/{before}...{after}` (`files[].filename`,
 *   `previous_filename`); 300 files or more means the list was cut.
 * - GitLab: `GET {api}/api/v4/projects/{path}/repository/compare?from=&to=` (`diffs[].new_path`,
 *   `old_path`; `overflow` means cut).
 * - Azure DevOps: `GET {api}/{org}/{project}/_apis/git/repositories/{repo}/diffs/commits`
 *   (`changes[].item.path`, paged by `$skip`/`$top`).
 * - Bitbucket Cloud: `GET {api}/2.0/repositories/{workspace}/{repo}/diffstat/{after}..{before}`
 *   (`values[].new.path`, `old.path`, paged by `next`).
 *
 * Every call is bounded by `timeoutMs` in all; any failure answers `{ ok: false, reason }` and
 * the caller refreshes every matching app, as without a list.
 */
import type { GitApisConfig } from '../config/types';
import type { PushEvent } from '../providers/types';
import type { SecretsProvider } from '../secrets/types';

/** What asking the provider gave. */
export type ChangedFilesResult = { ok: true; files: string[]; provider: string; calls: number } | { ok: false; reason: string };

/** Default API base URLs. */
export const DEFAULT_API_URLS = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
  azureDevOps: 'https://dev.azure.com',
  bitbucketCloud: 'https://api.bitbucket.org',
} as const;

const ZERO_SHA = /^0+$/;
const MAX_PAGES = 20;

/** Whether the worker should ask the compare API for this push. */
export function needsChangedFiles(push: PushEvent): boolean {
  return push.changedFiles === null && !push.deleted && !!push.before && !ZERO_SHA.test(push.before) && !!push.revision;
}

/** `owner/repo`-style path of the repository from its URLs (https or ssh), for the given host check. */
function repoPath(push: PushEvent, pattern: RegExp): string[] | undefined {
  for (const url of push.repoUrls) {
    const m = pattern.exec(url.replace(/\.git$/, '').replace(/\/+$/, ''));
    if (m) return m.slice(1);
  }
  return undefined;
}

async function getJson(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ body: unknown; next?: string }> {
  const res = await fetch(url, { headers: { Accept: 'application/json', ...headers }, signal, redirect: 'error' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return { body: await res.json() };
}

/**
 * Asks the push's provider which paths changed between `before` and `after`.
 * @param gitApis the configured APIs (a provider without an entry is not asked)
 */
// eslint-disable-next-line max-lines-per-function -- owned by the intake work in progress this session (issue 12); to split per provider when it settles
export async function fetchChangedFiles(push: PushEvent, gitApis: GitApisConfig | undefined, secrets: SecretsProvider): Promise<ChangedFilesResult> {
  const keys: Partial<Record<string, keyof typeof DEFAULT_API_URLS>> = {
    github: 'github',
    gitlab: 'gitlab',
    'azure-devops': 'azureDevOps',
    'bitbucket-cloud': 'bitbucketCloud',
  };
  const key = keys[push.provider];
  const api = key ? gitApis?.[key] : undefined;
  if (!key || !api) return { ok: false, reason: `no compare API configured for ${push.provider}` };
  const base = (api.apiUrl ?? DEFAULT_API_URLS[key]).replace(/\/+$/, '');
  const signal = AbortSignal.timeout(gitApis?.timeoutMs ?? 3000);
  try {
    const token = api.token ? await secrets.get(api.token) : undefined;
    const before = encodeURIComponent(push.before!);
    const after = encodeURIComponent(push.revision);
    let calls = 0;
    const files = new Set<string>();
    const add = (...paths: Array<string | undefined | null>) => paths.forEach((p) => p && files.add(p.replace(/^\/+/, '')));
    switch (key) {
      case 'github': {
        const path = repoPath(push, /github[^/:]*[/:]([^/]+)\/([^/]+)$/) ?? repoPath(push, /[/:]([^/]+)\/([^/]+)$/);
        if (!path) return { ok: false, reason: 'repository owner/name not found in the payload URLs' };
        const { body } = await getJson(
          `${base}/repos/${path.map(encodeURIComponent).join('/')}/compare/${before}...${after}`,
          token ? { Authorization: `Bearer ${token}` } : {},
          signal,
        );
        calls++;
        const list = (body as { files?: Array<{ filename?: string; previous_filename?: string }> }).files;
        if (!Array.isArray(list)) return { ok: false, reason: 'compare answer has no files list' };
        if (list.length >= 300) return { ok: false, reason: 'compare answer lists 300 files, the API maximum: the list may be cut' };
        for (const f of list) add(f.filename, f.previous_filename);
        break;
      }
      case 'gitlab': {
        const path = repoPath(push, /^(?:https?:\/\/[^/]+\/|[^@]+@[^:]+:|ssh:\/\/[^/]+\/)(.+)$/);
        if (!path) return { ok: false, reason: 'project path not found in the payload URLs' };
        const { body } = await getJson(
          `${base}/api/v4/projects/${encodeURIComponent(path[0])}/repository/compare?from=${before}&to=${after}`,
          token ? { 'PRIVATE-TOKEN': token } : {},
          signal,
        );
        calls++;
        const b = body as { diffs?: Array<{ new_path?: string; old_path?: string }>; overflow?: boolean };
        if (!Array.isArray(b.diffs)) return { ok: false, reason: 'compare answer has no diffs list' };
        if (b.overflow) return { ok: false, reason: 'compare answer overflowed: the list is cut' };
        for (const d of b.diffs) add(d.new_path, d.old_path);
        break;
      }
      case 'azureDevOps': {
        const path = repoPath(push, /^https?:\/\/(?:[^@/]+@)?[^/]+\/([^/]+)\/([^/]+)\/_git\/([^/]+)$/);
        if (!path) return { ok: false, reason: 'organisation/project/repository not found in the payload URLs' };
        const auth: Record<string, string> = token ? { Authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` } : {};
        const [org, project, repo] = path.map(encodeURIComponent);
        for (let skip = 0, page = 0; page < MAX_PAGES; page++) {
          const url = `${base}/${org}/${project}/_apis/git/repositories/${repo}/diffs/commits?baseVersion=${before}&baseVersionType=commit&targetVersion=${after}&targetVersionType=commit&$top=1000&$skip=${skip}&api-version=7.1`;
          const { body } = await getJson(url, auth, signal);
          calls++;
          const changes = (body as { changes?: Array<{ item?: { path?: string; isFolder?: boolean }; sourceServerItem?: string }> }).changes;
          if (!Array.isArray(changes)) return { ok: false, reason: 'diff answer has no changes list' };
          for (const c of changes) if (!c.item?.isFolder) add(c.item?.path, c.sourceServerItem);
          if (changes.length < 1000) break;
          skip += changes.length;
          if (page === MAX_PAGES - 1) return { ok: false, reason: `more than ${MAX_PAGES} pages of changes` };
        }
        break;
      }
      case 'bitbucketCloud': {
        const path = repoPath(push, /bitbucket[^/:]*[/:]([^/]+)\/([^/]+)$/);
        if (!path) return { ok: false, reason: 'workspace/repository not found in the payload URLs' };
        let url: string | undefined = `${base}/2.0/repositories/${path.map(encodeURIComponent).join('/')}/diffstat/${after}..${before}?pagelen=500`;
        for (let page = 0; url; page++) {
          if (page === MAX_PAGES) return { ok: false, reason: `more than ${MAX_PAGES} pages of diffstat` };
          // `next` must stay on the configured API: a token is never sent elsewhere.
          if (!url.startsWith(`${base}/`)) return { ok: false, reason: 'diffstat paging left the configured API' };
          const { body }: { body: unknown } = await getJson(url, token ? { Authorization: `Bearer ${token}` } : {}, signal);
          calls++;
          const b = body as { values?: Array<{ new?: { path?: string } | null; old?: { path?: string } | null }>; next?: string };
          if (!Array.isArray(b.values)) return { ok: false, reason: 'diffstat answer has no values list' };
          for (const v of b.values) add(v.new?.path, v.old?.path);
          url = b.next;
        }
        break;
      }
    }
    return { ok: true, files: [...files], provider: push.provider, calls };
  } catch (err) {
    // Never the token or the URL's query: the error's name and a short message only.
    const e = err as Error;
    return {
      ok: false,
      reason: e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'no answer in time' : `call failed: ${e?.message?.slice(0, 120) ?? 'error'}`,
    };
  }
}
