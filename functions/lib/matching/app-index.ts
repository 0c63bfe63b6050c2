/**
 * The Application index: apps grouped by normalised repository URL, so that matching a
 * push costs O(apps of the pushed repository) instead of O(all apps).
 */
import type { PushEvent } from '../providers/types';
import { appId, compileApp, evaluate, preparePush } from './evaluate';
import type { CompiledApp } from './evaluate';
import { normalizeRepoUrl } from './normalize-repo-url';
import type { AppRef, IndexedApp, MatchResult } from './types';

/**
 * The apps of one repository, sub-indexed by how their targetRevision can match a push, so that
 * a push to one branch looks only at the apps that follow that branch (plus `HEAD` apps when it
 * is the default branch, semver-range apps when it is a tag, commit-pinned apps when it has a sha).
 */
interface RepoBucket {
  /** Every app with a source in this repository. */
  apps: Set<CompiledApp>;
  /** Exact targets: branch or tag name, full ref, or a commit sha that could also be a ref name. */
  byRevision: Map<string, Set<CompiledApp>>;
  /** `HEAD` or empty targets: candidates when the push touched the default branch. */
  head: Set<CompiledApp>;
  /** Semver-range targets: candidates for tag pushes whose tag is a version. */
  ranges: Set<CompiledApp>;
  /** Commit-sha targets: candidates for pushes that carry a commit sha. */
  shas: Set<CompiledApp>;
}

/**
 * Apps of one or more ArgoCD instances, indexed by normalised repo URL.
 *
 * Each app is compiled once when added (URLs normalised, targetRevision classified,
 * `manifest-generate-paths` parsed, globs compiled), and filed under the key of every
 * source it has, so a multi-source app is found from a push to any of its repositories.
 * Within a repository apps are filed by target revision as well, so a push costs
 * O(apps of that repository following the pushed ref), never O(all apps).
 * Apps are identified by instance + namespace + name; adding one again replaces it.
 *
 * @example
 * const index = new AppIndex(apps);
 * for (const m of index.match(push)) {
 *   if (m.action === 'sync') await argocd.sync(m.app, m.revision);
 * }
 */
export class AppIndex {
  /** Normalised repo URL -> apps of that repository. */
  readonly #byRepo = new Map<string, RepoBucket>();
  /** id -> app. */
  readonly #byId = new Map<string, CompiledApp>();
  #nextSeq = 1;

  /**
   * Builds the index.
   *
   * @param apps - the apps to index; when two have the same instance, namespace and name, the last one wins
   */
  constructor(apps: Iterable<IndexedApp> = []) {
    for (const app of apps) this.upsert(app);
  }

  /** Number of apps in the index. */
  get size(): number {
    return this.#byId.size;
  }

  /** Number of distinct repositories (normalised URLs) the apps refer to. */
  get repoCount(): number {
    return this.#byRepo.size;
  }

  /**
   * Adds an app, or replaces the app with the same instance, namespace and name
   * (e.g. when its sources or annotations changed). The app moves to the end of the result order.
   *
   * @param app - the app to add or replace
   */
  upsert(app: IndexedApp): void {
    const compiled = compileApp(app);
    compiled.seq = this.#nextSeq++;
    this.#delete(compiled.id);
    this.#byId.set(compiled.id, compiled);
    for (const source of compiled.sources) {
      if (source.key === '') continue;
      let bucket = this.#byRepo.get(source.key);
      if (!bucket) {
        bucket = { apps: new Set(), byRevision: new Map(), head: new Set(), ranges: new Set(), shas: new Set() };
        this.#byRepo.set(source.key, bucket);
      }
      bucket.apps.add(compiled);
      switch (source.kind) {
        case 'head':
          bucket.head.add(compiled);
          break;
        case 'sha':
          bucket.shas.add(compiled);
          addTo(bucket.byRevision, source.target, compiled);
          break;
        default:
          addTo(bucket.byRevision, source.target, compiled);
          if (source.range) bucket.ranges.add(compiled);
      }
    }
  }

  /**
   * Removes an app, e.g. when ArgoCD answers that it no longer exists.
   *
   * @param ref - instance, namespace and name of the app
   * @returns true when the app was in the index
   */
  remove(ref: AppRef): boolean {
    return this.#delete(appId(ref));
  }

  /** True when the index holds the app. */
  has(ref: AppRef): boolean {
    return this.#byId.has(appId(ref));
  }

  /** The indexed app with this identity, if any. */
  get(ref: AppRef): IndexedApp | undefined {
    return this.#byId.get(appId(ref))?.app;
  }

