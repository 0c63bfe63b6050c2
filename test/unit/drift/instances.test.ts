import { getDriftState, runDriftScan } from '../../../functions/lib/drift';
import type { SecretRef } from '../../../functions/lib/config/types';
import { app, replicasDrift, startDriftEnv, type DriftEnv } from './drift-env';

describe('runDriftScan: instances that fail', () => {
  let env: DriftEnv;
  afterEach(() => env?.close());

  it('reports a down instance as unreachable, audits it, scans the others and leaves its stored state alone', async () => {
    // Prepare: a first scan records drift on both instances.
    env = await startDriftEnv({
      instances: {
        east: { apps: [app('api', { drift: [replicasDrift('api')] })] },
        west: { apps: [app('billing', { drift: [replicasDrift('billing')] })] },
      },
    });
    await runDriftScan(env.deps);
    env.sims.west.sim.injectFaults({ down: true });
    env.sims.east.sim.clearDrift({ name: 'api' });
    env.advanceMinutes(5);

    const warnings: [string, Record<string, unknown>][] = [];
    const log = { ...env.deps.log, warn: (m: string, extra: Record<string, unknown> = {}) => void warnings.push([m, extra]) };

    // Act
    const result = await runDriftScan({ ...env.deps, log });

    // Assess
    expect(result).toMatchObject({ instances: 2, instancesScanned: 1, apps: 1, drifted: 0, resolved: 1 });
    // Powertools drops a log field named `message`: the error text travels as `detail`.
    const warned = warnings.find(([m]) => m === 'drift: instance unreachable')?.[1];
    expect(warned).toEqual({ instance: 'west', reason: 'unavailable', detail: expect.stringContaining('west') });
    expect(result.unreachable).toEqual([{ instance: 'west', reason: 'unavailable', message: expect.stringContaining('west') }]);
    expect(env.records('instance.unreachable')).toEqual([
      expect.objectContaining({ instance: 'west', outcome: 'failure', details: expect.objectContaining({ reason: 'unavailable' }) }),
    ]);
    const west = await getDriftState(env.deps, { instance: 'west' });
    expect(west).toEqual([expect.objectContaining({ name: 'billing', condition: 'drifted', consecutiveScans: 1 })]);
    expect(env.records('drift.resolved').map((r) => r.app)).toEqual(['api']);
    expect(env.metrics).toContainEqual({ name: 'UnreachableInstances', unit: 'Count', value: 1 });
    expect(env.records('scan.completed').at(-1)).toMatchObject({ outcome: 'success' });
  });

  it('reports a slow instance as unreachable (timeout) while the other is scanned', async () => {
    env = await startDriftEnv({
      instances: { fast: { apps: [app('api')] }, slow: { apps: [app('web')] } },
      // Far apart, so that a loaded machine cannot make the fast instance miss the deadline.
      argocd: { timeoutMs: 5_000, retries: 0 },
    });
    env.sims.slow.sim.injectFaults({ latencyMs: 60_000 });
    const result = await runDriftScan(env.deps);
    expect(result.unreachable).toEqual([expect.objectContaining({ instance: 'slow', reason: 'timeout' })]);
    expect(result).toMatchObject({ instancesScanned: 1, apps: 1, consistencyPercent: 100 });
  });

  it('recovers from a 401 with one token refresh (rotated token)', async () => {
    const tokens: Record<string, string> = {};
    const get = jest.fn(async (ref: SecretRef) => tokens[String(ref.env)] ?? 'stale-token-000000');
    const refresh = jest.fn(async (ref: SecretRef) => (tokens[String(ref.env)] = `rotated-${String(ref.env)}-token`));
    env = await startDriftEnv({ instances: { default: { apps: [app('api', { drift: [replicasDrift('api')] })] } }, secrets: { get, refresh } });
    env.sims.default.sim.setToken('rotated-default-token');

    const result = await runDriftScan(env.deps);

    expect(result).toMatchObject({ unreachable: [], apps: 1, drifted: 1 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(env.sims.default.sim.requests.map((r) => r.status)).toEqual([401, 200, 200]);
  });

  it('reports an instance that still answers 401 after the refresh as unauthorized, never leaking the token', async () => {
    const get = jest.fn(async (ref: SecretRef) => (ref.env === 'good' ? 'tok-good-0123456789' : 'bad-token-abcdef'));
    const refresh = jest.fn(async (ref: SecretRef) => get(ref));
    env = await startDriftEnv({ instances: { good: { apps: [app('api')] }, bad: { apps: [app('web')] } }, secrets: { get, refresh } });

    const result = await runDriftScan(env.deps);

    expect(result.unreachable).toEqual([expect.objectContaining({ instance: 'bad', reason: 'unauthorized' })]);
    expect(result).toMatchObject({ instancesScanned: 1, apps: 1 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(env.sims.bad.sim.requests.map((r) => r.status)).toEqual([401, 401]);
    expect(JSON.stringify({ result, audit: env.audit.records() })).not.toContain('bad-token-abcdef');
  });

  it('rejects unknown instance names with a TypeError', async () => {
    env = await startDriftEnv({ instances: { default: { apps: [] } } });
    await expect(runDriftScan(env.deps, { instances: ['nope'] })).rejects.toThrow(TypeError);
    const only = await runDriftScan(env.deps, { instances: ['default'] });
    expect(only).toMatchObject({ instances: 1, apps: 0, consistencyPercent: 100 });
  });
});
