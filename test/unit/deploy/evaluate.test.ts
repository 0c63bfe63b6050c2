import type { Application } from '../../../functions/lib/argocd/types';
import { evaluateDeployment, unhealthyResources } from '../../../functions/lib/deploy/evaluate';

const SHA = 'a'.repeat(40);
const accepted = '2026-01-10T10:00:00.000Z';
const now = new Date('2026-01-10T10:01:00.000Z');

function app(p: {
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
  revision?: string;
  sync?: string;
  health?: string;
  healthAt?: string;
  message?: string;
  pending?: boolean;
}): Application {
  return {
    metadata: { name: 'web' },
    ...(p.pending ? { operation: { sync: { revision: SHA } } } : {}),
    status: {
      sync: { status: p.sync ?? 'Synced', revision: p.revision ?? SHA },
      health: { status: p.health ?? 'Healthy', ...(p.healthAt ? { lastTransitionTime: p.healthAt } : {}) },
      ...(p.phase
        ? {
            operationState: {
              phase: p.phase,
              message: p.message,
              startedAt: p.startedAt ?? '2026-01-10T10:00:01.000Z',
              finishedAt: p.finishedAt,
              syncResult: { revision: p.revision ?? SHA },
            },
          }
        : {}),
    },
  };
}
const push = { cause: 'push' as const, acceptedAt: accepted, expectedRevision: SHA };

describe('evaluateDeployment', () => {
  it("waits while the followed operation runs, then succeeds when Synced and Healthy, healthy at ArgoCD's transition time", () => {
    expect(evaluateDeployment(app({ phase: 'Running', health: 'Progressing' }), push, now)).toMatchObject({
      state: 'waiting',
      syncStartedAt: '2026-01-10T10:00:01.000Z',
    });
    const done = evaluateDeployment(app({ phase: 'Succeeded', finishedAt: '2026-01-10T10:00:20.000Z', healthAt: '2026-01-10T10:00:30.000Z' }), push, now);
    expect(done).toMatchObject({ state: 'succeeded', revision: SHA, syncedAt: '2026-01-10T10:00:20.000Z', healthyAt: '2026-01-10T10:00:30.000Z' });
  });

  it('reports a failed operation with its message, and Degraded health after a sync', () => {
    expect(evaluateDeployment(app({ phase: 'Failed', message: 'one or more objects failed to apply\nsecond line' }), push, now)).toMatchObject({
      state: 'failed',
      reason: 'operation Failed: one or more objects failed to apply',
    });
    expect(evaluateDeployment(app({ phase: 'Succeeded', finishedAt: accepted, health: 'Degraded' }), push, now)).toMatchObject({ state: 'degraded' });
  });

  it('does not follow an operation that started before the action was accepted (beyond the clock skew)', () => {
    const old = app({ phase: 'Failed', startedAt: '2026-01-10T09:50:00.000Z', sync: 'OutOfSync', revision: 'b'.repeat(40) });
    expect(evaluateDeployment(old, push, now)).toMatchObject({ state: 'waiting' });
  });

  it('a push must end Synced; a rollback may stay OutOfSync (it deploys an older commit on purpose)', () => {
    const outOfSync = app({ phase: 'Succeeded', finishedAt: accepted, sync: 'OutOfSync' });
    expect(evaluateDeployment(outOfSync, push, now).state).toBe('waiting');
    expect(evaluateDeployment(outOfSync, { ...push, cause: 'rollback' }, now).state).toBe('succeeded');
  });

  it('waits when the operation deployed another revision than expected, or one is requested but not started', () => {
    expect(evaluateDeployment(app({ phase: 'Succeeded', finishedAt: accepted, revision: 'c'.repeat(40) }), push, now).state).toBe('waiting');
    expect(evaluateDeployment(app({ pending: true }), push, now)).toMatchObject({ state: 'waiting', reason: expect.stringMatching(/requested/) });
  });

  it('a push that needs no operation succeeds as a no-op once Synced at the pushed commit and Healthy', () => {
    expect(evaluateDeployment(app({}), push, now)).toMatchObject({ state: 'succeeded', noop: true });
    expect(evaluateDeployment(app({ revision: 'd'.repeat(40) }), push, now).state).toBe('waiting');
  });
});

describe('unhealthyResources', () => {
  it('names unhealthy tree nodes (children included) and resources whose sync failed, without control characters', () => {
    const a = {
      status: {
        resources: [{ kind: 'Deployment', name: 'web', health: { status: 'Healthy' } }],
        operationState: { syncResult: { resources: [{ kind: 'Job', name: 'migrate', status: 'SyncFailed', message: 'job failed\u001b[31m' }] } },
      },
    } as Application;
    const tree = [
      { kind: 'Deployment', name: 'web', health: { status: 'Degraded', message: 'progress deadline exceeded' } },
      { kind: 'Pod', name: 'web-1', namespace: 'web', health: { status: 'Degraded', message: 'CrashLoopBackOff' } },
      { kind: 'Service', name: 'web', health: { status: 'Healthy' } },
    ];
    expect(unhealthyResources(a, tree)).toEqual([
      { kind: 'Deployment', name: 'web', health: 'Degraded', message: 'progress deadline exceeded' },
      { kind: 'Pod', name: 'web-1', namespace: 'web', health: 'Degraded', message: 'CrashLoopBackOff' },
      { kind: 'Job', name: 'migrate', sync: 'SyncFailed', message: 'job failed[31m' },
    ]);
  });
});
