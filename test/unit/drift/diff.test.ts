import { diffValues, resourceDriftOf } from '../../../functions/lib/drift';

describe('diffValues', () => {
  it('names leaf paths, array indexes and keys that are not identifiers', () => {
    const live = { spec: { replicas: 3, template: { spec: { containers: [{ image: 'a:2' }] } } }, metadata: { labels: { 'app.kubernetes.io/name': 'x' } } };
    const desired = { spec: { replicas: 1, template: { spec: { containers: [{ image: 'a:1' }] } } }, metadata: { labels: { 'app.kubernetes.io/name': 'y' } } };
    expect(diffValues(live, desired).map(([p]) => p)).toEqual([
      'metadata.labels["app.kubernetes.io/name"]',
      'spec.replicas',
      'spec.template.spec.containers[0].image',
    ]);
  });

  it('ignores server-set fields and, one-sided, fields Git never set', () => {
    const live = { metadata: { resourceVersion: '9', uid: 'u' }, status: { ready: 1 }, spec: { replicas: 1, progressDeadlineSeconds: 600 } };
    const target = { metadata: {}, spec: { replicas: 1 } };
    expect(diffValues(live, target, { oneSided: true })).toEqual([]);
    expect(diffValues(live, target).map(([p]) => p)).toEqual(['spec.progressDeadlineSeconds']);
  });
});

describe('resourceDriftOf', () => {
  it('reports missing and extra resources, and nothing for hooks or unmodified ones', () => {
    const target = JSON.stringify({ kind: 'Service', spec: { type: 'ClusterIP' } });
    expect(resourceDriftOf({ kind: 'Service', name: 's', liveState: 'null', targetState: target, modified: true })).toMatchObject({ change: 'missing' });
    expect(resourceDriftOf({ kind: 'Service', name: 's', liveState: target, targetState: 'null', modified: true })).toMatchObject({ change: 'extra' });
    expect(resourceDriftOf({ kind: 'Service', name: 's', liveState: target, targetState: target, modified: false })).toBeUndefined();
    expect(resourceDriftOf({ kind: 'Job', name: 'j', hook: true, liveState: 'null', targetState: target })).toBeUndefined();
  });

  it('keeps only paths for Secrets, whatever the state strings hold', () => {
    const d = resourceDriftOf({
      kind: 'Secret',
      name: 'creds',
      normalizedLiveState: JSON.stringify({ data: { token: 'bGl2ZQ==', user: 'YQ==' } }),
      predictedLiveState: JSON.stringify({ data: { token: 'Z2l0', user: 'YQ==' } }),
      modified: true,
    });
    expect(d).toEqual({ kind: 'Secret', name: 'creds', change: 'modified', fields: [{ path: 'data.token' }] });
  });

  it('truncates long values', () => {
    const d = resourceDriftOf({
      kind: 'ConfigMap',
      name: 'c',
      liveState: JSON.stringify({ data: { big: 'x'.repeat(1000) } }),
      targetState: JSON.stringify({ data: { big: 'y' } }),
      modified: true,
    });
    expect(d!.fields![0].live!.length).toBeLessThanOrEqual(121);
    expect(d!.fields![0].desired).toBe('"y"');
  });
});
