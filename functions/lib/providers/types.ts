/** Git hosting providers the webhook understands. */
export type ProviderName = 'github' | 'gitlab' | 'bitbucket-cloud' | 'bitbucket-server' | 'gitea' | 'gogs' | 'azure-devops';

/** Lower-cased request headers. */
export type Headers = Record<string, string | undefined>;

/** One commit of a push, as far as the payload tells. */
export interface PushCommit {
  id: string;
  message?: string;
  author?: string;
  timestamp?: string;
  added?: string[];
  modified?: string[];
  removed?: string[];
}

/**
 * A push, the same shape for every provider. Raw payload types stay in their provider file.
 */
export interface PushEvent {
  provider: ProviderName;
  /** The provider's delivery id, or `sha256:<hex>` of the raw body when it sends none. */
  deliveryId: string;
  /** Every URL the repository is known by in the payload (https, ssh, clone URLs). */
  repoUrls: string[];
  /** Commit sha the ref points to after the push ("" for a deleted ref). */
  revision: string;
  /** Full ref, e.g. `refs/heads/main`, `refs/tags/v1.2.0`. */
  ref: string;
  isTag: boolean;
  /** True when the pushed ref is the repository's default branch (matches `HEAD`/empty targetRevision). */
  touchedHead: boolean;
  /** True when the push deleted the ref (`after` all zeros). */
  deleted: boolean;
  /** Paths changed by the push, or null when the payload does not list them. */
  changedFiles: string[] | null;
  pusher: string;
  commits: PushCommit[];
}
