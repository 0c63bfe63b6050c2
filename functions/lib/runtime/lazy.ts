/**
 * Dependencies given as values, or as a function that builds them on first use: the Lambda
 * entry points pass a builder (so importing a handler module reads no environment and opens
 * no client), the local stack and tests pass ready values.
 */
export type DepsOrBuilder<T> = T | (() => T | Promise<T>) | RefreshingDeps<T>;

const REFRESH = Symbol('gitops-sentinel/refreshing-deps');

/** Dependencies asked for again on every invocation (they rebuild themselves when the configuration changes). */
export interface RefreshingDeps<T> {
  readonly [REFRESH]: () => Promise<T>;
}

/**
 * Marks a getter whose result must not be cached by {@link lazyDeps}: it is called on every
 * invocation, and caches on its own (e.g. until the deployed configuration changes).
 */
export function refreshing<T>(get: () => Promise<T>): RefreshingDeps<T> {
  return { [REFRESH]: get };
}

/**
 * Returns a getter that builds the dependencies once and caches them. A failed build is not
 * cached, so the next invocation tries again (e.g. after a transient Secrets Manager error).
 * @example
 * const getDeps = lazyDeps(() => buildCoreDeps('operator-api'));
 * const deps = await getDeps();
 */
export function lazyDeps<T>(deps: DepsOrBuilder<T>): () => Promise<T> {
  if (deps && typeof deps === 'object' && REFRESH in deps) return deps[REFRESH];
  let ready: Promise<T> | undefined = typeof deps === 'function' ? undefined : Promise.resolve(deps);
  return () => {
    if (!ready) {
      const building = Promise.resolve().then(() => (deps as () => T | Promise<T>)());
      ready = building;
      building.catch(() => {
        if (ready === building) ready = undefined;
      });
    }
    return ready;
  };
}
