import { createDriftScanHandler } from '../../../functions/drift-scan/handler';
import { listScans } from '../../../functions/lib/drift';
import { app, replicasDrift, startDriftEnv, type DriftEnv } from './drift-env';

describe('drift-scan handler', () => {
  let env: DriftEnv;
  afterEach(() => env?.close());

  it('turns an EventBridge scheduled event into one scan, returns its summary and flushes metrics', async () => {
    // The DynamoDB adapter on dynalite and the simulator over HTTP here: the deployed path, end to end.
    env = await startDriftEnv({ store: 'dynamodb', transport: 'http', instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] })] } } });
    const flushMetrics = jest.fn();
    const handler = createDriftScanHandler(() => ({ ...env.deps, flushMetrics }));

    const summary = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2025-06-02T10:00:00Z', detail: {} });

    expect(summary).toMatchObject({ apps: 1, drifted: 1, actor: 'scheduler', dryRun: false });
    expect(summary).not.toHaveProperty('findings');
    expect(flushMetrics).toHaveBeenCalledTimes(1);
    expect((await listScans(env.deps)).map((s) => s.scanId)).toEqual([summary.scanId]);
  });

  it('accepts scan options on a direct invocation (local stack, POST /api/drift/scan)', async () => {
    env = await startDriftEnv({
      instances: { default: { apps: [app('api', { annotations: { 'gitops-sentinel/auto-repair': 'true' }, drift: [replicasDrift('api')] })] } },
    });
    const handler = createDriftScanHandler(env.deps);
    const summary = await handler({ dryRun: true, actor: 'local:alice', instances: ['default'] });
    expect(summary).toMatchObject({ dryRun: true, actor: 'local:alice', skipped: 1, repaired: 0 });
    expect(env.sims.default.sim.requestsTo('POST')).toEqual([]);
  });
});
