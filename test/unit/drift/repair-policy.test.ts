import { fakeSha } from '../../../local/argocd-sim';
import { clearFlapping, DriftStateNotFoundError, getDriftState, runDriftScan } from '../../../functions/lib/drift';
import { waitFor } from '../../helpers/argocd-sim';
import { app, replicasDrift, startDriftEnv, type DriftEnv } from './drift-env';

const AUTO = { 'gitops-sentinel/auto-repair': 'true' };
const syncs = (env: DriftEnv, instance = 'default') => env.sims[instance].sim.requestsTo('POST', /\/sync$/);
const decisionOf = (r: Awaited<ReturnType<typeof runDriftScan>>, name: string) => r.findings.find((f) => f.name === name)?.decision;
const operationDone = (env: DriftEnv, name: string) =>
  waitFor(
    () => env.sims.default.sim.getApp(name).status?.operationState?.phase === 'Succeeded' && !env.sims.default.sim.getApp(name).operation,
    `${name} sync to finish`,
  );

describe('repair policy (runDriftScan against the simulator)', () => {
  let env: DriftEnv;
  afterEach(() => env?.close());

  it('repairs an app opted in by annotation to the revision it last deployed, never the branch head', async () => {
    // Prepare: Git moved on after the last deploy; the cluster drifted too.
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { annotations: AUTO, history: 3 })] } } });
    const sim = env.sims.default.sim;
    const deployed = sim.getApp('api').status!.history!.at(-1)!.revision!;
    const head = fakeSha('unreviewed commit');
    sim.setHead('https://github.com/acme/api.git', 'main', head);
    sim.injectDrift({ name: 'api' }, replicasDrift('api'));

    // Act
    const result = await runDriftScan(env.deps, { actor: 'local:alice' });

    // Assess
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'repair', reason: 'opted-in-annotation' });
    expect(result).toMatchObject({ repaired: 1, skipped: 0 });
    const [sync] = syncs(env);
    expect(sync.body).toEqual({ name: 'api', revision: deployed, prune: false, project: 'default' });
    expect(sync.body).not.toMatchObject({ revision: head });
    expect(env.records('drift.repaired', 'api')).toEqual([
      expect.objectContaining({
        outcome: 'success',
        revision: deployed,
        actor: 'local:alice',
        details: expect.objectContaining({ historyId: 2, reason: 'opted-in-annotation' }),
      }),
    ]);
    const [state] = await getDriftState(env.deps);
    expect(state).toMatchObject({ lastRepairAt: result.startedAt, lastRepairRevision: deployed, lastRepairOutcome: 'started' });
    // ArgoCD calls: list + details + the app read in full (its history) + window check + sync.
    expect(env.requestCount()).toBe(5);
    expect(sim.requestsTo('GET', '/api/v1/applications/api')).toHaveLength(1);
    await operationDone(env, 'api');
    expect(sim.getApp('api').status!.history!.at(-1)!.revision).toBe(deployed);
  });

  it('two scans at once record and repair a drift once, and count as one scan for the apps they both found unchanged', async () => {
    env = await startDriftEnv({
      store: 'dynamodb',
      instances: {
        default: { apps: [app('api', { annotations: AUTO, history: 3, drift: [replicasDrift('api')] }), app('web', { drift: [replicasDrift('web')] })] },
      },
    });
    const [a, b] = await Promise.all([runDriftScan(env.deps), runDriftScan(env.deps)]);
    expect(a.repaired + b.repaired).toBe(1);
    expect(syncs(env)).toHaveLength(1);
    expect(env.records('drift.found', 'api')).toHaveLength(1);
    expect(env.records('drift.found', 'web')).toHaveLength(1);
    expect(env.records('drift.repaired', 'api')).toHaveLength(1);
    const web = { instance: 'default', namespace: 'argocd', name: 'web' };
    expect(await env.deps.driftState.readApp(web)).toMatchObject({ consecutiveScans: 1, version: 1 });

    // Two more at once that find web unchanged: neither rewrites it, and it reads as seen by one more scan, as one write would have.
    env.advanceMinutes(5);
    const [c, d] = await Promise.all([runDriftScan(env.deps), runDriftScan(env.deps)]);
    expect(await env.deps.driftState.readApp(web)).toMatchObject({ consecutiveScans: 2, version: 1, lastSeen: c.startedAt });
    expect(d.startedAt).toBe(c.startedAt);
    expect(env.records('drift.found', 'web')).toHaveLength(1);
  });

  it('repairs multi-source apps with per-source revisions and prunes when the config says so', async () => {
    env = await startDriftEnv({
      instances: {
        default: {
          apps: [
            app('stack', {
              annotations: AUTO,
              source: undefined,
              sources: [
                { repoURL: 'https://charts.example.com', chart: 'stack', targetRevision: '1.2.3' },
                { repoURL: 'https://github.com/acme/values.git', targetRevision: 'main', ref: 'values' },
              ],
              drift: [replicasDrift('stack')],
            }),
          ],
        },
      },
      drift: { prune: true },
    });
    const history = env.sims.default.sim.getApp('stack').status!.history!.at(-1)!;
    await runDriftScan(env.deps);
    expect(syncs(env)[0].body).toEqual({ name: 'stack', revisions: history.revisions, sourcePositions: ['1', '2'], prune: true, project: 'default' });
  });

  it('repairs apps opted in by a config rule (instance, project, label selector)', async () => {
    env = await startDriftEnv({
      instances: {
        default: {
          apps: [
            app('pay', { project: 'payments', labels: { team: 'payments', env: 'prod' }, drift: [replicasDrift('pay')] }),
            app('pay-dev', { project: 'payments', labels: { team: 'payments', env: 'dev' }, drift: [replicasDrift('pay-dev')] }),
            app('other', { labels: { team: 'web', env: 'prod' }, drift: [replicasDrift('other')] }),
          ],
        },
      },
      drift: { rules: [{ instance: 'default', project: 'payments', selector: 'env=prod' }] },
    });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'pay')).toMatchObject({ action: 'repair', reason: 'opted-in-rule' });
    expect(decisionOf(result, 'pay-dev')).toMatchObject({ action: 'report', reason: 'not-opted-in' });
    expect(decisionOf(result, 'other')).toMatchObject({ action: 'report', reason: 'not-opted-in' });
    expect(syncs(env).map((r) => (r.body as { name: string }).name)).toEqual(['pay']);
    expect(env.records('drift.skipped')).toEqual([]);
  });

  it('never repairs an app annotated gitops-sentinel/ignore, and audits the skip', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: [app('api', { annotations: { ...AUTO, 'gitops-sentinel/ignore': 'true' }, drift: [replicasDrift('api')] })] } },
    });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'skip', reason: 'ignored' });
    expect(syncs(env)).toEqual([]);
    expect(env.records('drift.skipped', 'api')).toEqual([
      expect.objectContaining({ outcome: 'skipped', details: expect.objectContaining({ reason: 'ignored' }) }),
    ]);
    expect(env.requestCount()).toBe(2);
  });

  it('never repairs while a sync window forbids it (asks ArgoCD), and does not sync', async () => {
    env = await startDriftEnv({
      instances: {
        default: {
          projects: [
            { name: 'frozen', spec: { syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'], manualSync: false }] } },
          ],
          apps: [app('api', { project: 'frozen', annotations: AUTO, drift: [replicasDrift('api')] })],
        },
      },
    });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'skip', reason: 'sync-window' });
    expect(env.sims.default.sim.requestsTo('GET', /\/syncwindows$/)).toHaveLength(1);
    // Asked with the app's project, so a project-scoped ArgoCD role answers for its own apps only.
    expect(env.sims.default.sim.requestsTo('GET', /\/syncwindows$/)[0].query).toMatchObject({ project: 'frozen' });
    expect(syncs(env)).toEqual([]);
    expect(env.records('drift.skipped', 'api')[0].details).toMatchObject({ reason: 'sync-window' });
  });

  it('never repairs while an operation is running', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { annotations: AUTO })] } } });
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(60_000);
    await env.registry.get('default').syncApplication({ instance: 'default', namespace: 'argocd', name: 'api' });
    sim.injectDrift({ name: 'api' }, replicasDrift('api'));
    env.clearRequests();

    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'skip', reason: 'operation-running' });
    expect(syncs(env)).toEqual([]);
    expect(env.requestCount()).toBe(2);
  });

  it('leaves apps with ArgoCD self-heal to ArgoCD and reports them', async () => {
    env = await startDriftEnv({
      instances: {
        default: {
          apps: [
            app('healed', { annotations: AUTO, syncPolicy: { automated: { selfHeal: true, prune: true } }, drift: [replicasDrift('healed')] }),
            app('healed-unmanaged', { syncPolicy: { automated: { selfHeal: true } }, drift: [replicasDrift('healed-unmanaged')] }),
          ],
        },
      },
    });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'healed')).toMatchObject({ action: 'skip', reason: 'self-heal' });
    expect(decisionOf(result, 'healed-unmanaged')).toMatchObject({ action: 'report', reason: 'self-heal' });
    expect(syncs(env)).toEqual([]);
  });

  it('repairs an auto-sync app without self-heal with a sync that carries no revision (ArgoCD refuses any other)', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: [app('auto', { annotations: AUTO, syncPolicy: { automated: { selfHeal: false } }, drift: [replicasDrift('auto')] })] } },
    });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'auto')).toMatchObject({ action: 'repair' });
    expect(syncs(env)[0].body).toEqual({ name: 'auto', prune: false, project: 'default' });
    expect(env.records('drift.repaired', 'auto')[0]).toMatchObject({ outcome: 'success' });
  });

  it('repairs at most maxRepairsPerScan apps and skips the rest with the reason', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: ['a', 'b', 'c', 'd'].map((n) => app(n, { annotations: AUTO, drift: [replicasDrift(n)] })) } },
      drift: { maxRepairsPerScan: 2 },
    });
    const result = await runDriftScan(env.deps);
    expect(result).toMatchObject({ repaired: 2, skipped: 2 });
    expect(
      syncs(env)
        .map((r) => (r.body as { name: string }).name)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(['c', 'd'].map((n) => decisionOf(result, n)?.reason)).toEqual(['repair-cap', 'repair-cap']);
    expect(
      env
        .records('drift.skipped')
        .map((r) => r.app)
        .sort(),
    ).toEqual(['c', 'd']);
    // list + 4 details + 2 apps read in full + 2 window checks + 2 syncs: no read or window check for capped apps.
    expect(env.requestCount()).toBe(1 + 4 + 2 + 2 + 2);
    expect(
      env.sims.default.sim
        .requestsTo('GET', /^\/api\/v1\/applications\/[^/]+$/)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/api/v1/applications/a', '/api/v1/applications/b']);
  });

  it('does not repair again within the cooldown, and does after it', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: [app('api', { annotations: AUTO, drift: [replicasDrift('api')] })] } },
      drift: { cooldownMinutes: 30 },
    });
    const sim = env.sims.default.sim;
    await runDriftScan(env.deps);
    await operationDone(env, 'api');
    // Drifted again before any scan saw it in sync: a continuing drift, not flapping.
    sim.injectDrift({ name: 'api' }, replicasDrift('api', 9));
    env.advanceMinutes(5);
    const second = await runDriftScan(env.deps);
    expect(decisionOf(second, 'api')).toMatchObject({ action: 'skip', reason: 'cooldown' });
    expect(syncs(env)).toHaveLength(1);
    expect(env.records('drift.skipped', 'api')[0].details).toMatchObject({ reason: 'cooldown' });
    env.advanceMinutes(5);
    await runDriftScan(env.deps);
    expect(env.records('drift.skipped', 'api')).toHaveLength(1); // same reason: not re-audited

    env.advanceMinutes(30);
    const later = await runDriftScan(env.deps);
    expect(decisionOf(later, 'api')).toMatchObject({ action: 'repair' });
    expect(syncs(env)).toHaveLength(2);
  });

  it('marks an app that drifts again within the cooldown after a repair as flapping and leaves it for a human', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: [app('api', { annotations: AUTO, drift: [replicasDrift('api')] })] } },
      drift: { cooldownMinutes: 30 },
    });
    const sim = env.sims.default.sim;
    await runDriftScan(env.deps);
    await operationDone(env, 'api');
    env.advanceMinutes(5);
    const healed = await runDriftScan(env.deps);
    expect(healed.resolved).toBe(1);

    sim.injectDrift({ name: 'api' }, replicasDrift('api', 4));
    env.advanceMinutes(5);
    const flapping = await runDriftScan(env.deps);
    expect(decisionOf(flapping, 'api')).toMatchObject({ action: 'skip', reason: 'flapping' });
    expect(flapping.findings[0]).toMatchObject({ flapping: true, transition: 'found' });
    expect(env.records('drift.flapping', 'api')).toHaveLength(1);
    expect((await getDriftState(env.deps))[0]).toMatchObject({ flapping: true, flappingSince: flapping.startedAt });

    env.advanceMinutes(60); // past the cooldown, still drifted: still left for a human
    const after = await runDriftScan(env.deps);
    expect(decisionOf(after, 'api')).toMatchObject({ reason: 'flapping' });
    expect(syncs(env)).toHaveLength(1);
    expect(env.records('drift.flapping', 'api')).toHaveLength(1);

    // The human clears the mark; the next scan repairs the app again.
    const ref = { instance: 'default', namespace: 'argocd', name: 'api' };
    const cleared = await clearFlapping(env.deps, { ref, actor: 'local:alice', reason: 'removed the HPA fighting the manifest' });
    expect(cleared).toMatchObject({ cleared: true, state: { flapping: false, condition: 'drifted' } });
    expect(cleared.state.flappingSince).toBeUndefined();
    expect(env.records('drift.flapping.cleared', 'api')).toEqual([
      expect.objectContaining({
        actor: 'local:alice',
        outcome: 'success',
        message: expect.stringContaining('removed the HPA'),
        details: expect.objectContaining({ flappingSince: flapping.startedAt }),
      }),
    ]);
    const again = await runDriftScan(env.deps);
    expect(decisionOf(again, 'api')).toMatchObject({ action: 'repair' });
    expect(syncs(env)).toHaveLength(2);
    // Clearing again changes nothing and audits nothing.
    await operationDone(env, 'api');
    expect(await clearFlapping(env.deps, { ref, actor: 'local:alice' })).toMatchObject({ cleared: false });
    expect(env.records('drift.flapping.cleared', 'api')).toHaveLength(1);
  });

  it('clearFlapping answers DriftStateNotFoundError for an app that never drifted', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('calm')] } } });
    await runDriftScan(env.deps);
    await expect(clearFlapping(env.deps, { ref: { instance: 'default', namespace: 'argocd', name: 'calm' }, actor: 'local:alice' })).rejects.toBeInstanceOf(
      DriftStateNotFoundError,
    );
    expect(env.records('drift.flapping.cleared')).toHaveLength(0);
  });

  it('dryRun reports what it would repair and changes nothing: the simulator receives no sync', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { annotations: AUTO, drift: [replicasDrift('api')] })] } } });
    const deployed = env.sims.default.sim.getApp('api').status!.history!.at(-1)!.revision!;
    const result = await runDriftScan(env.deps, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, repaired: 0, skipped: 1 });
    expect(result.findings[0]).toMatchObject({ decision: { action: 'skip', reason: 'dry-run' }, repairRevision: deployed });
    expect(env.sims.default.sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(env.records('drift.skipped', 'api')[0]).toMatchObject({
      revision: deployed,
      details: expect.objectContaining({ reason: 'dry-run', dryRun: true, wouldSyncTo: deployed }),
    });
    expect((await getDriftState(env.deps))[0].lastRepairAt).toBeUndefined();
  });
});
