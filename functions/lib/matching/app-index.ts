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
 * Apps of one or more ArgoCD instances, indexed by normalised repo URL.
 *
 * Each app is compiled once when added (URLs normalised, targetRevision classified,
 * `manifest-generate-paths` parsed, globs compiled), and filed under the key of every
 * source it has, so a multi-source app is found from a push to any of its repositories.
 * Apps are identified by instance + namespace + name; adding one again replaces it.
 *
 * @example
 * const index = new AppIndex(apps);
 * for (const m of index.match(push)) {
 *   if (m.action === 'sync') await argocd.sync(m.app, m.revision);
 * }
 */
export class AppIndex {
  /** Normalised repo URL -> id -> app. */
  readonly #byRepo = new Map<string, Map<string, CompiledApp>>();
  /** id -> app. */
  readonly #byId = new Map<string, CompiledApp>();

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
   * (e.g. when its sources or annotations changed).
   *
   * @param app - the app to add or replace
   */
  upsert(app: IndexedApp): void {
    const compiled = compileApp(app);
    this.#delete(compiled.id);
    this.#byId.set(compiled.id, compiled);
    for (const source of compiled.sources) {
      if (source.key === '') continue;
      let bucket = this.#byRepo.get(source.key);
      if (!bucket) {
        bucket = new Map();
        this.#byRepo.set(source.key, bucket);
      }
      bucket.set(compiled.id, compiled);
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

  /** All indexed apps, in insertion order. */
  apps(): IndexedApp[] {
    return [...this.#byId.values()].map((c) => c.app);
  }

  /**
   * Apps whose sources refer to this repository (any spelling of its URL), whatever the revision.
   *
   * @param repoUrl - a repository URL
   */
  appsForRepo(repoUrl: string): IndexedApp[] {
    const bucket = this.#byRepo.get(normalizeRepoUrl(repoUrl));
    return bucket ? [...bucket.values()].map((c) => c.app) : [];
  }

  /**
   * The apps a push affects, each with its action (`refresh`, `sync`, or `skip` for ignored
   * apps) and the reason, ordered by instance, namespace and name.
   *
   * An app matches when one of its sources has the push's repository (any of `push.repoUrls`),
   * its targetRevision matches the pushed ref (name, full ref, semver constraint on a tag,
   * `HEAD`/empty for the default branch, or the pushed commit sha) and, when the app has a
   * `manifest-generate-paths` annotation and the push lists its changed files, one of those
   * files lies under one of the paths. Only the apps of the pushed repository are looked at.
   *
   * @param push - the parsed push
   */
  match(push: PushEvent): MatchResult[] {
    const prepared = preparePush(push);
    const found: { id: string; result: MatchResult }[] = [];
    const seen = prepared.keys.length > 1 ? new Set<string>() : null;
    for (const key of prepared.keys) {
      const bucket = this.#byRepo.get(key);
      if (!bucket) continue;
      for (const compiled of bucket.values()) {
        if (seen) {
          if (seen.has(compiled.id)) continue;
          seen.add(compiled.id);
        }
        const result = evaluate(compiled, prepared);
        if (result) found.push({ id: compiled.id, result });
      }
    }
    return sortById(found);
  }

  #delete(id: string): boolean {
    const old = this.#byId.get(id);
    if (!old) return false;
    this.#byId.delete(id);
    for (const source of old.sources) {
      const bucket = this.#byRepo.get(source.key);
      if (!bucket) continue;
      bucket.delete(id);
      if (bucket.size === 0) this.#byRepo.delete(source.key);
    }
    return true;
  }
}

/**
 * The same answer as `AppIndex.match`, by a plain scan over every app: each source URL is
 * normalised on every call, the way ArgoCD's webhook tests each app against a regex.
 * For comparison only (the benchmark's baseline, the property test's oracle); apps must have
 * distinct identities.
 *
 * @param apps - all apps
 * @param push - the parsed push
 */
export function linearMatch(apps: readonly IndexedApp[], push: PushEvent): MatchResult[] {
  const prepared = preparePush(push);
  const found: { id: string; result: MatchResult }[] = [];
  for (const app of apps) {
    const usesRepo = (app.sources ?? []).some((s) => !s.chart && prepared.keys.includes(normalizeRepoUrl(s.repoURL)));
    if (!usesRepo) continue;
    const compiled = compileApp(app);
    const result = evaluate(compiled, prepared);
    if (result) found.push({ id: compiled.id, result });
  }
  return sortById(found);
}

function sortById(found: { id: string; result: MatchResult }[]): MatchResult[] {
  found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return found.map((f) => f.result);
}
