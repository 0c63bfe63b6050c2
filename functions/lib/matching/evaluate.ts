/**
 * The matching rules, shared by `AppIndex` and `linearMatch` so that both give the same
 * answer by construction. An app is compiled once (URLs normalised, targetRevision
 * classified, refresh paths parsed and globs compiled) and a push is prepared once; then
 * `evaluate` decides one app against one push without allocating unless it matches.
 *
 * Rules follow ArgoCD's own webhook (util/webhook/webhook.go `sourceRevisionHasChanged`,
 * `compareRevisions`; util/app/path `GetSourceRefreshPaths`, `AppFilesHaveChanged`), with
 * the differences noted where they are made.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import semver from 'semver';
import type { PushEvent } from '../providers/types';
import { normalizeRepoUrl } from './normalize-repo-url';
import { IGNORE_ANNOTATION, MANIFEST_GENERATE_PATHS_ANNOTATION, SYNC_ON_PUSH_ANNOTATION } from './types';
import type { IndexedApp, IndexedSource, MatchResult } from './types';

/** A full or truncated (7+) commit sha, as ArgoCD's `IsTruncatedCommitSHA` reads one. */
const COMMIT_SHA = /^[0-9a-f]{7,40}$/i;

/**
 * One refresh path, compiled. Data rather than closures, so the hot loop stays monomorphic.
 * - `all`: the repository root, any file matches;
 * - `none`: climbs out of the repository, nothing matches;
 * - `literal`: a file matches when it is the path or lies under it (one Set lookup);
 * - `glob`: a file matches the glob, or lies under a directory that does.
 */
export interface PathRule {
  kind: 'all' | 'none' | 'literal' | 'glob';
  /** The repo-relative path or glob. */
  path: string;
  /** For globs: the literal directory before the first glob segment (`envs` for `envs/*\/x`), `""` when none. */
  base: string;
  /** For globs: matches a file. */
  file: RegExp | null;
  /** For globs: matches a file under a directory that matches. */
  under: RegExp | null;
}

/** A source with everything a push needs precomputed. */
export interface CompiledSource {
  /** Position in `app.sources`. */
  index: number;
  /** Normalised repo URL; `""` for sources a push never matches (Helm chart sources, empty URLs). */
  key: string;
  /** `targetRevision`, trimmed. */
  target: string;
  /** How to compare `target` with a push. */
  kind: 'head' | 'fullRef' | 'name' | 'sha';
  /** For `fullRef` targets under `refs/tags/` and `name` targets: the semver range, if the target is one. */
  range: semver.Range | null;
  /** For `fullRef` targets: the short name (`refs/tags/v1` -> `v1`). */
  short: string;
  /** Refresh paths from `manifest-generate-paths`, or null when the app has no such annotation. */
  paths: PathRule[] | null;
}

/** An app with its sources compiled. */
export interface CompiledApp {
  app: IndexedApp;
  /** `instance/namespace/name`, the identity used for upsert, remove and result order. */
  id: string;
  sources: CompiledSource[];
  /** Annotated `gitops-sentinel/ignore` with a value other than `"false"`. */
  ignored: boolean;
  /** Annotated `gitops-sentinel/sync-on-push: "true"`. */
  syncOnPush: boolean;
  /** Insertion order, set by `AppIndex` (0 elsewhere). */
  seq: number;
}

/** A push with everything the rules need precomputed. */
export interface PreparedPush {
  push: PushEvent;
  /** Distinct normalised repo URLs of the push, without `""`. */
  keys: string[];
  ref: string;
  /** Branch or tag name (`refs/heads/feature/x` -> `feature/x`). */
  short: string;
  /** The tag as a semver version, when the push is a tag push and the tag is a version. */
  version: semver.SemVer | null;
  /** Lower-cased commit sha ("" for a deleted ref). */
  revision: string;
  /** Repo-relative changed files, or null when the push does not list any (then paths do not filter). */
  files: string[] | null;
  /** Every changed file and every directory above one, so a literal refresh path costs one lookup. */
  prefixes: Set<string> | null;
}

