import { DRIFT_SCAN_FIELDS } from '../../../functions/lib/argocd';
import { getDriftState, runDriftScan } from '../../../functions/lib/drift';
import { app, replicasDrift, startDriftEnv, type DriftEnv } from './drift-env';

const AUTO = { 'gitops-sentinel/auto-repair': 'true' };
/** Single-app GETs (`/api/v1/applications/{name}`), not lists, details or window checks. */
const appGets = (env: DriftEnv, instance = 'default') =>
  env.sims[instance].sim
    .requestsTo('GET', /^\/api\/v1\/applications\/[^/]+$/)
    .map((r) => r.path)
    .sort();
const decisionOf = (r: Awaited<ReturnType<typeof runDriftScan>>, name: string) => r.findings.find((f) => f.name === name)?.decision;

describe('runDriftScan: projected lists, history only for apps it repairs', () => {
  let env: DriftEnv;
  afterEach(() => env?.close());

  it('lists with the drift projection and reads in full only the app it repairs', async () => {
    // Prepare: one app to repair beside drifted apps the policy reports or skips, and apps in sync.
    env = await startDriftEnv({
      instances: {
        east: {
          apps: [
            app('api', { annotations: AUTO, history: 3, drift: [replicasDrift('api')] }),
            app('reported', { drift: [replicasDrift('reported')] }),
            app('ignored', { annotations: { ...AUTO, 'gitops-sentinel/ignore': 'true' }, drift: [replicasDrift('ignored')] }),
            app('healed', { annotations: AUTO, syncPolicy: { automated: { selfHeal: true } }, drift: [replicasDrift('healed')] }),
            app('calm', { annotations: AUTO }),
          ],
        },
        west: { apps: [app('search', { annotations: AUTO }), app('billing', { drift: [replicasDrift('billing')] })] },
      },
    });
    const deployed = env.sims.east.sim.getApp('api').status!.history!.at(-1)!.revision!;

    // Act
    const result = await runDriftScan(env.deps);

    // Assess: every list call asked for the projection, as one comma-separated fields= parameter.
    for (const name of ['east', 'west']) {
      const lists = env.sims[name].sim.requestsTo('GET', '/api/v1/applications');
      expect(lists.map((r) => r.query)).toEqual([{ fields: DRIFT_SCAN_FIELDS.join(',') }]);
    }
    // The repaired app alone was read in full (its history), with its project (404, not 403, if gone).
    expect(appGets(env, 'east')).toEqual(['/api/v1/applications/api']);
    expect(env.sims.east.sim.requestsTo('GET', '/api/v1/applications/api')[0].query).toMatchObject({ project: 'default' });
    expect(appGets(env, 'west')).toEqual([]);
    // The decisions are those the whole list gave before.
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'repair', reason: 'opted-in-annotation' });
    expect(decisionOf(result, 'reported')).toMatchObject({ action: 'report', reason: 'not-opted-in' });
    expect(decisionOf(result, 'ignored')).toMatchObject({ action: 'skip', reason: 'ignored' });
    expect(decisionOf(result, 'healed')).toMatchObject({ action: 'skip', reason: 'self-heal' });
    expect(result).toMatchObject({ apps: 7, drifted: 5, repaired: 1 });
    // The repair re-applies the newest history entry, which only the single GET carried.
    expect(env.sims.east.sim.requestsTo('POST', /\/sync$/).map((r) => r.body)).toEqual([{ name: 'api', revision: deployed, prune: false, project: 'default' }]);
    const api = (await getDriftState(env.deps)).find((s) => s.name === 'api')!;
    expect(api).toMatchObject({ lastRepairRevision: deployed, targetRevision: env.sims.east.sim.getApp('api').status!.sync!.revision });
  });

  it('reads the candidate in a dry run too (to say what it would re-apply) and still sends nothing but GETs', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { annotations: AUTO, drift: [replicasDrift('api')] })] } } });
    const deployed = env.sims.default.sim.getApp('api').status!.history!.at(-1)!.revision!;
    const result = await runDriftScan(env.deps, { dryRun: true });
    expect(result.findings[0]).toMatchObject({ decision: { reason: 'dry-run' }, repairRevision: deployed });
    expect(appGets(env)).toEqual(['/api/v1/applications/api']);
    expect(env.sims.default.sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('skips a candidate without deployment history after reading it, with no window check and no sync', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('fresh', { annotations: AUTO, history: 0, drift: [replicasDrift('fresh')] })] } } });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'fresh')).toMatchObject({ action: 'skip', reason: 'no-deployed-revision' });
    expect(appGets(env)).toEqual(['/api/v1/applications/fresh']);
    expect(env.sims.default.sim.requestsTo('GET', /\/syncwindows$/)).toEqual([]);
    expect(env.sims.default.sim.requestsTo('POST', /\/sync$/)).toEqual([]);
    expect(env.records('drift.skipped', 'fresh')[0].details).toMatchObject({ reason: 'no-deployed-revision' });
  });

  it('skips (and audits) a candidate ArgoCD will not hand over in full, never syncing it blind', async () => {
    env = await startDriftEnv({
      instances: {
        default: { apps: [app('api', { annotations: AUTO, drift: [replicasDrift('api')] }), app('web', { annotations: AUTO, drift: [replicasDrift('web')] })] },
      },
    });
    // The app is deleted between the list and the read: ArgoCD answers 404 (the project was given).
    env.sims.default.sim.injectFaults({ failNext: 1, failStatus: 404, pathPattern: '^/api/v1/applications/api$', method: 'GET' });
    const result = await runDriftScan(env.deps);
    expect(decisionOf(result, 'api')).toMatchObject({ action: 'skip', reason: 'app-unreadable' });
    expect(decisionOf(result, 'web')).toMatchObject({ action: 'repair' });
    expect(env.sims.default.sim.requestsTo('POST', /\/sync$/).map((r) => (r.body as { name: string }).name)).toEqual(['web']);
    expect(env.records('drift.skipped', 'api')).toEqual([
      expect.objectContaining({ outcome: 'skipped', details: expect.objectContaining({ reason: 'app-unreadable' }) }),
    ]);
  });
});
