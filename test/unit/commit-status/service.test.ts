/**
 * Commit statuses end to end at the library level: the deployment tracker's listener queues
 * `commit-status.set` follow-ups, the follow-up consumer sends them to the fake provider APIs
 * over HTTP, and every assertion is on what the fakes RECEIVED (method, path, sha, context,
 * state, auth) or on what the audit trail and the state table hold.
 */
import type { AuditRecord } from '../../../functions/lib/audit/types';
import { commitStatusSummary, createCommitStatusService } from '../../../functions/lib/commit-status/index';
import { defaults } from '../../../functions/lib/config/defaults';
import type { CommitStatusMessage } from '../../../functions/lib/queue/follow-up';
import { waitFor } from '../../helpers/argocd-sim';
import { startStatusBed, TOKEN, type StatusBed } from '../../helpers/commit-status';

const sha = (c: string) => c.repeat(40);
const outcomeRecord = (details: Record<string, unknown>) => ({ details }) as unknown as AuditRecord;

interface Case {
  provider: string;
  repo: string;
  path: (sha: string) => string;
  auth: string;
  pending: string;
  success: string;
  failure: string;
  query?: Record<string, string>;
}

const CASES: Case[] = [
  {
    provider: 'github',
    repo: 'https://github.com/acme/shop.git',
    path: (s) => `/repos/acme/shop/statuses/${s}`,
    auth: 'bearer',
    pending: 'pending',
    success: 'success',
    failure: 'failure',
  },
  {
    provider: 'gitlab',
    repo: 'https://gitlab.com/acme/platform/shop.git',
    path: (s) => `/api/v4/projects/acme/platform/shop/statuses/${s}`,
    auth: 'private-token',
    pending: 'pending',
    success: 'success',
    failure: 'failed',
  },
  {
    provider: 'bitbucket-cloud',
    repo: 'git@bitbucket.org:acme/shop.git',
    path: (s) => `/2.0/repositories/acme/shop/commit/${s}/statuses/build`,
    auth: 'bearer',
    pending: 'INPROGRESS',
    success: 'SUCCESSFUL',
    failure: 'FAILED',
  },
  {
    provider: 'bitbucket-server',
    repo: 'https://bitbucket.example.com/scm/acme/shop.git',
    path: (s) => `/rest/build-status/1.0/commits/${s}`,
    auth: 'bearer',
    pending: 'INPROGRESS',
    success: 'SUCCESSFUL',
    failure: 'FAILED',
  },
  {
    provider: 'gitea',
    repo: 'https://gitea.example.com/acme/shop.git',
    path: (s) => `/api/v1/repos/acme/shop/statuses/${s}`,
    auth: 'token',
    pending: 'pending',
    success: 'success',
    failure: 'failure',
  },
  {
    provider: 'azure-devops',
    repo: 'git@ssh.dev.azure.com:v3/acme/Platform/shop',
    path: (s) => `/acme/platform/_apis/git/repositories/shop/commits/${s}/statuses`,
    auth: 'basic',
    pending: 'pending',
    success: 'succeeded',
    failure: 'failed',
    query: { 'api-version': '7.1' },
  },
];

