/** Small helpers over plain objects that several modules need (no dependencies: the webhook bundles it). */

/**
 * A copy of `o` without its `undefined`-valued keys, so a spread over defaults keeps the
 * default and a DynamoDB item carries no empty attributes.
 * @example { ...defaults.drift, ...stripUndefined({ dryRun: bool(env, 'SENTINEL_DRIFT_DRY_RUN') }) }
 */
export function stripUndefined<T extends object>(o: T): Defined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}

/** `T` with each key optional where its value may be undefined, and never `undefined` where present. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};
