import fc from 'fast-check';
import { AppIndex, linearMatch } from '../../../functions/lib/matching/app-index';
import { normalizeRepoUrl } from '../../../functions/lib/matching/normalize-repo-url';
import type { IndexedApp, IndexedSource } from '../../../functions/lib/matching/types';
import type { PushEvent } from '../../../functions/lib/providers/types';

const SHA = '0123456789abcdef0123456789abcdef01234567';

// Small vocabularies, so that random apps and pushes actually match each other often.
const repoUrl = fc.constantFrom(
  'https://github.com/org/a',
  'git@github.com:Org/A.git',
  'ssh://git@github.com:22/org/a',
  'https://github.com/org/b.git',
  'ssh://git@gitlab.com:2222/g/c.git',
  'https://gitlab.com/g/c',
  '',
);
const targetRevision = fc.oneof(
  fc.constantFrom(
    undefined,
    '',
    'HEAD',
    'main',
    'dev',
    'refs/heads/main',
    'refs/tags/v1.0.0',
    'refs/tags/^1.0.0',
    'v1.0.0',
    '^1.0.0',
    '>=2',
    '*',
    'x',
    SHA,
    SHA.slice(0, 8),
    SHA.toUpperCase(),
  ),
  fc.string({ maxLength: 12 }),
);
const sourcePath = fc.constantFrom(undefined, '', '.', 'apps/a', 'apps/b', '/apps/a/', 'apps/a/../b');
const source: fc.Arbitrary<IndexedSource> = fc.record(
  { repoURL: repoUrl, targetRevision, path: sourcePath, chart: fc.constantFrom(undefined, 'nginx'), ref: fc.constantFrom(undefined, 'values') },
  { requiredKeys: ['repoURL'] },
);
const pathsAnnotation = fc.oneof(
  fc.constant(undefined),
  fc
    .array(fc.constantFrom('.', '..', '/shared', 'apps/*', '/apps/*/values.yaml', '**/*.yaml', '../b', '', ' ', '/', '../../..'), { maxLength: 4 })
    .map((items) => items.join(';')),
  fc.string({ maxLength: 16 }),
);
const annotations = fc
  .record({
    paths: pathsAnnotation,
    ignore: fc.constantFrom(undefined, 'true', 'false', ''),
    sync: fc.constantFrom(undefined, 'true', 'TRUE', 'false'),
  })
  .map(({ paths, ignore, sync }) => {
    const a: Record<string, string> = {};
    if (paths !== undefined) a['argocd.argoproj.io/manifest-generate-paths'] = paths;
    if (ignore !== undefined) a['gitops-sentinel/ignore'] = ignore;
    if (sync !== undefined) a['gitops-sentinel/sync-on-push'] = sync;
    return a;
  });
const appBody = fc.record({
  instance: fc.constantFrom('eu', 'us'),
  namespace: fc.constantFrom('argocd', 'team-a'),
  annotations,
  sources: fc.array(source, { minLength: 0, maxLength: 3 }),
  autoSync: fc.boolean(),
});
/** Apps with distinct identities (the index keeps one app per identity). */
const apps: fc.Arbitrary<IndexedApp[]> = fc
  .array(appBody, { maxLength: 40 })
  .map((bodies) => bodies.map((b, i) => ({ ...b, name: `app-${i}`, project: 'default', labels: {}, selfHeal: false })));
const push: fc.Arbitrary<PushEvent> = fc
  .record({
    repoUrls: fc.array(repoUrl, { maxLength: 3 }),
    ref: fc.oneof(
      fc.constantFrom(
        'refs/heads/main',
        'refs/heads/dev',
        'refs/tags/v1.0.0',
        'refs/tags/1.2.0',
        'refs/tags/v2.1.0',
        'refs/tags/1.0.0-rc.1',
        'refs/heads/x',
        `refs/heads/${SHA}`,
      ),
      fc.string({ maxLength: 12 }),
    ),
    touchedHead: fc.boolean(),
    deleted: fc.boolean(),
    revision: fc.constantFrom(SHA, 'f'.repeat(40), ''),
    changedFiles: fc.oneof(
      fc.constant(null),
      fc.array(fc.constantFrom('apps/a/x.yaml', 'apps/b/values.yaml', 'shared/cm.yaml', 'README.md', '/apps/a/deep/y.yml', 'b/z.yaml'), { maxLength: 4 }),
    ),
  })
  .map((p) => ({ ...p, provider: 'github' as const, deliveryId: 'd', isTag: p.ref.startsWith('refs/tags/'), pusher: 'p', commits: [] }));

