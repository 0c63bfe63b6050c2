import { AppIndex, linearMatch } from '../../../functions/lib/matching/app-index';
import type { IndexedApp, IndexedSource, MatchResult } from '../../../functions/lib/matching/types';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { branchPush, makeApp, makePush, tagPush } from './helpers';

const SHA = '0123456789abcdef0123456789abcdef01234567';

/** Matches with both the index and the linear scan, checks they agree, returns the index's answer. */
function match(apps: IndexedApp[], push: PushEvent): MatchResult[] {
  const viaIndex = new AppIndex(apps).match(push);
  expect(linearMatch(apps, push)).toEqual(viaIndex);
  return viaIndex;
}

/** Names of the matched apps, sorted (the order is checked separately). */
function names(results: MatchResult[]): string[] {
  return results.map((r) => r.app.name).sort();
}

function withTarget(name: string, targetRevision: string | undefined, extra: Partial<IndexedSource> = {}): IndexedApp {
  return makeApp({ name, sources: [{ repoURL: 'https://github.com/org/repo', targetRevision, path: 'apps/x', ...extra }] });
}

describe('Class: AppIndex', () => {
  describe('Method: match (repository)', () => {
    it('matches an app whose repoURL is spelt differently from the push URLs', () => {
      const apps = [
        makeApp({ name: 'https', sources: [{ repoURL: 'https://GitHub.com/Org/Repo.git', targetRevision: 'main' }] }),
        makeApp({ name: 'ssh', sources: [{ repoURL: 'ssh://git@github.com:22/org/repo', targetRevision: 'main' }] }),
        makeApp({ name: 'scp', sources: [{ repoURL: 'git@github.com:org/repo.git', targetRevision: 'main' }] }),
        makeApp({ name: 'other', sources: [{ repoURL: 'https://github.com/org/other', targetRevision: 'main' }] }),
      ];
      expect(names(match(apps, makePush({ repoUrls: ['https://github.com/org/repo'] })))).toEqual(['https', 'scp', 'ssh']);
    });

    it('matches a multi-source app from a push to any of its repositories, once', () => {
      const app = makeApp({
        name: 'multi',
        sources: [
          { repoURL: 'https://charts.example.com', chart: 'nginx', targetRevision: '1.2.3' },
          { repoURL: 'https://github.com/org/values', targetRevision: 'main', ref: 'values' },
          { repoURL: 'https://github.com/org/repo', targetRevision: 'main', path: 'apps/multi' },
        ],
      });
      const viaValues = match([app], makePush({ repoUrls: ['https://github.com/org/values'] }));
      expect(viaValues).toHaveLength(1);
      expect(viaValues[0].sourceIndexes).toEqual([1]);
      const viaBoth = match([app], makePush({ repoUrls: ['https://github.com/org/repo', 'https://github.com/org/values'] }));
      expect(viaBoth).toHaveLength(1);
      expect(viaBoth[0].sourceIndexes).toEqual([1, 2]);
    });

    it('never matches a Helm repository source, even when its URL equals the pushed one', () => {
      const app = makeApp({ sources: [{ repoURL: 'https://github.com/org/repo', chart: 'nginx', targetRevision: 'main' }] });
      expect(match([app], makePush())).toEqual([]);
    });

    it('keeps apps of the same name in different namespaces and instances apart', () => {
      const apps = [
        makeApp({ instance: 'eu', namespace: 'argocd', name: 'web' }),
        makeApp({ instance: 'eu', namespace: 'team-a', name: 'web' }),
        makeApp({ instance: 'us', namespace: 'argocd', name: 'web' }),
      ];
      const results = match(apps, makePush());
      expect(results.map((r) => `${r.app.instance}/${r.app.namespace}/${r.app.name}`)).toEqual(['eu/argocd/web', 'eu/team-a/web', 'us/argocd/web']);
    });

    it('matches nothing for a push without repository URLs', () => {
      expect(match([makeApp()], makePush({ repoUrls: [] }))).toEqual([]);
    });
  });

  describe('Method: match (revision)', () => {
    it('matches a branch by short name and by full ref', () => {
      const apps = [withTarget('short', 'feature/x'), withTarget('full', 'refs/heads/feature/x'), withTarget('main', 'main')];
      expect(names(match(apps, branchPush('feature/x')))).toEqual(['full', 'short']);
    });

    it('does not let a full branch ref match a tag of the same name', () => {
      const apps = [withTarget('branch', 'refs/heads/v1'), withTarget('tag', 'refs/tags/v1')];
      expect(names(match(apps, tagPush('v1')))).toEqual(['tag']);
    });

    it('matches HEAD and empty targets only on a push to the default branch', () => {
      const apps = [withTarget('head', 'HEAD'), withTarget('empty', ''), withTarget('unset', undefined), withTarget('main', 'main')];
      expect(names(match(apps, makePush({ touchedHead: true })))).toEqual(['empty', 'head', 'main', 'unset']);
      expect(names(match(apps, branchPush('develop')))).toEqual([]);
      expect(names(match(apps, makePush({ ref: 'refs/heads/trunk', touchedHead: true })))).toEqual(['empty', 'head', 'unset']);
    });

    it('matches tags exactly and as semver constraints', () => {
      const apps = [
        withTarget('exact', 'v1.2.3'),
        withTarget('caret', '^1.2.0'),
        withTarget('range', '>=1.0.0 <2.0.0'),
        withTarget('wild', '1.x'),
        withTarget('star', '*'),
        withTarget('tilde', '~1.3.0'),
        withTarget('two', '^2.0.0'),
        withTarget('refs-range', 'refs/tags/^1.0.0'),
        withTarget('branch', 'main'),
      ];
      expect(names(match(apps, tagPush('v1.2.3')))).toEqual(['caret', 'exact', 'range', 'refs-range', 'star', 'wild']);
      expect(names(match(apps, tagPush('1.3.1')))).toEqual(['caret', 'range', 'refs-range', 'star', 'tilde', 'wild']);
    });

    it('applies semver constraints to tags only, and only to valid versions', () => {
      const apps = [withTarget('caret', '^1.0.0'), withTarget('star', '*')];
      expect(names(match(apps, branchPush('1.2.3')))).toEqual([]);
      expect(names(match(apps, tagPush('release-1.2')))).toEqual([]);
      expect(names(match(apps, tagPush('v1.2.3-rc.1')))).toEqual([]);
    });

    it('does not read a branch called x as a semver wildcard', () => {
      expect(names(match([withTarget('x', 'x')], tagPush('v1.0.0')))).toEqual([]);
    });

    it('matches a commit-pinned app only on a push of that commit', () => {
      const apps = [withTarget('full', SHA), withTarget('short', SHA.slice(0, 7)), withTarget('upper', SHA.toUpperCase())];
      expect(names(match(apps, makePush({ revision: 'f'.repeat(40) })))).toEqual([]);
      expect(names(match(apps, makePush({ revision: SHA })))).toEqual(['full', 'short', 'upper']);
    });

    it('does not match a commit-pinned app on a deleted ref (empty revision)', () => {
      expect(match([withTarget('pinned', SHA)], makePush({ revision: '', deleted: true }))).toEqual([]);
    });
  });

  describe('Method: match (manifest-generate-paths)', () => {
    const paths = (name: string, annotation: string, sourcePath = 'apps/web'): IndexedApp =>
      makeApp({
        name,
        annotations: { 'argocd.argoproj.io/manifest-generate-paths': annotation },
        sources: [{ repoURL: 'https://github.com/org/repo', targetRevision: 'main', path: sourcePath }],
      });
    const filesPush = (...changedFiles: string[]) => makePush({ changedFiles });

    it('reads "." as the source path itself', () => {
      const apps = [paths('dot', '.')];
      expect(names(match(apps, filesPush('apps/web/deploy.yaml')))).toEqual(['dot']);
      expect(names(match(apps, filesPush('apps/webby/deploy.yaml', 'apps/api/x.yaml')))).toEqual([]);
    });

    it('reads relative paths from the source path and absolute ones from the repository root', () => {
      const apps = [paths('rel', '../common'), paths('abs', '/shared/base'), paths('both', '.;/shared')];
      expect(names(match(apps, filesPush('apps/common/cm.yaml')))).toEqual(['rel']);
      expect(names(match(apps, filesPush('shared/base/kustomization.yaml')))).toEqual(['abs', 'both']);
      expect(names(match(apps, filesPush('/apps/web/x.yaml')))).toEqual(['both']);
    });

    it('trims items and ignores empty ones', () => {
      const apps = [paths('spaced', ' . ;; /shared ;')];
      expect(names(match(apps, filesPush('shared/a.yaml')))).toEqual(['spaced']);
      expect(names(match(apps, filesPush('other/a.yaml')))).toEqual([]);
    });

    it('matches globs against files and against directories holding them', () => {
      const apps = [paths('ext', '/config/*.yaml'), paths('deep', '/envs/**/prod/*.yaml'), paths('dir', '/clusters/*')];
      expect(names(match(apps, filesPush('config/app.yaml')))).toEqual(['ext']);
      expect(names(match(apps, filesPush('config/app.json')))).toEqual([]);
      expect(names(match(apps, filesPush('envs/eu/west/prod/values.yaml')))).toEqual(['deep']);
      expect(names(match(apps, filesPush('clusters/eu-1/apps/web.yaml')))).toEqual(['dir']);
    });

    it('matches every push that lists no files (null or empty)', () => {
      const apps = [paths('dot', '.')];
      expect(names(match(apps, makePush({ changedFiles: null })))).toEqual(['dot']);
      expect(names(match(apps, makePush({ changedFiles: [] })))).toEqual(['dot']);
    });

    it('does not filter apps without the annotation, or with an empty one', () => {
      const apps = [makeApp({ name: 'none' }), paths('empty', ' ; ')];
      expect(names(match(apps, filesPush('unrelated/file.txt')))).toEqual(['empty', 'none']);
    });

    it('never matches a relative path that climbs out of the repository', () => {
      expect(match([paths('escape', '../../../x')], filesPush('x/a.yaml'))).toEqual([]);
    });

    it('applies the annotation to each source of a multi-source app against its own path', () => {
      const app = makeApp({
        name: 'multi',
        annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
        sources: [
          { repoURL: 'https://github.com/org/repo', targetRevision: 'main', path: 'a' },
          { repoURL: 'https://github.com/org/repo', targetRevision: 'main', path: 'b' },
        ],
      });
      const [result] = match([app], filesPush('b/values.yaml'));
      expect(result.sourceIndexes).toEqual([1]);
    });
  });

  describe('Method: match (action)', () => {
    const syncOnPush = { 'gitops-sentinel/sync-on-push': 'true' };

    it('refreshes unannotated apps and auto-sync apps', () => {
      const results = match([makeApp({ name: 'manual' }), makeApp({ name: 'auto', autoSync: true })], makePush());
      expect(results.map((r) => [r.app.name, r.action])).toEqual([
        ['manual', 'refresh'],
        ['auto', 'refresh'],
      ]);
      expect(results[0].revision).toBeUndefined();
    });

    it('syncs apps annotated sync-on-push to the pushed revision', () => {
      const [result] = match([makeApp({ annotations: syncOnPush })], makePush({ revision: SHA }));
      expect(result.action).toBe('sync');
      expect(result.revision).toBe(SHA);
      expect(result.reason).toContain('sync-on-push');
    });

    it('refreshes an auto-sync app even when annotated sync-on-push', () => {
      const [result] = match([makeApp({ annotations: syncOnPush, autoSync: true })], makePush());
      expect(result.action).toBe('refresh');
    });

    it('only refreshes on a deleted ref', () => {
      const [result] = match([makeApp({ annotations: syncOnPush })], makePush({ deleted: true, revision: '' }));
      expect(result.action).toBe('refresh');
      expect(result.reason).toContain('deleted');
    });

    it('does not sync for a sync-on-push value other than "true"', () => {
      const [result] = match([makeApp({ annotations: { 'gitops-sentinel/sync-on-push': 'yes' } })], makePush());
      expect(result.action).toBe('refresh');
    });

    it('returns ignored apps that the push affects as skipped, with the reason', () => {
      const apps = [
        makeApp({ name: 'ignored', annotations: { 'gitops-sentinel/ignore': 'true', ...syncOnPush } }),
        makeApp({ name: 'any-value', annotations: { 'gitops-sentinel/ignore': '' } }),
        makeApp({ name: 'not-ignored', annotations: { 'gitops-sentinel/ignore': 'false' } }),
        makeApp({ name: 'ignored-elsewhere', annotations: { 'gitops-sentinel/ignore': 'true' }, sources: [{ repoURL: 'https://github.com/org/other' }] }),
      ];
      const results = match(apps, makePush());
      expect(results.map((r) => [r.app.name, r.action])).toEqual([
        ['ignored', 'skip'],
        ['any-value', 'skip'],
        ['not-ignored', 'refresh'],
      ]);
      expect(results[0].reason).toContain('gitops-sentinel/ignore');
    });

    it('explains which source matched and why', () => {
      const [result] = match([makeApp()], makePush());
      expect(result.reason).toMatch(/^source 0: targetRevision main; push lists no changed files; refresh/);
    });
  });

  describe('Method: match (order)', () => {
    it('answers in insertion order across repositories, an upsert moving an app to the end', () => {
      // Prepare: c uses a second repo; the push names both repos
      const index = new AppIndex([
        makeApp({ name: 'a' }),
        makeApp({ name: 'b', sources: [{ repoURL: 'https://github.com/org/other', targetRevision: 'main' }] }),
        makeApp({ name: 'c' }),
      ]);
      const push = makePush({ repoUrls: ['https://github.com/org/repo', 'https://github.com/org/other'] });
      // Act + Assess
      expect(index.match(push).map((r) => r.app.name)).toEqual(['a', 'b', 'c']);
      index.upsert(makeApp({ name: 'a' }));
      expect(index.match(push).map((r) => r.app.name)).toEqual(['b', 'c', 'a']);
    });
  });

  describe('Method: upsert / remove', () => {
    it('replaces an app with the same identity, including its repository', () => {
      const index = new AppIndex([makeApp()]);
      index.upsert(makeApp({ sources: [{ repoURL: 'https://github.com/org/other', targetRevision: 'main' }] }));
      expect(index.size).toBe(1);
      expect(index.match(makePush())).toEqual([]);
      expect(index.match(makePush({ repoUrls: ['https://github.com/org/other'] }))).toHaveLength(1);
    });

    it('removes an app and forgets a repository left without apps', () => {
      const index = new AppIndex([makeApp({ name: 'a' }), makeApp({ name: 'b', namespace: 'team' })]);
      expect(index.remove({ instance: 'default', namespace: 'argocd', name: 'a' })).toBe(true);
      expect(index.remove({ instance: 'default', namespace: 'argocd', name: 'a' })).toBe(false);
      expect(names(index.match(makePush()))).toEqual(['b']);
      index.remove({ instance: 'default', namespace: 'team', name: 'b' });
      expect(index.size).toBe(0);
      expect(index.repoCount).toBe(0);
    });

    it('looks apps up by identity and by repository', () => {
      const index = new AppIndex([makeApp()]);
      expect(index.has({ instance: 'default', namespace: 'argocd', name: 'app' })).toBe(true);
      expect(index.get({ instance: 'default', namespace: 'argocd', name: 'app' })?.name).toBe('app');
      expect(index.appsForRepo('git@github.com:org/repo')).toHaveLength(1);
      expect(index.apps()).toHaveLength(1);
    });
  });
});