/** Identity of an app across instances. */
export function appId(app: { instance: string; namespace: string; name: string }): string {
  return `${app.instance}/${app.namespace}/${app.name}`;
}

/** Short name of a ref: `refs/heads/x` -> `x`, `refs/tags/v1` -> `v1`, other `refs/a/b` -> `b` (ArgoCD `ParseRevision`). */
export function shortRefName(ref: string): string {
  const m = /^refs\/(?:heads|tags)\/(.+)$/s.exec(ref);
  if (m) return m[1];
  if (ref.startsWith('refs/')) {
    const parts = ref.split('/');
    return parts.slice(2).join('/') || ref;
  }
  return ref;
}

/**
 * A semver range for a targetRevision, or null when it is not one. Only targets with a digit
 * or `*` count: semver reads `x` or `X` as "any version", and a branch called `x` is not meant so.
 */
function rangeOf(target: string): semver.Range | null {
  if (!/[\d*]/.test(target)) return null;
  try {
    return semver.validRange(target) === null ? null : new semver.Range(target);
  } catch {
    return null;
  }
}

/** Module-wide cache of compiled rules; annotations repeat the same patterns across many apps. */
const ruleCache = new Map<string, PathRule>();
const RULE_CACHE_LIMIT = 20_000;
const ALL: PathRule = { kind: 'all', path: '', base: '', file: null, under: null };

/**
 * Compiles one refresh path (repo-relative, already joined with the source path).
 * A changed file matches when it is the path, lies under it, or matches it as a glob;
 * unlike ArgoCD (which uses Go's `filepath.Match` on the whole file path), a glob naming a
 * directory also matches the files under that directory (`apps/*` matches `apps/a/values.yaml`).
 */
function compilePath(refreshPath: string): PathRule {
  if (refreshPath === '') return ALL;
  if (refreshPath === '..' || refreshPath.startsWith('../')) return { kind: 'none', path: refreshPath, base: '', file: null, under: null };
  const cached = ruleCache.get(refreshPath);
  if (cached) return cached;
  let rule: PathRule;
  const scan = picomatch.scan(refreshPath);
  const globs = scan.isGlob ? makeRegexes(refreshPath) : null;
  if (globs) {
    rule = { kind: 'glob', path: refreshPath, base: scan.base.replace(/\/+$/, ''), file: globs[0], under: globs[1] };
  } else {
    rule = { kind: 'literal', path: refreshPath, base: '', file: null, under: null };
  }
  if (ruleCache.size >= RULE_CACHE_LIMIT) ruleCache.clear();
  ruleCache.set(refreshPath, rule);
  return rule;
}

/**
 * Regexes for a glob and for the files under what it names, or null when picomatch cannot
 * compile it (then the item is taken literally). Plain regexes, because picomatch's matcher
 * function does per-call work that costs more than the regex itself on this hot path.
 */
function makeRegexes(glob: string): [RegExp, RegExp] | null {
  try {
    return [picomatch.makeRe(glob, { dot: true }), picomatch.makeRe(`${glob}/**`, { dot: true })];
  } catch {
    return null;
  }
}

/** Repo-relative, cleaned form of a path; `""` for the root. */
function cleanRepoPath(p: string): string {
  const cleaned = path.posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned;
}

/**
 * Refresh paths of a source: each `;`-separated item of the annotation, trimmed, empty ones
 * dropped; `/x` is repo-absolute, anything else (including `.`) relative to the source path.
 * An annotation with no usable item behaves as no annotation, as in ArgoCD.
 */
