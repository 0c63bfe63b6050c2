import type { SecretRef } from '../config/types';

export type { SecretRef };

/**
 * Resolves secret references to their values. Values are never logged, never put in
 * errors and never written to the audit trail.
 */
export interface SecretsProvider {
  /** The current value (cached where the implementation caches). */
  get(ref: SecretRef): Promise<string>;
  /** Drops any cached value and fetches again, e.g. after ArgoCD answered 401. */
  refresh(ref: SecretRef): Promise<string>;
}