describe('matching (property-based)', () => {
  it('normalising twice equals normalising once, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.webUrl({ withQueryParameters: true, withFragments: true }), repoUrl), (url) => {
        const once = normalizeRepoUrl(url);
        expect(normalizeRepoUrl(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('gives one key for every spelling of one repository', () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);
    const mixCase = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');
    fc.assert(
      fc.property(
        fc.record({
          host: fc.domain(),
          owner: segment,
          repo: segment,
          port: fc.integer({ min: 1, max: 65535 }),
          user: fc.constantFrom('git', 'user:token', 'x-access-token'),
          flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          suffix: fc.constantFrom('', '.git', '/', '.git/'),
        }),
        ({ host, owner, repo, port, user, flips, suffix }) => {
          const spellings = [
            `https://${host}/${owner}/${repo}${suffix}`,
            `http://${user}@${host}:${port}/${owner}/${repo}${suffix}`,
            `ssh://${user}@${host}:${port}/${owner}/${repo}${suffix}`,
            `git@${host}:${owner}/${repo}${suffix}`,
            mixCase(`https://${host}/${owner}/${repo}${suffix}`, flips),
          ];
          const keys = new Set(spellings.map(normalizeRepoUrl));
          expect(keys.size).toBe(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the index answers exactly what a linear scan answers', () => {
    fc.assert(
      fc.property(apps, fc.array(push, { minLength: 1, maxLength: 5 }), (appSet, pushes) => {
        const index = new AppIndex(appSet);
        for (const p of pushes) expect(index.match(p)).toEqual(linearMatch(appSet, p));
      }),
      { numRuns: 1500 },
    );
  });

  it('stays equal to a linear scan after upserts and removals', () => {
    fc.assert(
      fc.property(apps, apps, fc.array(fc.nat(), { maxLength: 10 }), push, (first, changes, removals, p) => {
        // Prepare: index the first set, then replace some apps and remove others
        const id = (a: IndexedApp) => `${a.instance}/${a.namespace}/${a.name}`;
        const index = new AppIndex(first);
        const current = new Map(first.map((a) => [id(a), a]));
        for (const a of changes) {
          index.upsert(a);
          current.delete(id(a)); // an upsert moves the app to the end of the order
          current.set(id(a), a);
        }
        for (const n of removals) {
          const victims = [...current.values()];
          if (victims.length === 0) break;
          const app = victims[n % victims.length];
          expect(index.remove(app)).toBe(true);
          current.delete(id(app));
        }
        // Act + Assess
        expect(index.size).toBe(current.size);
        expect(index.match(p)).toEqual(linearMatch([...current.values()], p));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary strings anywhere in apps and pushes', () => {
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));
    const anySource = fc.record({
      repoURL: str,
      targetRevision: fc.option(str, { nil: undefined }),
      path: fc.option(str, { nil: undefined }),
      chart: fc.option(str, { nil: undefined }),
    });
    const anyApp = fc.record({
      instance: str,
      namespace: str,
      name: str,
      project: str,
      annotations: fc.dictionary(
        fc.constantFrom('argocd.argoproj.io/manifest-generate-paths', 'gitops-sentinel/ignore', 'gitops-sentinel/sync-on-push', 'other'),
        str,
      ),
      labels: fc.constant({}),
      sources: fc.array(anySource, { maxLength: 3 }),
      autoSync: fc.boolean(),
      selfHeal: fc.boolean(),
    });
    const anyPush = fc.record({
      provider: fc.constant('gitlab' as const),
      deliveryId: str,
      repoUrls: fc.array(str, { maxLength: 3 }),
      revision: str,
      ref: str,
      isTag: fc.boolean(),
      touchedHead: fc.boolean(),
      deleted: fc.boolean(),
      changedFiles: fc.option(fc.array(str, { maxLength: 4 }), { nil: null }),
      pusher: str,
      commits: fc.constant([] as PushEvent['commits']),
    });
    fc.assert(
      fc.property(fc.array(anyApp, { maxLength: 10 }), anyPush, (appSet, p) => {
        // Same URL for every app and the push, so that the rules past the URL check run too.
        const shared = p.repoUrls[0] ?? 'https://github.com/org/a';
        const aimed = appSet.map((a) => ({ ...a, sources: a.sources.map((s, i) => (i === 0 ? { ...s, repoURL: shared } : s)) }));
        const index = new AppIndex(aimed);
        index.match(p);
        linearMatch(aimed, p);
      }),
      { numRuns: 2000 },
    );
  });
});
