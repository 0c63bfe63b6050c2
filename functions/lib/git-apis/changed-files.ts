/**
 * Changed files of a push from the provider's compare API, for payloads without a usable file
 * list (Azure DevOps and both Bitbucket flavours never send one; GitLab lists at most 20
 * commits; a GitHub payload whose `commits` was cut). Runs in the sync worker, never in the
 * webhook function.
 *
 * - GitHub: `GET {api}/repos/{owner}/{repo}/compare/{before}...{after}` (`files[].filename`,
 *   `previous_filename`); 300 files or more means the list was cut.
 * - GitLab: `GET {api}/api/v4/projects/{path}/repository/compare?from=&to=` (`diffs[].new_path`,
 *   `old_path`; `overflow` means cut).
 * - Azure DevOps: `GET {api}/{org}/{project}/_apis/git/repositories/{repo}/diffs/commits`
 *   (`changes[].item.path`, paged by `$skip`/`$top`).
 * - Bitbucket Cloud: `GET {api}/2.0/repositories/{workspace}/{repo}/diffstat/{after}..{before}`
 *   (`values[].new.path`, `old.path`, paged by `next`).
 * - Bitbucket Server / Data Center: `GET {api}/rest/api/1.0/projects/{key}/repos/{slug}/compare/changes?from={after}&to={before}`
 *   (`values[].path.toString`, `srcPath.toString` for moves and copies, paged by
 *   `isLastPage`/`nextPageStart`). Self-hosted: there is no default `apiUrl`.
 *
 * Every call is bounded by `timeoutMs` in all; any failure answers `{ ok: false, reason }` and
 * the caller refreshes every matching app, as without a list.
 */
import type { GitApiConfig, GitApisConfig } from '../config/types';
import type { PushEvent } from '../providers/types';
import type { SecretsProvider } from '../secrets/types';

/** What asking the provider gave. */
export type ChangedFilesResult = { ok: true; files: string[]; provider: string; calls: number } | { ok: false; reason: string };

/** Default API base URLs (Bitbucket Server is self-hosted: none). */
export const DEFAULT_API_URLS = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
  azureDevOps: 'https://dev.azure.com',
  bitbucketCloud: 'https://api.bitbucket.org',
} as const;

/** The `gitApis` key of each provider that has a compare API. */
const API_KEYS = {
  github: 'github',
  gitlab: 'gitlab',
  'azure-devops': 'azureDevOps',
  'bitbucket-cloud': 'bitbucketCloud',
  'bitbucket-server': 'bitbucketServer',
} as const satisfies Partial<Record<PushEvent['provider'], keyof Omit<GitApisConfig, 'timeoutMs'>>>;

type ApiKey = (typeof API_KEYS)[keyof typeof API_KEYS];

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

/** What one provider's asker gets: the push, the API base (no trailing slash), the token, the time bound. */
interface AskContext {
  push: PushEvent;
  base: string;
  token?: string;
  signal: AbortSignal;
  /** URL-encoded `before` and `after` commits. */
  before: string;
  after: string;
  /** Adds changed paths (without a leading slash). */
  add: (...paths: Array<string | undefined | null>) => void;
}

/** One provider's compare call(s): the number of calls made, or why the answer is unusable. */
type Asker = (ctx: AskContext) => Promise<{ calls: number } | { reason: string }>;

const bearer = (token: string | undefined): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

const askGitHub: Asker = async ({ push, base, token, signal, before, after, add }) => {
  const path = repoPath(push, /github[^/:]*[/:]([^/]+)\/([^/]+)$/) ?? repoPath(push, /[/:]([^/]+)\/([^/]+)$/);
  if (!path) return { reason: 'repository owner/name not found in the payload URLs' };
  const { body } = await getJson(`${base}/repos/${path.map(encodeURIComponent).join('/')}/compare/${before}...${after}`, bearer(token), signal);
  const list = (body as { files?: Array<{ filename?: string; previous_filename?: string }> }).files;
  if (!Array.isArray(list)) return { reason: 'compare answer has no files list' };
  if (list.length >= 300) return { reason: 'compare answer lists 300 files, the API maximum: the list may be cut' };
  for (const f of list) add(f.filename, f.previous_filename);
  return { calls: 1 };
};