function compileRefreshPaths(annotation: string | undefined, sourcePath: string): PathRule[] | null {
  if (typeof annotation !== 'string') return null;
  const tests: PathRule[] = [];
  for (const raw of annotation.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item.startsWith('/')) {
      tests.push(compilePath(cleanRepoPath(item)));
    } else {
      // Relative items may climb out of the source path (`../common`) but not out of the repo.
      const joined = path.posix
        .normalize(`${sourcePath || '.'}/${item}`)
        .replace(/^(\.\/)+/, '')
        .replace(/\/+$/, '');
      tests.push(compilePath(joined === '.' ? '' : joined.replace(/^\/+/, '')));
    }
  }
  return tests.length === 0 ? null : tests;
}

function compileSource(source: IndexedSource, index: number, annotation: string | undefined): CompiledSource {
  const repoURL = typeof source.repoURL === 'string' ? source.repoURL : '';
  // A Helm repository source (chart set) is not a Git repository: no push refers to it.
  const key = source.chart ? '' : normalizeRepoUrl(repoURL);
  const target = (source.targetRevision ?? '').trim();
  let kind: CompiledSource['kind'];
  let range: semver.Range | null = null;
  let short = '';
  if (target === '' || target === 'HEAD') {
    kind = 'head';
  } else if (target.startsWith('refs/')) {
    kind = 'fullRef';
    short = shortRefName(target);
    if (target.startsWith('refs/tags/')) range = rangeOf(short);
  } else if (COMMIT_SHA.test(target)) {
    kind = 'sha';
  } else {
    kind = 'name';
    range = rangeOf(target);
  }
  const sourcePath = cleanRepoPath(typeof source.path === 'string' ? source.path : '');
  return { index, key, target, kind, range, short, paths: compileRefreshPaths(annotation, sourcePath) };
}

/**
 * Compiles an app for repeated matching.
 *
 * @param app - the app as indexed
 */
export function compileApp(app: IndexedApp): CompiledApp {
  const annotations = app.annotations ?? {};
  const pathsAnnotation = annotations[MANIFEST_GENERATE_PATHS_ANNOTATION];
  const ignore = annotations[IGNORE_ANNOTATION];
  const sources = (app.sources ?? []).map((s, i) => compileSource(s, i, pathsAnnotation));
  return {
    app,
    id: appId(app),
    sources,
    ignored: ignore !== undefined && String(ignore).trim().toLowerCase() !== 'false',
    syncOnPush:
      String(annotations[SYNC_ON_PUSH_ANNOTATION] ?? '')
        .trim()
        .toLowerCase() === 'true',
    seq: 0,
  };
}

/**
 * Precomputes a push for matching.
 *
 * @param push - the parsed push
 */
export function preparePush(push: PushEvent): PreparedPush {
  const keys: string[] = [];
  for (const url of push.repoUrls ?? []) {
    const key = normalizeRepoUrl(url);
    if (key !== '' && !keys.includes(key)) keys.push(key);
  }
  const ref = typeof push.ref === 'string' ? push.ref : '';
  const short = shortRefName(ref);
  const version = push.isTag ? semver.parse(short) : null;
  const changed = push.changedFiles;
  const files = Array.isArray(changed) && changed.length > 0 ? changed.filter((f) => typeof f === 'string').map(cleanRepoPath) : null;
  let prefixes: Set<string> | null = null;
  if (files) {
    prefixes = new Set();
    for (const file of files) {
      for (let slash = file.indexOf('/'); slash >= 0; slash = file.indexOf('/', slash + 1)) prefixes.add(file.slice(0, slash));
      prefixes.add(file);
    }
  }
  return { push, keys, ref, short, version, revision: typeof push.revision === 'string' ? push.revision.toLowerCase() : '', files, prefixes };
}

