import { computeStats, percentile, statsRange, StatsRangeError } from '../../../functions/lib/stats';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(100);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('statsRange', () => {
  const now = new Date('2024-05-10T12:00:00Z');
  it('defaults to the last seven days and reads whole days', () => {
    expect(statsRange({}, now)).toEqual({ from: '2024-05-04T00:00:00.000Z', to: '2024-05-10T12:00:00.000Z' });
    expect(statsRange({ from: '2024-05-01', to: '2024-05-02' }, now)).toEqual({ from: '2024-05-01T00:00:00.000Z', to: '2024-05-02T23:59:59.999Z' });
  });
  it('names the parameter of a bad range', () => {
    expect(() => statsRange({ from: 'x' }, now)).toThrow(StatsRangeError);
    expect(() => statsRange({ from: '2024-05-03', to: '2024-05-01' }, now)).toThrow(expect.objectContaining({ parameter: 'from' }));
  });
});

describe('computeStats', () => {
  it('counts per day and app, correlates latency without latencyMs, and measures drift episodes', async () => {
    // Prepare
    const audit = new InMemoryAuditStore();
    const base = { actor: 't', outcome: 'success' as const, message: 'm', instance: 'i' };
    await audit.append({ ...base, kind: 'webhook.received', ts: '2024-05-01T10:00:00.000Z', deliveryId: 'd1', instance: undefined });
    await audit.append({ ...base, kind: 'app.refreshed', ts: '2024-05-01T10:00:00.250Z', deliveryId: 'd1', app: 'a' });
    await audit.append({ ...base, kind: 'app.synced', ts: '2024-05-01T10:00:00.100Z', deliveryId: 'd1', app: 'b', details: { latencyMs: 100 } });
    await audit.append({ ...base, kind: 'app.synced', outcome: 'failure', ts: '2024-05-01T10:00:01.000Z', deliveryId: 'd1', app: 'b' });
    await audit.append({ ...base, kind: 'drift.found', ts: '2024-05-01T11:00:00.000Z', app: 'a' });
    await audit.append({ ...base, kind: 'drift.found', ts: '2024-05-01T11:05:00.000Z', app: 'a' });
    await audit.append({ ...base, kind: 'drift.resolved', ts: '2024-05-01T11:10:00.000Z', app: 'a' });
    await audit.append({ ...base, kind: 'scan.completed', ts: '2024-05-01T11:10:00.000Z', details: { consistencyPercent: 99.5 } });

    // Act
    const stats = await computeStats({ auditStore: audit, now: () => new Date('2024-05-02T00:00:00Z') }, { from: '2024-05-01', to: '2024-05-01' });

    // Assess
    expect(stats.days).toHaveLength(1);
    expect(stats.days[0]).toMatchObject({
      pushes: 1,
      refreshes: 1,
      syncs: 2,
      failed: 1,
      successRate: 0.6667,
      latencyP50Ms: 100,
      latencyP95Ms: 250,
      driftFound: 2,
      driftResolved: 1,
      mttrMs: 600_000,
      scans: 1,
      consistencyPercent: 99.5,
    });
    expect(stats.apps.map((a) => `${a.app}:${a.pushes}:${a.failed}`)).toEqual(['a:1:0', 'b:1:1']);
  });

  it('counts deployments per day and app, their success share and the lead time p50/p95; superseded ones are neither', async () => {
    const audit = new InMemoryAuditStore();
    const base = { actor: 't', message: 'm', instance: 'i', namespace: 'argocd' };
    const ok = (app: string, ts: string, leadTimeMs: number) =>
      audit.append({ ...base, kind: 'deploy.succeeded', outcome: 'success', app, ts, details: { leadTimeMs } });
    await ok('a', '2024-05-01T10:00:00.000Z', 60_000);
    await ok('a', '2024-05-01T11:00:00.000Z', 120_000);
    await ok('b', '2024-05-02T10:00:00.000Z', 30_000);
    await audit.append({ ...base, kind: 'deploy.degraded', outcome: 'failure', app: 'b', ts: '2024-05-02T11:00:00.000Z' });
    await audit.append({ ...base, kind: 'deploy.timeout', outcome: 'failure', app: 'b', ts: '2024-05-02T12:00:00.000Z' });
    await audit.append({ ...base, kind: 'deploy.superseded', outcome: 'skipped', app: 'a', ts: '2024-05-02T13:00:00.000Z' });

    const stats = await computeStats({ auditStore: audit, now: () => new Date('2024-05-03T00:00:00Z') }, { from: '2024-05-01', to: '2024-05-02' });

    expect(stats.totals).toMatchObject({
      deployments: 5,
      deploySucceeded: 3,
      deployFailed: 2,
      deploySuperseded: 1,
      deploySuccessRate: 0.6,
      leadTimeP50Ms: 60_000,
      leadTimeP95Ms: 120_000,
      leadTimeSamples: 3,
    });
    expect(stats.days.map((d) => [d.day, d.deployments, d.leadTimeP50Ms])).toEqual([
      ['2024-05-01', 2, 60_000],
      ['2024-05-02', 3, 30_000],
    ]);
    expect(stats.apps.map((a) => [a.app, a.deployments, a.deploySuccessRate])).toEqual([
      ['a', 2, 1],
      ['b', 3, 0.3333],
    ]);
  });

  it('takes scans from listScans when given', async () => {
    const stats = await computeStats(
      {
        auditStore: new InMemoryAuditStore(),
        listScans: async () => [
          { startedAt: '2024-05-01T01:00:00.000Z', consistencyPercent: 90 },
          { startedAt: '2024-05-01T02:00:00.000Z', consistencyPercent: 100 },
        ],
      },
      { from: '2024-05-01', to: '2024-05-01' },
    );
    expect(stats.days[0]).toMatchObject({ scans: 2, consistencyPercent: 95, minConsistencyPercent: 90 });
  });
});