const askGitLab: Asker = async ({ push, base, token, signal, before, after, add }) => {
  const path = repoPath(push, /^(?:https?:\/\/[^/]+\/|[^@]+@[^:]+:|ssh:\/\/[^/]+\/)(.+)$/);
  if (!path) return { reason: 'project path not found in the payload URLs' };
  const url = `${base}/api/v4/projects/${encodeURIComponent(path[0])}/repository/compare?from=${before}&to=${after}`;
  const { body } = await getJson(url, token ? { 'PRIVATE-TOKEN': token } : {}, signal);
  const b = body as { diffs?: Array<{ new_path?: string; old_path?: string }>; overflow?: boolean };
  if (!Array.isArray(b.diffs)) return { reason: 'compare answer has no diffs list' };
  if (b.overflow) return { reason: 'compare answer overflowed: the list is cut' };
  for (const d of b.diffs) add(d.new_path, d.old_path);
  return { calls: 1 };
};

const askAzureDevOps: Asker = async ({ push, base, token, signal, before, after, add }) => {
  const path = repoPath(push, /^https?:\/\/(?:[^@/]+@)?[^/]+\/([^/]+)\/([^/]+)\/_git\/([^/]+)$/);
  if (!path) return { reason: 'organisation/project/repository not found in the payload URLs' };
  const auth: Record<string, string> = token ? { Authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` } : {};
  const [org, project, repo] = path.map(encodeURIComponent);
  let calls = 0;
  for (let skip = 0, page = 0; page < MAX_PAGES; page++) {
    const query = `baseVersion=${before}&baseVersionType=commit&targetVersion=${after}&targetVersionType=commit&$top=1000&$skip=${skip}&api-version=7.1`;
    const url = `${base}/${org}/${project}/_apis/git/repositories/${repo}/diffs/commits?${query}`;
    const { body } = await getJson(url, auth, signal);
    calls++;
    const changes = (body as { changes?: Array<{ item?: { path?: string; isFolder?: boolean }; sourceServerItem?: string }> }).changes;
    if (!Array.isArray(changes)) return { reason: 'diff answer has no changes list' };
    for (const c of changes) if (!c.item?.isFolder) add(c.item?.path, c.sourceServerItem);
    if (changes.length < 1000) break;
    skip += changes.length;
    if (page === MAX_PAGES - 1) return { reason: `more than ${MAX_PAGES} pages of changes` };
  }
  return { calls };
};

const askBitbucketCloud: Asker = async ({ push, base, token, signal, before, after, add }) => {
  const path = repoPath(push, /bitbucket[^/:]*[/:]([^/]+)\/([^/]+)$/);
  if (!path) return { reason: 'workspace/repository not found in the payload URLs' };
  let url: string | undefined = `${base}/2.0/repositories/${path.map(encodeURIComponent).join('/')}/diffstat/${after}..${before}?pagelen=500`;
  let calls = 0;
  for (let page = 0; url; page++) {
    if (page === MAX_PAGES) return { reason: `more than ${MAX_PAGES} pages of diffstat` };
    // `next` must stay on the configured API: a token is never sent elsewhere.
    if (!url.startsWith(`${base}/`)) return { reason: 'diffstat paging left the configured API' };
    const { body }: { body: unknown } = await getJson(url, bearer(token), signal);
    calls++;
    const b = body as { values?: Array<{ new?: { path?: string } | null; old?: { path?: string } | null }>; next?: string };
    if (!Array.isArray(b.values)) return { reason: 'diffstat answer has no values list' };
    for (const v of b.values) add(v.new?.path, v.old?.path);
    url = b.next;
  }
  return { calls };
};

/** Bitbucket Server's page size for compare/changes (its own default is 25; 1000 is its usual maximum). */
const BITBUCKET_SERVER_PAGE = 1000;

const askBitbucketServer: Asker = async ({ push, base, token, signal, before, after, add }) => {
  // Clone URLs: https://host[/context]/scm/{key}/{slug}.git or ssh://git@host:7999/{key}/{slug}.git.
  const path = repoPath(push, /^https?:\/\/.+\/scm\/([^/]+)\/([^/]+)$/) ?? repoPath(push, /^ssh:\/\/[^/]+\/([^/]+)\/([^/]+)$/);
  if (!path) return { reason: 'project key/repository slug not found in the payload URLs' };
  const [key, slug] = path.map(encodeURIComponent);
  let calls = 0;
  // `from` is the pushed commit, `to` the one before: "changes in from that are not in to".
  for (let start = 0, page = 0; ; page++) {
    if (page === MAX_PAGES) return { reason: `more than ${MAX_PAGES} pages of changes` };
    const url = `${base}/rest/api/1.0/projects/${key}/repos/${slug}/compare/changes?from=${after}&to=${before}&start=${start}&limit=${BITBUCKET_SERVER_PAGE}`;
    const { body } = await getJson(url, bearer(token), signal);
    calls++;
    type PathOf = { toString?: unknown } | null | undefined;
    const b = body as { values?: Array<{ path?: PathOf; srcPath?: PathOf }>; isLastPage?: boolean; nextPageStart?: number | null };
    if (!Array.isArray(b.values)) return { reason: 'compare answer has no values list' };
    const text = (p: PathOf) => (typeof p?.toString === 'string' ? p.toString : undefined);
    for (const v of b.values) add(text(v.path), text(v.srcPath));
    if (b.isLastPage !== false) break;
    if (typeof b.nextPageStart !== 'number' || b.nextPageStart <= start) return { reason: 'compare answer pages without a usable nextPageStart' };
    start = b.nextPageStart;
  }
  return { calls };
};

const ASKERS: Record<ApiKey, Asker> = {
  github: askGitHub,
  gitlab: askGitLab,
  azureDevOps: askAzureDevOps,
  bitbucketCloud: askBitbucketCloud,
  bitbucketServer: askBitbucketServer,
};

/** The API base URL: configured, else the provider's cloud default; none for Bitbucket Server. */
function baseUrl(key: ApiKey, api: GitApiConfig): string | undefined {
  const url = api.apiUrl ?? (key === 'bitbucketServer' ? undefined : DEFAULT_API_URLS[key]);
  return url?.replace(/\/+$/, '');
}

/**
 * Asks the push's provider which paths changed between `before` and `after`.
 * @param gitApis the configured APIs (a provider without an entry is not asked)
 */
export async function fetchChangedFiles(push: PushEvent, gitApis: GitApisConfig | undefined, secrets: SecretsProvider): Promise<ChangedFilesResult> {
  const key: ApiKey | undefined = (API_KEYS as Partial<Record<string, ApiKey>>)[push.provider];
  const api = key ? gitApis?.[key] : undefined;
  if (!key || !api) return { ok: false, reason: `no compare API configured for ${push.provider}` };
  const base = baseUrl(key, api);
  if (!base) return { ok: false, reason: `gitApis.${key}.apiUrl is not set (self-hosted: no default)` };
  const signal = AbortSignal.timeout(gitApis?.timeoutMs ?? 3000);
  const files = new Set<string>();
  try {
    const token = api.token ? await secrets.get(api.token) : undefined;
    const add = (...paths: Array<string | undefined | null>) => paths.forEach((p) => p && files.add(p.replace(/^\/+/, '')));
    const ctx: AskContext = { push, base, token, signal, before: encodeURIComponent(push.before!), after: encodeURIComponent(push.revision), add };
    const asked = await ASKERS[key](ctx);
    if ('reason' in asked) return { ok: false, reason: asked.reason };
    return { ok: true, files: [...files], provider: push.provider, calls: asked.calls };
  } catch (err) {
    // Never the token or the URL's query: the error's name and a short message only.
    const e = err as Error;
    return {
      ok: false,
      reason: e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'no answer in time' : `call failed: ${e?.message?.slice(0, 120) ?? 'error'}`,
    };
  }
}
