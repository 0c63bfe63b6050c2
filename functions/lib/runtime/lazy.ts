/**
 * Dependencies given as values, or as a function that builds them on first use: the Lambda
 * entry points pass a builder (so importing a handler module reads no environment and opens
 * no client), the local stack and tests pass ready values.
 */
export type DepsOrBuilder<T> = T | (() => T | Promise<T>);

/**
 * Returns a getter that builds the dependencies once and caches them. A failed build is not
 * cached, so the next invocation tries again (e.g. after a transient Secrets Manager error).
 * @example
 * const getDeps = lazyDeps(() => buildCoreDeps('operator-api'));
 * const deps = await getDeps();
 */
export function lazyDeps<T>(deps: DepsOrBuilder<T>): () => Promise<T> {
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
