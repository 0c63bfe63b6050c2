import { conditionOf, getDriftState, listScans, runDriftScan, DRIFT_METRICS } from '../../../functions/lib/drift';
import { app, replicasDrift, startDriftEnv, type DriftEnv } from './drift-env';

describe('runDriftScan: detection', () => {
  let env: DriftEnv;
  afterEach(() => env?.close());

  it('finds drifted apps with one list call per instance and details only for drifted apps', async () => {
    // Prepare
    env = await startDriftEnv({
      instances: {
        east: { apps: [app('api', { drift: [replicasDrift('api')] }), app('web'), app('worker', { health: 'Degraded' })] },
        west: { apps: [app('billing', { drift: [replicasDrift('billing', 7)] }), app('search')] },
      },
    });

    // Act
    const result = await runDriftScan(env.deps);

    // Assess
    expect(result).toMatchObject({
      instances: 2,
      instancesScanned: 2,
      apps: 5,
      drifted: 2,
      degraded: 1,
      repaired: 0,
      skipped: 0,
      reportOnly: 2,
      found: 2,
      consistencyPercent: 60,
    });
    const api = result.findings.find((f) => f.name === 'api')!;
    expect(api).toMatchObject({
      instance: 'east',
      condition: 'drifted',
      syncStatus: 'OutOfSync',
      transition: 'found',
      decision: { action: 'report', reason: 'not-opted-in' },
    });
    expect(api.details).toEqual({
      source: 'managed-resources',
      resources: [
        { group: 'apps', kind: 'Deployment', namespace: 'api', name: 'api', change: 'modified', fields: [{ path: 'spec.replicas', live: '5', desired: '1' }] },
      ],
    });
    expect(result.findings.find((f) => f.name === 'worker')).toMatchObject({ condition: 'unhealthy', healthStatus: 'Degraded' });
    for (const name of ['east', 'west']) {
      const sim = env.sims[name].sim;
      expect(sim.requestsTo('GET', '/api/v1/applications')).toHaveLength(1);
      expect(sim.requestsTo('GET', /managed-resources$/)).toHaveLength(1);
    }
    // ArgoCD calls = instances + drifted apps, nothing else.
    expect(env.requestCount()).toBe(2 + 2);
    expect(result.argocdCalls).toBe(4);
    expect(env.metrics).toEqual(
      expect.arrayContaining([
        { name: DRIFT_METRICS.driftedApps, unit: 'Count', value: 2 },
        { name: DRIFT_METRICS.consistencyPercent, unit: 'Percent', value: 60 },
        { name: DRIFT_METRICS.unreachableInstances, unit: 'Count', value: 0 },
        expect.objectContaining({ name: DRIFT_METRICS.scanDurationMs, unit: 'Milliseconds' }),
      ]),
    );
  });

  it('reports which fields differ in a Secret but never stores its values', async () => {
    env = await startDriftEnv({
      instances: {
        default: {
          apps: [
            app('vault', {
              resources: [
                { kind: 'Secret', name: 'db-credentials' },
                { kind: 'Deployment', name: 'vault' },
              ],
            }),
          ],
        },
      },
    });
    const secretValue = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk'; // base64("super-secret-password")
    env.sims.default.sim.injectDrift({ name: 'vault' }, { kind: 'Secret', name: 'db-credentials', field: 'data.password', value: secretValue });

    const result = await runDriftScan(env.deps);

    const resources = result.findings[0].details!.resources;
    expect(resources).toEqual([{ kind: 'Secret', namespace: 'vault', name: 'db-credentials', change: 'modified', fields: [{ path: 'data.password' }] }]);
    const stored = await getDriftState(env.deps);
    const everything = JSON.stringify({ result, stored, audit: env.audit.records() });
    expect(everything).toContain('data.password');
    expect(everything).not.toContain(secretValue);
    expect(everything).not.toContain('super-secret-password');
  });

  it('audits drift.found and drift.resolved once each, not on every scan, and keeps the latest state per app', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] }), app('web')] } } });
    const sim = env.sims.default.sim;

    const first = await runDriftScan(env.deps);
    env.advanceMinutes(5);
    const second = await runDriftScan(env.deps);
    expect([first.found, second.found]).toEqual([1, 0]);
    expect(env.records('drift.found', 'api')).toHaveLength(1);
    expect(env.records('drift.found', 'api')[0]).toMatchObject({ instance: 'default', namespace: 'argocd', outcome: 'info', actor: 'scheduler' });
    let [state] = await getDriftState(env.deps);
    expect(state).toMatchObject({ name: 'api', condition: 'drifted', consecutiveScans: 2, firstSeen: first.startedAt, lastSeen: second.startedAt });

    sim.clearDrift({ name: 'api' });
    env.advanceMinutes(5);
    const third = await runDriftScan(env.deps);
    env.advanceMinutes(5);
    await runDriftScan(env.deps);
    expect(third).toMatchObject({ drifted: 0, resolved: 1, consistencyPercent: 100 });
    expect(env.records('drift.resolved', 'api')).toHaveLength(1);
    expect(env.records('drift.found', 'api')).toHaveLength(1);
    [state] = await getDriftState(env.deps);
    expect(state).toMatchObject({ name: 'api', condition: 'ok', resolvedAt: third.startedAt });
    expect(state.details).toBeUndefined();
    expect(await getDriftState(env.deps, { includeResolved: false })).toEqual([]);
    expect(env.records('scan.completed')).toHaveLength(4);
  });

  it('rewrites a drifted app only when its state changes; readers still see it seen by every scan', async () => {
    env = await startDriftEnv({ store: 'dynamodb', instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] }), app('web')] } } });
    const sim = env.sims.default.sim;
    const ref = { instance: 'default', namespace: 'argocd', name: 'api' };
    const scans = [];
    for (let i = 0; i < 3; i++) {
      scans.push(await runDriftScan(env.deps));
      env.advanceMinutes(5);
    }
    // One write (version 1) in three scans: the later two found the same drift and the same details.
    const state = await env.deps.driftState.readApp(ref);
    expect(state).toMatchObject({ condition: 'drifted', version: 1, consecutiveScans: 3, firstSeen: scans[0].startedAt, lastSeen: scans[2].startedAt });
    const [shown] = await getDriftState(env.deps);
    expect(shown).toMatchObject({ name: 'api', consecutiveScans: 3, lastSeen: scans[2].startedAt });
    expect(shown).not.toHaveProperty('scanSeq');
    expect(scans.map((s) => s.drifted)).toEqual([1, 1, 1]);

    // Another field drifts: the details change, so the state is written, and the count goes on.
    sim.injectDrift({ name: 'api' }, { kind: 'Service', name: 'api', field: 'spec.type', value: 'NodePort' });
    const fourth = await runDriftScan(env.deps);
    expect(await env.deps.driftState.readApp(ref)).toMatchObject({ version: 2, consecutiveScans: 4, lastSeen: fourth.startedAt });
    expect(fourth.findings[0].details?.resources.map((r) => r.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(env.records('drift.found', 'api')).toHaveLength(1);

    // Resolved: written (and audited) at once, and not confirmed by later scans.
    sim.clearDrift({ name: 'api' });
    env.advanceMinutes(5);
    const fifth = await runDriftScan(env.deps);
    env.advanceMinutes(5);
    await runDriftScan(env.deps);
    expect(await env.deps.driftState.readApp(ref)).toMatchObject({ condition: 'ok', version: 3, consecutiveScans: 1, lastSeen: fifth.startedAt });
    expect(env.records('drift.resolved', 'api')).toHaveLength(1);
  });

  it("fetches a continuing drift's details on every scan by default", async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] })] } } });
    await runDriftScan(env.deps);
    await runDriftScan(env.deps);
    expect(env.sims.default.sim.requestsTo('GET', /managed-resources$/)).toHaveLength(2);
  });

  it('with detailsRefresh on-change, fetches details again only when the OutOfSync resources or the revision change', async () => {
    env = await startDriftEnv({
      drift: { detailsRefresh: 'on-change' },
      instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] }), app('web')] } },
    });
    const sim = env.sims.default.sim;
    const detailCalls = () => sim.requestsTo('GET', /managed-resources$/).length;
    await runDriftScan(env.deps);
    expect(detailCalls()).toBe(1);

    // Same drift: the stored details are kept, no call, no write.
    const second = await runDriftScan(env.deps);
    expect(detailCalls()).toBe(1);
    expect(second.findings[0].details).toMatchObject({
      source: 'managed-resources',
      resources: [{ kind: 'Deployment', fields: [{ path: 'spec.replicas', live: '5' }] }],
    });
    expect(await env.deps.driftState.readApp({ instance: 'default', namespace: 'argocd', name: 'api' })).toMatchObject({ version: 1, consecutiveScans: 2 });

    // Another resource goes OutOfSync: fetched again.
    sim.injectDrift({ name: 'api' }, { kind: 'Service', name: 'api', field: 'spec.type', value: 'NodePort' });
    const third = await runDriftScan(env.deps);
    expect(detailCalls()).toBe(2);
    expect(third.findings[0].details?.resources.map((r) => r.kind).sort()).toEqual(['Deployment', 'Service']);

    // The trade-off the setting documents: another value inside an already OutOfSync resource shows once fetched again.
    sim.injectDrift({ name: 'api' }, replicasDrift('api', 7));
    const fourth = await runDriftScan(env.deps);
    expect(detailCalls()).toBe(2);
    expect(fourth.findings[0].details?.resources.find((r) => r.kind === 'Deployment')?.fields).toEqual([expect.objectContaining({ live: '5' })]);

    // A new revision to compare against: fetched again, and the new value shows.
    sim.setHead('https://github.com/acme/api.git', 'main', 'c'.repeat(40));
    sim.reconcileAll();
    const fifth = await runDriftScan(env.deps);
    expect(detailCalls()).toBe(3);
    expect(fifth.findings[0].details?.resources.find((r) => r.kind === 'Deployment')?.fields).toContainEqual({
      path: 'spec.replicas',
      live: '7',
      desired: expect.any(String),
    });
  });

  it('lists scan summaries newest first through the by-kind index, within a time range', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] })] } } });
    const a = await runDriftScan(env.deps);
    env.advanceMinutes(5);
    const b = await runDriftScan(env.deps, { dryRun: true, actor: 'local:alice' });
    env.advanceMinutes(5);
    const c = await runDriftScan(env.deps);

    const all = await listScans(env.deps);
    expect(all.map((s) => s.scanId)).toEqual([c.scanId, b.scanId, a.scanId]);
    expect(all[1]).toMatchObject({ dryRun: true, actor: 'local:alice', apps: 1, drifted: 1, consistencyPercent: 0, instances: 1, unreachable: [] });
    expect((await listScans(env.deps, { from: b.startedAt, to: b.startedAt })).map((s) => s.scanId)).toEqual([b.scanId]);
    expect((await listScans(env.deps, { limit: 1 })).map((s) => s.scanId)).toEqual([c.scanId]);
    expect(await listScans(env.deps, { from: c.startedAt, to: a.startedAt })).toEqual([]);
  });

  it('gives field details for at most maxDetailsPerScan drifted apps and names the rest from status', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: ['a', 'b', 'c'].map((n) => app(n, { drift: [replicasDrift(n)] })) } },
      drift: { maxDetailsPerScan: 1, detailsConcurrency: 1 },
    });
    const result = await runDriftScan(env.deps);
    expect(result).toMatchObject({ drifted: 3, detailsFetched: 1, detailsSkipped: 2 });
    expect(env.sims.default.sim.requestsTo('GET', /managed-resources$/)).toHaveLength(1);
    const sources = result.findings.map((f) => f.details?.source).sort();
    expect(sources).toEqual(['managed-resources', 'status', 'status']);
    expect(result.findings.find((f) => f.details?.source === 'status')!.details!.resources).toEqual([
      expect.objectContaining({ kind: 'Deployment', change: 'modified' }),
    ]);
  });
});

describe('conditionOf', () => {
  it('treats an OutOfSync resource as drift, Unknown as unknown, Degraded and Missing health as unhealthy', () => {
    expect(conditionOf({ status: { sync: { status: 'Synced' }, resources: [{ kind: 'Service', status: 'OutOfSync' }] } })).toBe('drifted');
    expect(conditionOf({ status: { sync: { status: 'Unknown' } } })).toBe('unknown');
    expect(conditionOf({ status: { sync: { status: 'Synced' }, health: { status: 'Missing' } } })).toBe('unhealthy');
    expect(conditionOf({ status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } })).toBe('ok');
  });
});
