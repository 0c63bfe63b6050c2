import { AppIndex } from '../../../functions/lib/matching/app-index';
import { fromArgoCDApplication } from '../../../functions/lib/matching/from-argocd';
import type { ArgoCDApplicationLike } from '../../../functions/lib/matching/from-argocd';
import { makePush } from './helpers';

describe('fromArgoCDApplication', () => {
  it('converts a single-source auto-sync app', () => {
    // Prepare
    const app: ArgoCDApplicationLike = {
      metadata: { name: 'guestbook', namespace: 'argocd', annotations: { 'gitops-sentinel/sync-on-push': 'true' }, labels: { team: 'a' } },
      spec: {
        project: 'web',
        source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', targetRevision: 'HEAD', path: 'guestbook' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    // Act
    const indexed = fromArgoCDApplication(app, 'prod');
    // Assess
    expect(indexed).toEqual({
      instance: 'prod',
      namespace: 'argocd',
      name: 'guestbook',
      project: 'web',
      annotations: { 'gitops-sentinel/sync-on-push': 'true' },
      labels: { team: 'a' },
      sources: [{ repoURL: 'https://github.com/argoproj/argocd-example-apps.git', targetRevision: 'HEAD', path: 'guestbook' }],
      autoSync: true,
      selfHeal: true,
    });
  });

  it('prefers spec.sources for a multi-source app and keeps chart and ref', () => {
    const indexed = fromArgoCDApplication(
      {
        metadata: { name: 'multi', namespace: 'team-a' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://ignored.example.com/x' },
          sources: [
            { repoURL: 'https://charts.bitnami.com/bitnami', chart: 'nginx', targetRevision: '15.*' },
            { repoURL: 'https://github.com/org/values.git', targetRevision: 'main', ref: 'values' },
          ],
        },
      },
      'default',
    );
    expect(indexed.sources).toEqual([
      { repoURL: 'https://charts.bitnami.com/bitnami', chart: 'nginx', targetRevision: '15.*' },
      { repoURL: 'https://github.com/org/values.git', targetRevision: 'main', ref: 'values' },
    ]);
    expect(indexed.namespace).toBe('team-a');
  });

  it('treats automated with enabled: false as no auto-sync, and no syncPolicy likewise', () => {
    const off = fromArgoCDApplication({ metadata: { name: 'a' }, spec: { syncPolicy: { automated: { enabled: false, selfHeal: true } } } }, 'i');
    expect([off.autoSync, off.selfHeal]).toEqual([false, false]);
    const none = fromArgoCDApplication({ metadata: { name: 'a' }, spec: {} }, 'i');
    expect([none.autoSync, none.selfHeal]).toEqual([false, false]);
  });

  it('fills namespace and project defaults and copies null annotations as empty', () => {
    const indexed = fromArgoCDApplication({ metadata: { name: 'a', annotations: null, labels: null }, spec: { project: '' } }, 'i', {
      defaultNamespace: 'gitops',
    });
    expect(indexed).toMatchObject({ namespace: 'gitops', project: 'default', annotations: {}, labels: {}, sources: [] });
  });

  it('adds the hydrator dry source and, without spec.source, the sync source', () => {
    const indexed = fromArgoCDApplication(
      {
        metadata: { name: 'hydrated' },
        spec: {
          sourceHydrator: {
            drySource: { repoURL: 'https://github.com/org/dry', targetRevision: 'main', path: 'src' },
            syncSource: { targetBranch: 'env/prod', path: 'out' },
          },
        },
      },
      'i',
    );
    expect(indexed.sources).toEqual([
      { repoURL: 'https://github.com/org/dry', targetRevision: 'env/prod', path: 'out' },
      { repoURL: 'https://github.com/org/dry', targetRevision: 'main', path: 'src' },
    ]);
  });

  it('throws a TypeError for an object without a name', () => {
    expect(() => fromArgoCDApplication({ metadata: {} }, 'i')).toThrow(TypeError);
  });

  it('feeds the index directly', () => {
    const indexed = fromArgoCDApplication(
      { metadata: { name: 'a', namespace: 'argocd' }, spec: { source: { repoURL: 'git@github.com:org/repo.git', targetRevision: 'main' } } },
      'default',
    );
    expect(new AppIndex([indexed]).match(makePush())).toHaveLength(1);
  });
});