  /** All indexed apps, in result order (insertion order, an upsert moving an app to the end). */
  apps(): IndexedApp[] {
    return [...this.#byId.values()].sort((a, b) => a.seq - b.seq).map((c) => c.app);
  }

  /**
   * Apps whose sources refer to this repository (any spelling of its URL), whatever the revision.
   *
   * @param repoUrl - a repository URL
   */
  appsForRepo(repoUrl: string): IndexedApp[] {
    const bucket = this.#byRepo.get(normalizeRepoUrl(repoUrl));
    return bucket ? [...bucket.apps].sort((a, b) => a.seq - b.seq).map((c) => c.app) : [];
  }

  /**
   * The apps a push affects, each with its action (`refresh`, `sync`, or `skip` for ignored
   * apps) and the reason, in the order the apps were added (an upsert moves an app to the end;
   * for `new AppIndex(apps)` that is the order of `apps`, as in `linearMatch(apps, push)`).
   *
   * An app matches when one of its sources has the push's repository (any of `push.repoUrls`),
   * its targetRevision matches the pushed ref (name, full ref, semver constraint on a tag,
   * `HEAD`/empty for the default branch, or the pushed commit sha) and, when the app has a
   * `manifest-generate-paths` annotation and the push lists its changed files, one of those
   * files lies under one of the paths. Only the apps of the pushed repository that follow the
   * pushed ref are looked at.
   *
   * @param push - the parsed push
   */
  match(push: PushEvent): MatchResult[] {
    const prepared = preparePush(push);
    const candidates: Set<CompiledApp>[] = [];
    for (const key of prepared.keys) {
      const bucket = this.#byRepo.get(key);
      if (!bucket) continue;
      pushIfAny(candidates, bucket.byRevision.get(prepared.short));
      if (prepared.ref !== prepared.short) pushIfAny(candidates, bucket.byRevision.get(prepared.ref));
      if (prepared.push.touchedHead) pushIfAny(candidates, bucket.head);
      if (prepared.version) pushIfAny(candidates, bucket.ranges);
      if (prepared.revision !== '') pushIfAny(candidates, bucket.shas);
    }
    const results: MatchResult[] = [];
    if (candidates.length === 1) {
      // One set iterates in insertion order, which is result order: nothing to merge or sort.
      for (const compiled of candidates[0]) {
        const result = evaluate(compiled, prepared);
        if (result) results.push(result);
      }
      return results;
    }
    const merged = new Set<CompiledApp>();
    for (const set of candidates) for (const compiled of set) merged.add(compiled);
    const ordered = [...merged].sort((a, b) => a.seq - b.seq);
    for (const compiled of ordered) {
      const result = evaluate(compiled, prepared);
      if (result) results.push(result);
    }
    return results;
  }

  #delete(id: string): boolean {
    const old = this.#byId.get(id);
    if (!old) return false;
    this.#byId.delete(id);
    for (const source of old.sources) {
      const bucket = this.#byRepo.get(source.key);
      if (!bucket) continue;
      bucket.apps.delete(old);
      bucket.head.delete(old);
      bucket.ranges.delete(old);
      bucket.shas.delete(old);
      const exact = bucket.byRevision.get(source.target);
      if (exact) {
        exact.delete(old);
        if (exact.size === 0) bucket.byRevision.delete(source.target);
      }
      if (bucket.apps.size === 0) this.#byRepo.delete(source.key);
    }
    return true;
  }
}

function addTo(map: Map<string, Set<CompiledApp>>, key: string, app: CompiledApp): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(app);
}

function pushIfAny(list: Set<CompiledApp>[], set: Set<CompiledApp> | undefined): void {
  if (set && set.size > 0) list.push(set);
}

/**
 * The same answer as `AppIndex.match`, by a plain scan over every app: each source URL is
 * normalised on every call, the way ArgoCD's webhook tests each app against a regex.
 * For comparison only (the benchmark's baseline, the property test's oracle). Results come in
 * the order of `apps`, which must have distinct identities.
 *
 * @param apps - all apps
 * @param push - the parsed push
 */
export function linearMatch(apps: readonly IndexedApp[], push: PushEvent): MatchResult[] {
  const prepared = preparePush(push);
  const results: MatchResult[] = [];
  for (const app of apps) {
    const usesRepo = (app.sources ?? []).some((s) => !s.chart && prepared.keys.includes(normalizeRepoUrl(s.repoURL)));
    if (!usesRepo) continue;
    const result = evaluate(compileApp(app), prepared);
    if (result) results.push(result);
  }
  return results;
}