describe('CommitStatusService (fake provider APIs over HTTP, dynalite, in-process follow-up queue)', () => {
  let bed: StatusBed;
  beforeEach(async () => {
    bed = await startStatusBed();
  });
  afterEach(async () => {
    await bed?.close();
  });

  it.each(CASES)('sets pending when accepted, then the outcome, on the pushed commit ($provider)', async (c) => {
    // Prepare
    const commit = sha('c');

    // Act: ArgoCD accepted the push's sync, then the deployment succeeded in 65 s
    const d = (await bed.start('shop', { provider: c.provider, repo: c.repo, commit, deliveryId: `d-${c.provider}` }))!;
    await waitFor(() => bed.handled.length === 1, 'pending handled');
    await bed.service.listener.finished!(d, 'succeeded', outcomeRecord({ leadTimeMs: 65_000, revisionDeployed: commit }));
    await waitFor(() => bed.handled.length === 2, 'success handled');

    // Assess: what the fake received
    const [pending, success] = bed.fake.received;
    for (const r of [pending, success]) {
      expect(r).toMatchObject({ method: 'POST', path: c.path(commit), sha: commit, authScheme: c.auth, token: TOKEN, answered: 201 });
      expect(r.context).toBe('gitops-sentinel/prod/shop');
      expect(r.targetUrl).toBe('https://argocd.example.com/applications/argocd/shop');
      if (c.query) expect(r.query).toEqual(c.query);
    }
    expect(pending.state).toBe(c.pending);
    expect(pending.description).toBe('deploying to prod: ArgoCD accepted the sync');
    expect(success.state).toBe(c.success);
    expect(success.description).toBe('deployed and healthy in 1m05s');
    expect(bed.handled).toEqual(['sent', 'sent']);
  });

  it.each(CASES.filter((c) => ['github', 'gitlab', 'azure-devops'].includes(c.provider)))('reports a failed deployment as failure ($provider)', async (c) => {
    const commit = sha('f');
    const d = (await bed.start('shop', { provider: c.provider, repo: c.repo, commit }))!;
    await bed.service.listener.finished!(
      d,
      'failed',
      outcomeRecord({ acceptedToSyncedMs: 4_200, reason: 'one or more objects failed to apply: secret "db" in ns x' }),
    );
    await waitFor(() => bed.handled.length === 2, 'two statuses handled');
    const last = bed.fake.received.find((r) => r.state !== c.pending)!;
    expect(last.state).toBe(c.failure);
    expect(last.description).toBe('sync failed after 4.2s; see the app in ArgoCD');
    // ArgoCD's own message (it can name cluster internals) is not on the public commit
    expect(last.description).not.toContain('secret');
  });

  it('marks the old commit canceled/error "superseded by <sha>" when a newer push replaces its deployment, and never success', async () => {
    const first = sha('1');
    const second = sha('2');
    // Pushes some time apart: each pending is set before the next push arrives
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit: first, deliveryId: 'd-1' });
    await waitFor(() => bed.handled.length === 1, 'first pending handled');
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit: second, deliveryId: 'd-2' });
    await waitFor(() => bed.handled.length === 3, 'superseded and second pending handled');
    await bed.start('api', { provider: 'gitlab', repo: CASES[1].repo, commit: first, deliveryId: 'd-3' });
    await waitFor(() => bed.handled.length === 4, 'third pending handled');
    await bed.start('api', { provider: 'gitlab', repo: CASES[1].repo, commit: second, deliveryId: 'd-4' });
    await waitFor(() => bed.handled.length === 6, 'six statuses handled');

    const onFirst = bed.fake.received.filter((r) => r.sha === first);
    // GitHub has no cancelled state: error (not failure: the commit broke nothing)
    expect(onFirst.filter((r) => r.provider === 'github').map((r) => [r.state, r.description])).toEqual([
      ['pending', 'deploying to prod: ArgoCD accepted the sync'],
      ['error', 'superseded by 2222222 before it finished'],
    ]);
    expect(onFirst.filter((r) => r.provider === 'gitlab').map((r) => r.state)).toEqual(['pending', 'canceled']);
    expect(bed.fake.received.filter((r) => r.sha === second).map((r) => r.state)).toEqual(['pending', 'pending']);
    expect(bed.fake.received.some((r) => r.sha === first && r.state === 'success')).toBe(false);
  });

  it('says nothing on a commit whose newer deployment is the same commit (that one owns the status line)', async () => {
    const commit = sha('3');
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit, deliveryId: 'd-1' });
    await waitFor(() => bed.handled.length === 1, 'first pending handled');
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit, deliveryId: 'd-2' });
    await waitFor(() => bed.handled.length === 2, 'two messages handled');
    expect(bed.fake.received.map((r) => r.state)).toEqual(['pending', 'pending']);
    expect(bed.scheduled.filter((s) => s.message.type === 'commit-status.set')).toHaveLength(2);
  });

  it('drops a pending (late or retried) whose deployment already ended, so it never overwrites the outcome', async () => {
    const commit = sha('4');
    const d = (await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit }))!;
    await waitFor(() => bed.handled.length === 1, 'pending handled');
    const pending = bed.scheduled.find((s) => s.message.type === 'commit-status.set')!.message as CommitStatusMessage;
    await bed.store.finish(d.ref, d.trackId, 'succeeded');

    const retried = await bed.service.handle({ ...pending, attempt: 2 });
    const late = await bed.service.handle(pending);

    expect([retried, late]).toEqual(['stale', 'stale']);
    expect(bed.fake.received).toHaveLength(1);
  });

  it('retries 5xx with growing back-off, then gives up after maxAttempts and audits it (no token in the record)', async () => {
    bed.fake.answerNext({ status: 503 }, { status: 502 }, { status: 500 });
    const commit = sha('5');
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit, deliveryId: 'd-5' });
    await waitFor(() => bed.handled.includes('given-up'), 'given up');

    expect(bed.fake.received.map((r) => r.answered)).toEqual([503, 502, 500]);
    const retries = bed.scheduled
      .filter((s) => s.message.type === 'commit-status.set')
      .map((s) => [(s.message as CommitStatusMessage).attempt, s.delaySeconds]);
    expect(retries).toEqual([
      [1, 0],
      [2, 0.01],
      [3, 0.02],
    ]);
    const records = (await bed.audit.query({ deliveryId: 'd-5' })).items.filter((r) => r.kind === 'commit-status.failed');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ app: 'shop', revision: commit, details: expect.objectContaining({ httpStatus: 500, attempts: 3, state: 'pending' }) });
    expect(JSON.stringify(records)).not.toContain(TOKEN);
  });

  it('honours 429 Retry-After: the message comes back after that delay and the provider is paused meanwhile', async () => {
    bed.fake.answerNext({ status: 429, headers: { 'retry-after': '1' } });
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit: sha('6') });
    await bed.start('api', { provider: 'github', repo: CASES[0].repo, commit: sha('7') });
    await waitFor(() => bed.handled.filter((h) => h === 'sent').length === 2, 'both statuses sent', 10_000);

    const statusMessages = bed.scheduled.filter((s) => s.message.type === 'commit-status.set');
    // The refused one is queued again after Retry-After (1 s), as attempt 2
    expect(statusMessages.some((s) => (s.message as CommitStatusMessage).attempt === 2 && s.delaySeconds === 1)).toBe(true);
    // Only one request was refused: the other status waited for the pause instead of calling
    expect(bed.fake.received.map((r) => r.answered)).toEqual([429, 201, 201]);
  });

  it('waits until X-RateLimit-Reset when a 403 says the rate limit is exhausted (not a token refusal)', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    bed.fake.answerNext({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } });
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit: sha('8') });
    await waitFor(() => bed.handled.length === 1, 'handled');

    expect(bed.handled).toEqual(['retrying']);
    const again = bed.scheduled.filter((s) => s.message.type === 'commit-status.set')[1];
    expect((again.message as CommitStatusMessage).attempt).toBe(2);
    expect(again.delaySeconds).toBeGreaterThan(100);
    expect(again.delaySeconds).toBeLessThanOrEqual(120);
    expect(bed.refusedCount()).toBe(0);
  });

  it('records a refused token (401) once per provider, stops calling it, and resumes when the token changes', async () => {
    bed.fake.answerNext({ status: 401 });
    await bed.start('a', { provider: 'gitlab', repo: CASES[1].repo, commit: sha('a'), deliveryId: 'd-a' });
    await waitFor(() => bed.handled.length === 1, 'first');
    await bed.start('b', { provider: 'gitlab', repo: CASES[1].repo, commit: sha('b') });
    await bed.start('c', { provider: 'gitlab', repo: CASES[1].repo, commit: sha('c') });
    await waitFor(() => bed.handled.length === 3, 'three handled');
    // A second function instance (its own memory) learns the refusal from the state table
    const other = bed.anotherService();
    const blocked = await other.handle(bed.scheduled.map((s) => s.message).filter((m) => m.type === 'commit-status.set')[2]);

    expect(bed.handled).toEqual(['refused', 'blocked', 'blocked']);
    expect(blocked).toBe('blocked');
    expect(bed.fake.received).toHaveLength(1);
    expect(bed.refusedCount()).toBe(1);
    const refusals = (await bed.audit.query({ kind: 'commit-status.refused', from: new Date(Date.now() - 60_000).toISOString() })).items;
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ outcome: 'failure', details: expect.objectContaining({ api: 'gitlab', httpStatus: 401, cooldownMinutes: 60 }) });
    expect(JSON.stringify(refusals)).not.toContain(TOKEN);
    expect(bed.logged.join('\n')).not.toContain(TOKEN);
    // Another provider is not affected
    await bed.start('d', { provider: 'github', repo: CASES[0].repo, commit: sha('d') });
    await waitFor(() => bed.handled.length === 4, 'github handled');
    expect(bed.handled[3]).toBe('sent');

    // Act: the token is rotated
    bed.env.GIT_TOKEN = 'glpat-rotated-token-value';
    await bed.start('e', { provider: 'gitlab', repo: CASES[1].repo, commit: sha('e') });
    await waitFor(() => bed.handled.length === 5, 'after rotation');

    expect(bed.handled[4]).toBe('sent');
    expect(bed.fake.received.at(-1)).toMatchObject({ provider: 'gitlab', token: 'glpat-rotated-token-value', answered: 201 });
  });

  it('a 403 without rate-limit headers is a refused token too (audited once)', async () => {
    bed.fake.answerNext({ status: 403 }, { status: 403 });
    await bed.start('a', { provider: 'gitea', repo: CASES[4].repo, commit: sha('a') });
    await waitFor(() => bed.handled.length === 1, 'first');
    expect(bed.handled).toEqual(['refused']);
    expect(bed.fake.received).toHaveLength(1);
    expect(await bed.authBlocks.get('gitea')).toMatchObject({ status: 403 });
  });

  it('does not retry another 4xx (unknown repository): audited once', async () => {
    bed.fake.answerNext({ status: 404 });
    await bed.start('shop', { provider: 'github', repo: CASES[0].repo, commit: sha('9'), deliveryId: 'd-9' });
    await waitFor(() => bed.handled.length === 1, 'handled');
    expect(bed.handled).toEqual(['rejected']);
    expect(bed.fake.received).toHaveLength(1);
    expect((await bed.audit.query({ deliveryId: 'd-9' })).items.map((r) => r.kind)).toEqual(['commit-status.failed']);
  });

  it('sets nothing for a deployment that is not a push (repair, rollback) or a provider without a status API (Gogs)', async () => {
    await bed.start('shop', { cause: 'repair', expectedRevision: sha('1') });
    await bed.start('api', { provider: 'gogs', repo: 'https://gogs.example.com/acme/api.git', commit: sha('2') });
    expect(bed.scheduled.filter((s) => s.message.type === 'commit-status.set')).toHaveLength(0);
  });
});

describe('commit status configuration check', () => {
  const base = { config: { ...defaults, instances: [] } };

  it('names the providers that get statuses and those without a token', () => {
    const config = { ...base.config, gitApis: { github: { token: { env: 'GH' } }, gitea: { token: { env: 'GT' } } } };
    expect(commitStatusSummary(config)).toBe(
      'commit statuses: github (https://api.github.com); none for gitlab, bitbucketCloud, bitbucketServer, azureDevOps (no gitApis.<provider>.token); ' +
        'none for gitea (token but no gitApis.<provider>.apiUrl)',
    );
    expect(commitStatusSummary({ ...config, commitStatus: { ...defaults.commitStatus, enabled: false } })).toBe(
      'commit statuses: off (commitStatus.enabled is false)',
    );
  });

  it('builds no service when no provider has a token (a provider without a token gets no statuses)', () => {
    const core = { config: { ...base.config, gitApis: { github: { apiUrl: 'https://ghe.example.com/api/v3' } } } } as never;
    expect(createCommitStatusService(core, { schedule: async () => undefined })).toBeUndefined();
  });
});
