/**
 * Changed files from the providers' compare APIs when the payload has none or a cut list,
 * against local fakes of those APIs and the ArgoCD simulator: what the fake API and the
 * simulator received is asserted.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fetchChangedFiles } from '../../../functions/lib/git-apis/changed-files';
import { parse as parseBitbucketServer } from '../../../functions/lib/providers/bitbucket-server';
import { parse as parseGitLab } from '../../../functions/lib/providers/gitlab';
import type { PushEvent } from '../../../functions/lib/providers/types';
import type { SecretsProvider } from '../../../functions/lib/secrets/types';
import { processPush } from '../../../functions/lib/sync';
import { startFakeGitApis, type FakeGitApis } from '../../helpers/fake-git-apis';
import { auditOf, startSyncEnv, type SyncEnv } from './fixtures';

const TOKEN = 'glpat-fake-token-0123';
const secrets: SecretsProvider = { get: async () => TOKEN, refresh: async () => TOKEN };
const BEFORE = '1'.repeat(40);
const AFTER = '2'.repeat(40);

/** ArgoCD's own GitLab test payload, with 40 commits of which the payload lists 20. */
function gitlabPush(): PushEvent {
  const payload = JSON.parse(readFileSync('/work/shared/reference/argocd/webhook-payloads/gitlab-event.json', 'utf8'));
  payload.before = BEFORE;
  payload.after = AFTER;
  payload.checkout_sha = AFTER;
  const template = payload.commits[0];
  payload.commits = Array.from({ length: 20 }, (_, i) => ({
    ...template,
    id: (i + 21).toString(16).padStart(40, 'a'),
    added: [],
    modified: [`docs/page-${i}.md`],
    removed: [],
  }));
  payload.total_commits_count = 40;
  const parsed = parseGitLab(JSON.stringify(payload), { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': `uuid-${Math.random()}` });
  if ('ignored' in parsed) throw new Error('not a push');
  return parsed;
}

describe('changed files from the compare API', () => {
  let env: SyncEnv;
  let fake: FakeGitApis;
  beforeEach(async () => {
    fake = await startFakeGitApis();
  });
  afterEach(async () => {
    await env?.close();
    await fake.close();
  });

  async function monorepoEnv(repoURL: string) {
    const app = (name: string) => ({
      name,
      source: { repoURL, path: `apps/${name}`, targetRevision: 'master' },
      annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
    });
    env = await startSyncEnv({ default: { apps: [app('a'), app('b'), app('c')] } });
    env.deps.changedFiles = (p) => fetchChangedFiles(p, { gitlab: { apiUrl: fake.url, token: { env: 'GITLAB_API_TOKEN' } }, timeoutMs: 2000 }, secrets);
  }

  it('a GitLab push listing 20 of 40 commits refreshes only the apps whose paths the compare API reports', async () => {
    const push = gitlabPush();
    expect(push.changedFiles).toBeNull(); // the payload's list was cut
    await monorepoEnv(push.repoUrls[0]);
    fake.setDiff(BEFORE, AFTER, ['apps/b/deployment.yaml', 'README.md']);

    const result = await processPush({ push, receivedAt: new Date().toISOString() }, env.deps);

    expect(result.complete).toBe(true);
    expect(env.sims.default.sim.refreshes.map((r) => r.name)).toEqual(['b']);
    expect(fake.requests).toEqual([
      { path: '/api/v4/projects/group/name/repository/compare', query: { from: BEFORE, to: AFTER }, auth: 'private-token', token: TOKEN },
    ]);
    const records = (await auditOf(env.audit, push.deliveryId)).filter((r) => r.kind.startsWith('app.'));
    expect(records.map((r) => [r.app, r.kind])).toEqual([['b', 'app.refreshed']]);
    expect(records[0].details).toMatchObject({ changedFilesFrom: 'compare-api', changedFilesCount: 2 });
  });

  it('falls back to refreshing every matching app when the API fails, and says so in the audit records', async () => {
    const push = gitlabPush();
    await monorepoEnv(push.repoUrls[0]);
    fake.failNext(1, 502);

    const result = await processPush({ push, receivedAt: new Date().toISOString() }, env.deps);

    expect(result.complete).toBe(true);
    expect(env.sims.default.sim.refreshes.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    expect(fake.requests).toHaveLength(1);
    const records = (await auditOf(env.audit, push.deliveryId)).filter((r) => r.kind === 'app.refreshed');
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.details).toMatchObject({ changedFilesFrom: 'none', compareFallback: expect.stringContaining('HTTP 502') });
    expect(JSON.stringify(records)).not.toContain(TOKEN);
  });
});

/** ArgoCD's own Bitbucket Server test payload (it never lists files), pushed from BEFORE to AFTER. */
function bitbucketServerPush(): PushEvent {
  const payload = JSON.parse(readFileSync('/work/shared/reference/argocd/webhook-payloads/bitbucket-server-event.json', 'utf8'));
  payload.changes[0].fromHash = BEFORE;
  payload.changes[0].toHash = AFTER;
  const parsed = parseBitbucketServer(JSON.stringify(payload), { 'x-event-key': 'repo:refs_changed', 'x-request-id': `req-${Math.random()}` });
  if ('ignored' in parsed) throw new Error('not a push');
  return parsed;
}

describe('changed files from the Bitbucket Server compare API', () => {
  let env: SyncEnv;
  let fake: FakeGitApis;
  beforeEach(async () => {
    fake = await startFakeGitApis();
  });
  afterEach(async () => {
    await env?.close();
    await fake.close();
  });

  it('a Bitbucket Server push (no file list) refreshes only the apps whose paths compare/changes reports, across pages', async () => {
    const push = bitbucketServerPush();
    expect(push.changedFiles).toBeNull();
    const app = (name: string) => ({
      name,
      source: { repoURL: 'https://bitbucketserver/scm/myproject/test-repo.git', path: `apps/${name}`, targetRevision: 'master' },
      annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
    });
    env = await startSyncEnv({ default: { apps: [app('a'), app('b'), app('c')] } });
    env.deps.changedFiles = (p) => fetchChangedFiles(p, { bitbucketServer: { apiUrl: `${fake.url}/bitbucket`, token: { env: 'BB_TOKEN' } } }, secrets);
    // Three changes over two pages: the app named on the second page must be refreshed too.
    fake.setPageSize(2);
    fake.setDiff(BEFORE, AFTER, ['README.md', 'docs/x.md', 'apps/c/values.yaml']);

    const result = await processPush({ push, receivedAt: new Date().toISOString() }, env.deps);

    expect(result.complete).toBe(true);
    expect(env.sims.default.sim.refreshes.map((r) => r.name)).toEqual(['c']);
    const path = '/bitbucket/rest/api/1.0/projects/myproject/repos/test-repo/compare/changes';
    expect(fake.requests).toEqual([
      { path, query: { from: AFTER, to: BEFORE, start: '0', limit: '1000' }, auth: 'bearer', token: TOKEN },
      { path, query: { from: AFTER, to: BEFORE, start: '2', limit: '1000' }, auth: 'bearer', token: TOKEN },
    ]);
    const records = (await auditOf(env.audit, push.deliveryId)).filter((r) => r.kind.startsWith('app.'));
    expect(records.map((r) => [r.app, r.kind])).toEqual([['c', 'app.refreshed']]);
    expect(records[0].details).toMatchObject({ changedFilesFrom: 'compare-api', changedFilesCount: 3 });
  });
});

describe('fetchChangedFiles per provider', () => {
  let fake: FakeGitApis;
  beforeEach(async () => {
    fake = await startFakeGitApis();
    fake.setDiff(BEFORE, AFTER, ['svc/a.yaml', 'svc/b.yaml']);
  });
  afterEach(() => fake.close());
  const base = {
    deliveryId: 'd',
    ref: 'refs/heads/main',
    isTag: false,
    touchedHead: true,
    deleted: false,
    changedFiles: null,
    pusher: 'p',
    commits: [],
    before: BEFORE,
    revision: AFTER,
  };

  it('asks GitHub compare with a bearer token', async () => {
    const r = await fetchChangedFiles(
      { ...base, provider: 'github', repoUrls: ['https://github.com/acme/mono.git'] },
      { github: { apiUrl: fake.url, token: { env: 'X' } } },
      secrets,
    );
    expect(r).toEqual({ ok: true, files: ['svc/a.yaml', 'svc/b.yaml'], provider: 'github', calls: 1 });
    expect(fake.requests[0]).toMatchObject({ path: `/repos/acme/mono/compare/${BEFORE}...${AFTER}`, auth: 'bearer', token: TOKEN });
  });

  it('asks Azure DevOps commit diffs with basic auth (PAT) and strips the leading slash', async () => {
    const r = await fetchChangedFiles(
      { ...base, provider: 'azure-devops', repoUrls: ['https://acme@dev.azure.com/acme/platform/_git/mono'] },
      { azureDevOps: { apiUrl: fake.url, token: { env: 'X' } } },
      secrets,
    );
    expect(r).toMatchObject({ ok: true, files: ['svc/a.yaml', 'svc/b.yaml'] });
    expect(fake.requests[0]).toMatchObject({
      path: '/acme/platform/_apis/git/repositories/mono/diffs/commits',
      auth: 'basic',
      token: TOKEN,
      query: expect.objectContaining({ baseVersion: BEFORE, targetVersion: AFTER }),
    });
  });

  it('asks Bitbucket Cloud diffstat (after..before) with a bearer token', async () => {
    const r = await fetchChangedFiles(
      { ...base, provider: 'bitbucket-cloud', repoUrls: ['https://bitbucket.org/acme/mono'] },
      { bitbucketCloud: { apiUrl: fake.url, token: { env: 'X' } } },
      secrets,
    );
    expect(r).toMatchObject({ ok: true, files: ['svc/a.yaml', 'svc/b.yaml'] });
    expect(fake.requests[0]).toMatchObject({ path: `/2.0/repositories/acme/mono/diffstat/${AFTER}..${BEFORE}`, auth: 'bearer' });
  });

  it('asks Bitbucket Server compare/changes (from=after, to=before) from an ssh clone URL, moves counted on both paths', async () => {
    const r = await fetchChangedFiles(
      { ...base, provider: 'bitbucket-server', repoUrls: ['ssh://git@bitbucket.example.com:7999/~alice/mono.git'] },
      { bitbucketServer: { apiUrl: `${fake.url}/`, token: { env: 'X' } } },
      secrets,
    );
    expect(r).toEqual({ ok: true, files: ['svc/a.yaml', 'svc/b.yaml'], provider: 'bitbucket-server', calls: 1 });
    expect(fake.requests[0]).toMatchObject({
      path: '/rest/api/1.0/projects/~alice/repos/mono/compare/changes',
      query: { from: AFTER, to: BEFORE, start: '0', limit: '1000' },
      auth: 'bearer',
      token: TOKEN,
    });
  });

  it('gives up on Bitbucket Server paging that does not advance, or without an apiUrl, and never calls elsewhere', async () => {
    const stuck = await new Promise<Server>((resolve) => {
      const s = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ values: [{ path: { toString: 'a.yaml' } }], isLastPage: false, nextPageStart: 0 }));
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(stuck.address() as { port: number }).port}`;
    const push = { ...base, provider: 'bitbucket-server' as const, repoUrls: ['https://git.example.com/scm/proj/mono.git'] };
    await expect(fetchChangedFiles(push, { bitbucketServer: { apiUrl: url } }, secrets)).resolves.toEqual({
      ok: false,
      reason: 'compare answer pages without a usable nextPageStart',
    });
    await new Promise((r2) => stuck.close(() => r2(undefined)));
    // A config object built in code may lack the URL the schema requires: no call, a reason.
    await expect(fetchChangedFiles(push, { bitbucketServer: {} as { apiUrl: string } }, secrets)).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('apiUrl'),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('answers why not, without calling, when no API is configured or the push has no before', async () => {
    await expect(fetchChangedFiles({ ...base, provider: 'gitea', repoUrls: ['https://git.example.com/a/b'] }, { github: {} }, secrets)).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('gitea'),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('gives up within its time bound', async () => {
    const slow = await new Promise<Server>((resolve) => {
      const s = createServer(() => undefined);
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
    const r = await fetchChangedFiles(
      { ...base, provider: 'github', repoUrls: ['https://github.com/acme/mono'] },
      { github: { apiUrl: url }, timeoutMs: 200 },
      secrets,
    );
    expect(r).toEqual({ ok: false, reason: 'no answer in time' });
    slow.closeAllConnections();
    await new Promise((r2) => slow.close(() => r2(undefined)));
  });
});
