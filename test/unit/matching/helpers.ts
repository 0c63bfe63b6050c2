import type { IndexedApp } from '../../../functions/lib/matching/types';
import type { PushEvent } from '../../../functions/lib/providers/types';

/** A single-source app on github.com/org/repo tracking `main`, overridable field by field. */
export function makeApp(overrides: Partial<IndexedApp> = {}): IndexedApp {
  return {
    instance: 'default',
    namespace: 'argocd',
    name: 'app',
    project: 'default',
    annotations: {},
    labels: {},
    sources: [{ repoURL: 'https://github.com/org/repo.git', targetRevision: 'main', path: 'apps/app' }],
    autoSync: false,
    selfHeal: false,
    ...overrides,
  };
}

/** A push of `main` to github.com/org/repo (the default branch), overridable field by field. */
export function makePush(overrides: Partial<PushEvent> = {}): PushEvent {
  return {
    provider: 'github',
    deliveryId: 'd-1',
    repoUrls: ['https://github.com/org/repo', 'git@github.com:org/repo.git'],
    revision: 'a'.repeat(40),
    ref: 'refs/heads/main',
    isTag: false,
    touchedHead: true,
    deleted: false,
    changedFiles: null,
    pusher: 'alice',
    commits: [],
    ...overrides,
  };
}

/** A tag push. */
export function tagPush(tag: string, overrides: Partial<PushEvent> = {}): PushEvent {
  return makePush({ ref: `refs/tags/${tag}`, isTag: true, touchedHead: false, ...overrides });
}

/** A branch push that is not the default branch. */
export function branchPush(branch: string, overrides: Partial<PushEvent> = {}): PushEvent {
  return makePush({ ref: `refs/heads/${branch}`, touchedHead: false, ...overrides });
}