/** Why a source's targetRevision matches the push, or null when it does not. */
function revisionMatch(source: CompiledSource, p: PreparedPush): string | null {
  switch (source.kind) {
    case 'head':
      return p.push.touchedHead ? `${source.target || 'empty'} targetRevision follows the default branch` : null;
    case 'fullRef':
      if (source.target === p.ref) return `targetRevision ${source.target}`;
      if (source.range && p.version && p.ref.startsWith('refs/tags/') && source.range.test(p.version)) {
        return `tag ${p.short} satisfies ${source.target}`;
      }
      return null;
    case 'sha':
      // A pinned app follows no branch: only a push of that very commit concerns it,
      // unless a branch or tag happens to carry that (hex) name.
      if (source.target === p.short) return `targetRevision ${source.target}`;
      return p.revision !== '' && p.revision.startsWith(source.target.toLowerCase()) ? `commit ${source.target}` : null;
    case 'name':
      if (source.target === p.short) return `targetRevision ${source.target}`;
      if (source.range && p.version && source.range.test(p.version)) return `tag ${p.short} satisfies ${source.target}`;
      return null;
  }
}

/** Why the push's files concern a source, or null when they do not. */
function pathsMatch(source: CompiledSource, p: PreparedPush): string | null {
  const rules = source.paths;
  if (p.files === null || p.prefixes === null) return 'push lists no changed files';
  if (rules === null) return 'no manifest-generate-paths';
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    switch (rule.kind) {
      case 'all':
        return 'changes in the repository root path';
      case 'literal':
        if (p.prefixes.has(rule.path)) return `changes under ${rule.path}`;
        break;
      case 'glob':
        if (rule.base !== '' && !p.prefixes.has(rule.base)) break;
        for (let j = 0; j < p.files.length; j++) {
          const file = p.files[j];
          if (rule.file!.test(file) || rule.under!.test(file)) return `changed ${file} matches ${rule.path}`;
        }
        break;
      case 'none':
        break;
    }
  }
  return null;
}

/**
 * Decides one app against one push: null when the push does not affect it, otherwise the
 * action and a one-line reason. The action is `skip` for ignored apps, `refresh` for
 * auto-sync apps (ArgoCD refuses a sync to another revision while auto-sync is on, and syncs
 * by itself after the refresh), for unannotated apps and for deleted refs, and `sync` for
 * apps annotated `gitops-sentinel/sync-on-push: "true"`.
 *
 * @param c - the compiled app
 * @param p - the prepared push
 */
export function evaluate(c: CompiledApp, p: PreparedPush): MatchResult | null {
  let indexes: number[] | null = null;
  let why = '';
  for (const source of c.sources) {
    if (source.key === '' || !p.keys.includes(source.key)) continue;
    const rev = revisionMatch(source, p);
    if (rev === null) continue;
    const files = pathsMatch(source, p);
    if (files === null) continue;
    if (indexes === null) {
      indexes = [];
      why = `source ${source.index}: ${rev}; ${files}`;
    }
    indexes.push(source.index);
  }
  if (indexes === null) return null;
  if (indexes.length > 1) why += ` (+${indexes.length - 1} more source${indexes.length > 2 ? 's' : ''})`;

  if (c.ignored) {
    return { app: c.app, action: 'skip', reason: `${why}; skipped: annotated ${IGNORE_ANNOTATION}`, sourceIndexes: indexes };
  }
  if (c.syncOnPush && !p.push.deleted && !c.app.autoSync && p.revision !== '') {
    return {
      app: c.app,
      action: 'sync',
      reason: `${why}; sync to the branch (${SYNC_ON_PUSH_ANNOTATION}; push claimed ${p.push.revision})`,
      sourceIndexes: indexes,
      revision: p.push.revision,
    };
  }
  let tail: string;
  if (p.push.deleted) tail = 'refresh: ref deleted, nothing to sync to';
  else if (c.app.autoSync)
    tail = c.syncOnPush ? 'refresh: auto-sync on, ArgoCD syncs itself (sync-on-push not needed)' : 'refresh: auto-sync on, ArgoCD syncs itself';
  else tail = c.syncOnPush ? 'refresh: no commit sha to sync to' : 'refresh: shows OutOfSync at once';
  return { app: c.app, action: 'refresh', reason: `${why}; ${tail}`, sourceIndexes: indexes };
}
