import { APP_INDEX_FIELDS } from '../../../functions/lib/argocd';
import { processPush } from '../../../functions/lib/sync';
import { REPO, SHA, auditOf, deleteSimApp, pushMessage, refreshesReceived, startSyncEnv, webSeed, type SyncEnv } from './fixtures';

/** The app index's list calls to an instance (projected with APP_INDEX_FIELDS). */
const indexLists = (env: SyncEnv, instance: string) =>
  env.sims[instance].sim.requestsTo('GET', '/api/v1/applications').filter((r) => r.query.fields === APP_INDEX_FIELDS.join(','));

describe('processPush', () => {
  let env: SyncEnv;

  beforeEach(async () => {
    env = await startSyncEnv({
      default: webSeed(),
      eu: { apps: [{ name: 'web-eu', source: { repoURL: 'git@github.com:acme/web', path: 'eu', targetRevision: 'HEAD' } }] },
    });
  });
  afterEach(async () => {
    await env.close();
  });

  it('refreshes auto-sync and unannotated apps, syncs sync-on-push apps, skips window-blocked and ignored ones', async () => {
    // Prepare
    const message = pushMessage();

    // Act
    const result = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 3 });

    // Assess: what the worker answers
    expect(result.complete).toBe(true);
    const byName = Object.fromEntries(result.actions.map((a) => [`${a.instance}/${a.namespace}/${a.name}`, a.status]));
    expect(byName).toEqual({
      'default/argocd/web': 'refreshed',
      'default/argocd/web-auto': 'refreshed',
      'default/argocd/web-sop': 'synced',
      'default/argocd/web-blocked': 'skipped',
      'default/argocd/web-ignored': 'skipped',
      'default/team-a/web-team': 'refreshed',
      'eu/argocd/web-eu': 'refreshed',
    });

    // Assess: what the simulators received, and nothing else (the reads of web-sop after its
    // sync wait for the operation's result, apart)
    const isResultRead = (c: string) => c.startsWith('default GET /api/v1/applications/web-sop?project=');
    const resultReads = env.appCalls().filter(isResultRead);
    expect(resultReads.length).toBeGreaterThanOrEqual(1);
    expect(
      env
        .appCalls()
        .filter((c) => !isResultRead(c))
        .sort(),
    ).toEqual(
      [
        'default GET /api/v1/applications/web?refresh=normal',
        'default GET /api/v1/applications/web-auto?refresh=normal',
        'default GET /api/v1/applications/web-sop/syncwindows',
        'default POST /api/v1/applications/web-sop/sync',
        'default GET /api/v1/applications/web-blocked/syncwindows',
        'default GET /api/v1/applications/web-team?appNamespace=team-a&refresh=normal',
        'eu GET /api/v1/applications/web-eu?refresh=normal',
      ].sort(),
    );
    const sync = env.sims.default.sim.requestsTo('POST', '/api/v1/applications/web-sop/sync')[0];
    // The branch, not the payload's sha: no revision means the app's own targetRevision.
    expect(sync.body).toMatchObject({ name: 'web-sop' });
    expect(sync.body).not.toHaveProperty('revision');
    expect(sync.body).not.toHaveProperty('revisions');
    expect(sync.body).not.toHaveProperty('appNamespace');
    expect(sync.contentType).toBe('application/json');
    expect(env.sims.default.sim.refreshes.map((r) => `${r.namespace}/${r.name}:${r.type}`).sort()).toEqual([
      'argocd/web-auto:normal',
      'argocd/web:normal',
      'team-a/web-team:normal',
    ]);
    // One index list call per instance, whatever the number of apps (a refresh not answered within
    // its wait on a loaded machine adds a registration check list, which is not the index's).
    expect(indexLists(env, 'default')).toHaveLength(1);
    expect(indexLists(env, 'eu')).toHaveLength(1);

    // Assess: the audit trail
    const records = await auditOf(env.audit, message.push.deliveryId);
    const kinds = Object.fromEntries(records.map((r) => [`${r.instance}/${r.app}`, r.kind]));
    expect(kinds).toEqual({
      'default/web': 'app.refreshed',
      'default/web-auto': 'app.refreshed',
      'default/web-sop': 'app.synced',
      'default/web-blocked': 'app.skipped',
      'default/web-ignored': 'app.skipped',
      'default/web-team': 'app.refreshed',
      'eu/web-eu': 'app.refreshed',
    });
    for (const r of records) {
      expect(r).toMatchObject({ deliveryId: message.push.deliveryId, revision: SHA, actor: 'webhook:github:octocat' });
      expect(r.repo).toBeTruthy();
    }
    const refreshed = records.find((r) => r.app === 'web')!;
    expect(refreshed.details).toMatchObject({ action: 'refresh', ref: 'refs/heads/main' });
    expect(typeof refreshed.details!.latencyMs).toBe('number');
    expect(records.find((r) => r.app === 'web-blocked')!.details).toMatchObject({ skipReason: 'sync-window' });
    expect(records.find((r) => r.app === 'web-ignored')!.details).toMatchObject({ skipReason: 'ignored' });
    expect(records.find((r) => r.app === 'web-team')!.namespace).toBe('team-a');
    // The synced record names the commit the push claimed and what ArgoCD deployed (the branch
    // head the simulator resolved, which is not the fixture's sha), and flags the mismatch.
    const head = env.sims.default.sim.resolveRevision({ repoURL: REPO, targetRevision: 'main' });
    expect(head).not.toBe(SHA);
    expect(records.find((r) => r.app === 'web-sop')!.details).toMatchObject({
      claimedRevision: SHA,
      deployedRevision: head,
      revisionMismatch: true,
      syncTarget: ['main'],
    });
    expect((await env.audit.verify()).ok).toBe(true);
  });

  it('deploys the branch head and reports no mismatch when the push names it; a replayed old sha still syncs only the branch', async () => {
    // Prepare: the branch moves to B, as a push would.
    const B = 'b'.repeat(40);
    env.sims.default.sim.setHead(REPO, 'main', B);

    // Act: the push that named B, then a replay naming an old commit A.
    const push = pushMessage({ revision: B });
    await processPush(push, env.deps);
    const replay = pushMessage({ revision: SHA });
    await processPush(replay, env.deps);

    // Assess: every sync the simulator received was of the branch; it deployed B both times.
    const syncs = env.sims.default.sim.requestsTo('POST', '/api/v1/applications/web-sop/sync');
    expect(syncs).toHaveLength(2);
    for (const s of syncs) expect(JSON.stringify(s.body)).not.toContain(SHA);
    expect(env.sims.default.sim.getApp('web-sop').status?.sync?.revision).toBe(B);
    const synced = async (deliveryId: string) => (await auditOf(env.audit, deliveryId)).find((r) => r.app === 'web-sop' && r.kind === 'app.synced')!;
    const [first, second] = [await synced(push.push.deliveryId), await synced(replay.push.deliveryId)];
    expect(first.details).toMatchObject({ claimedRevision: B, deployedRevision: B, revisionMismatch: false });
    expect(second.details).toMatchObject({ claimedRevision: SHA, deployedRevision: B, revisionMismatch: true });
  });

  it('does not act twice when the message is redelivered, nor when two copies run at once', async () => {
    // Prepare
    const message = pushMessage();
    const first = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 3 });
    await refreshesReceived(env, [first]);
    // The reads of web-sop that wait for its sync's result vary with timing: count the rest.
    const acting = () => env.appCalls().filter((c) => !c.startsWith('default GET /api/v1/applications/web-sop?project='));
    const calls = acting().length;
    const records = (await auditOf(env.audit, message.push.deliveryId)).length;

    // Act: a redelivery, then two concurrent copies
    const again = await processPush(message, env.deps, { receiveCount: 2, maxReceiveCount: 3 });
    const twin = pushMessage();
    const [a, b] = await Promise.all([processPush(twin, env.deps), processPush(twin, env.deps)]);
    await refreshesReceived(env, [first, a, b]);

    // Assess
    expect(again.complete).toBe(true);
    expect(new Set(again.actions.map((x) => x.status))).toEqual(new Set(['already-done']));
    expect(acting().length).toBe(calls * 2); // the first message once, the twin once
    expect((await auditOf(env.audit, message.push.deliveryId)).length).toBe(records);
    expect((await auditOf(env.audit, twin.push.deliveryId)).length).toBe(records);
    // Each app went to exactly one copy; the other saw it done or held.
    for (let i = 0; i < a.actions.length; i++) {
      const pair = [a.actions[i].status, b.actions[i].status];
      expect(pair.filter((s) => s === 'already-done' || s === 'in-progress')).toHaveLength(1);
    }
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web')).toHaveLength(2);
  });

  it('rides out a 5xx: the client retries and the app is refreshed once', async () => {
    // Prepare
    env.sims.default.sim.injectFaults({ failNext: 1, failStatus: 503, pathPattern: '^/api/v1/applications/web$' });
    const message = pushMessage();

    // Act
    const result = await processPush(message, env.deps);

    // Assess
    expect(result.complete).toBe(true);
    expect(result.actions.find((a) => a.name === 'web')!.status).toBe('refreshed');
    const received = env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web');
    expect(received.map((r) => r.status)).toEqual([503, 200]);
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web')).toHaveLength(1);
  });

  it('leaves a still-failing app undone for the next receive and audits app.failed on the last one', async () => {
    // Prepare: every call for `web` fails, through the client's retries
    env.sims.default.sim.injectFaults({ failRate: 1, failStatus: 502, pathPattern: '^/api/v1/applications/web$' });
    const message = pushMessage();

    // Act
    const first = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 2 });
    const callsAfterFirst = env.appCalls().filter((c) => !c.includes('/web?')).length;
    const last = await processPush(message, env.deps, { receiveCount: 2, maxReceiveCount: 2 });

    // Assess
    expect(first.complete).toBe(false);
    expect(first.actions.find((a) => a.name === 'web')!.status).toBe('failed');
    expect(last.complete).toBe(false);
    expect(last.lastReceive).toBe(true);
    expect(last.actions.find((a) => a.name === 'web')).toMatchObject({ status: 'failed', audited: 'app.failed' });
    expect(last.actions.filter((a) => a.name !== 'web').every((a) => a.status === 'already-done')).toBe(true);
    // Only `web` was tried again: 3 attempts per receive (1 + 2 retries).
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(6);
    expect(env.appCalls().filter((c) => !c.includes('/web?')).length).toBe(callsAfterFirst);
    const failed = (await auditOf(env.audit, message.push.deliveryId)).filter((r) => r.kind === 'app.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ app: 'web', outcome: 'failure', details: expect.objectContaining({ httpStatus: 502, lastReceive: true }) });
    expect(await env.ledger.get(message.push.deliveryId, { instance: 'default', namespace: 'argocd', name: 'web' })).toMatchObject({ status: 'failed' });
  });

  it('audits a refusal a retry cannot change (400) as app.failed at once and does not ask for a redelivery', async () => {
    // Prepare
    env.sims.default.sim.injectFaults({ failNext: 1, failStatus: 400, pathPattern: '^/api/v1/applications/web$' });
    const message = pushMessage();

    // Act
    const result = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 3 });

    // Assess
    expect(result.complete).toBe(true);
    expect(result.actions.find((a) => a.name === 'web')).toMatchObject({ status: 'rejected', audited: 'app.failed' });
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
    const record = (await auditOf(env.audit, message.push.deliveryId)).find((r) => r.app === 'web')!;
    expect(record).toMatchObject({ kind: 'app.failed', outcome: 'failure', details: expect.objectContaining({ final: true, httpStatus: 400 }) });
  });

  it('drops an app ArgoCD no longer has (403 without project) after re-listing, and audits it as skipped', async () => {
    // Prepare: the index knows `web`; then it disappears from ArgoCD
    await processPush(pushMessage({ repoUrls: ['https://github.com/acme/other.git'] }), env.deps);
    deleteSimApp(env.sims.default, 'web');
    const message = pushMessage();

    // Act
    const result = await processPush(message, env.deps);

    // Assess
    expect(result.complete).toBe(true);
    expect(result.actions.find((a) => a.name === 'web')).toMatchObject({ status: 'skipped', audited: 'app.skipped' });
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web').map((r) => r.status)).toEqual([403]);
    expect(indexLists(env, 'default')).toHaveLength(2);
    const index = await env.indexes.get('default');
    expect(index.has({ instance: 'default', namespace: 'argocd', name: 'web' })).toBe(false);
    const record = (await auditOf(env.audit, message.push.deliveryId)).find((r) => r.app === 'web')!;
    expect(record).toMatchObject({ kind: 'app.skipped', details: expect.objectContaining({ skipReason: 'gone', httpStatus: 403 }) });

    // The next push does not ask for it again.
    await processPush(pushMessage(), env.deps);
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web')).toHaveLength(1);
  });

  it('reports an unreachable instance and still acts on the others', async () => {
    // Prepare
    env.sims.eu.sim.injectFaults({ down: true });
    const message = pushMessage();

    // Act
    const first = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 2 });
    const last = await processPush(message, env.deps, { receiveCount: 2, maxReceiveCount: 2 });

    // Assess
    expect(first.complete).toBe(false);
    expect(first.unreachableInstances).toEqual(['eu']);
    expect(first.actions.filter((a) => a.instance === 'default')).toHaveLength(6);
    expect(last.actions.every((a) => a.status === 'already-done')).toBe(true);
    const records = await auditOf(env.audit, message.push.deliveryId);
    expect(records.filter((r) => r.kind === 'instance.unreachable').map((r) => r.instance)).toEqual(['eu']);
  });
});
