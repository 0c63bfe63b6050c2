/**
 * The Application index of every ArgoCD instance, built from one list call per instance and
 * cached per process (per Lambda container), so matching a push costs no ArgoCD call.
 */
import { APP_INDEX_FIELDS, type ArgoCDClient, type ArgoCDRegistry } from '../argocd/index';
import { AppIndex, fromArgoCDApplication } from '../matching/index';
import type { AppRef } from '../matching/types';
import type { SimpleLogger } from '../observability/logger';

/** Options of {@link AppIndexCache}. */
export interface AppIndexCacheOptions {
  /** How long a listed index is used before the next push lists again (`appIndexTtlSeconds`). @default 60 */
  ttlSeconds?: number;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Partial logger. */
  log?: Partial<SimpleLogger>;
}

interface Entry {
  index?: AppIndex;
  /** Epoch ms at which the list call that built `index` started. */
  listedAt: number;
  loading?: { startedAt: number; promise: Promise<AppIndex> };
}

/** Counters, for tests and benchmarks. */
export interface AppIndexCacheStats {
  /** List calls started, per instance. */
  loads: Record<string, number>;
  /** Times a failed reload was answered with the previous index. */
  staleServed: number;
}

/**
 * Per-instance `AppIndex` cache with a TTL and single-flight reloads: however many pushes
 * arrive while an index is stale, one list call runs and they all wait on it. When a reload
 * fails, the previous index keeps serving (a matching answer a minute old beats none) and
 * the next push tries again. When ArgoCD says an app is gone, {@link AppIndexCache.isGone}
 * reloads the instance's index (sharing a reload that started after the answer was seen).
 *
 * @example
 * const indexes = new AppIndexCache(argocd, { ttlSeconds: config.appIndexTtlSeconds });
 * const matches = (await indexes.get('default')).match(push);
 */
export class AppIndexCache {
  readonly #argocd: ArgoCDRegistry;
  readonly #ttlMs: number;
  readonly #now: () => Date;
  readonly #log: Partial<SimpleLogger>;
  readonly #entries = new Map<string, Entry>();
  readonly #stats: AppIndexCacheStats = { loads: {}, staleServed: 0 };

  /**
   * @param argocd the instances to index
   * @param options TTL, clock, logger
   */
  constructor(argocd: ArgoCDRegistry, options: AppIndexCacheOptions = {}) {
    if (!argocd || typeof argocd.get !== 'function') throw new TypeError('[gitops-sentinel/sync] AppIndexCache needs an ArgoCDRegistry');
    this.#argocd = argocd;
    this.#ttlMs = Math.max(0, (options.ttlSeconds ?? 60) * 1000);
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? {};
  }

  /** Instance names, in configuration order. */
  get instances(): string[] {
    return this.#argocd.names;
  }

  /**
   * The index of one instance: the cached one while younger than the TTL, else a fresh one
   * (single-flight). A failed reload falls back to the previous index when there is one.
   * @throws the client's error (e.g. `ArgoCDUnavailableError`) when no index was ever loaded
   */
  async get(instance: string): Promise<AppIndex> {
    const entry = this.#entry(instance);
    const now = this.#now().getTime();
    if (entry.index && now - entry.listedAt < this.#ttlMs) return entry.index;
    try {
      // Any list that started within the TTL will do (one that is running included).
      return await this.#reload(instance, now - this.#ttlMs + 1);
    } catch (error) {
      if (!entry.index) throw error;
      this.#stats.staleServed++;
      this.#log.warn?.('cannot reload the app index; using the previous one', {
        instance,
        error: error instanceof Error ? error.name : 'UnknownError',
        ageMs: now - entry.listedAt,
      });
      return entry.index;
    }
  }

  /**
   * Re-lists an instance's apps, unless a list call that started at or after `notBefore`
   * (epoch ms) already produced or is producing an index.
   * @param notBefore @default now: always a list call that starts from now on
   */
  async refresh(instance: string, notBefore: number = this.#now().getTime()): Promise<AppIndex> {
    return this.#reload(instance, notBefore);
  }

  /**
   * Decides whether an app ArgoCD answered 404 or 403 for is gone: reloads the instance's
   * index (a reload started after `seenAt` suffices) and answers whether the app is absent.
   * Either way the index is up to date afterwards, so the app is dropped when it is gone.
   * @param seenAt epoch ms at which the call that got the 404/403 started
   */
  async isGone(ref: AppRef, seenAt: number): Promise<boolean> {
    const index = await this.#reload(ref.instance, seenAt);
    return !index.has(ref);
  }

  /** Forgets the cached index of one instance, or of all. */
  invalidate(instance?: string): void {
    if (instance === undefined) this.#entries.clear();
    else this.#entries.delete(instance);
  }

  /** Load counters. */
  stats(): AppIndexCacheStats {
    return { loads: { ...this.#stats.loads }, staleServed: this.#stats.staleServed };
  }

  #entry(instance: string): Entry {
    let entry = this.#entries.get(instance);
    if (!entry) {
      this.#argocd.get(instance); // throws TypeError naming the configured instances
      entry = { listedAt: -Infinity };
      this.#entries.set(instance, entry);
    }
    return entry;
  }

  async #reload(instance: string, notBefore: number): Promise<AppIndex> {
    const entry = this.#entry(instance);
    for (;;) {
      if (entry.index && entry.listedAt >= notBefore) return entry.index;
      if (!entry.loading) break;
      if (entry.loading.startedAt >= notBefore) return entry.loading.promise;
      // A reload from before `notBefore` is running: wait for it, then decide again.
      await entry.loading.promise.catch(() => undefined);
    }
    const startedAt = this.#now().getTime();
    const client = this.#argocd.get(instance);
    const promise = this.#list(client).then(
      (index) => {
        if (entry.loading?.promise === promise) entry.loading = undefined;
        if (startedAt >= entry.listedAt) {
          entry.index = index;
          entry.listedAt = startedAt;
        }
        return index;
      },
      (error: unknown) => {
        if (entry.loading?.promise === promise) entry.loading = undefined;
        throw error;
      },
    );
    entry.loading = { startedAt, promise };
    this.#stats.loads[instance] = (this.#stats.loads[instance] ?? 0) + 1;
    return promise;
  }

  async #list(client: ArgoCDClient): Promise<AppIndex> {
    // Only what matching reads (names, annotations, labels, spec): a fraction of whole apps.
    const apps = await client.listApplications({ fields: APP_INDEX_FIELDS });
    const index = new AppIndex();
    for (const app of apps) {
      try {
        index.upsert(fromArgoCDApplication(app, client.name, { defaultNamespace: client.namespace }));
      } catch (error) {
        // An app without a name cannot be matched or addressed; skip it, keep the rest.
        this.#log.warn?.('skipping an Application the index cannot hold', {
          instance: client.name,
          error: error instanceof Error ? error.message : 'UnknownError',
        });
      }
    }
    return index;
  }
}
