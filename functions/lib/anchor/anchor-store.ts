/** The port where signed digests live. */

/** Outcome of a conditional create. */
export type CreateOutcome = 'created' | 'exists';

/**
 * Write-once storage for digest files. Adapters: `FileAnchorStore` (`.sentinel/anchors/`,
 * files created exclusively and made read-only) and `S3AnchorStore` (a bucket with Object
 * Lock, conditional `PutObject`). Names are `digests/<12-digit seq>.json`.
 */
export interface AnchorStore {
  /** Every name under `prefix`, in ascending (byte) order. */
  list(prefix: string): Promise<string[]>;
  /** The bytes stored under `name`, or undefined when there is none. */
  get(name: string): Promise<Uint8Array | undefined>;
  /**
   * Stores `bytes` under `name` only if nothing is there yet: two anchor runs racing for the
   * same digest seq end with one digest, the loser gets `exists`.
   */
  create(name: string, bytes: Uint8Array): Promise<CreateOutcome>;
}
