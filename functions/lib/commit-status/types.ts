/** Types of the commit-status module: a status, a provider's status API, and what a call gave. */
import type { GitApisConfig } from '../config/types';

/**
 * The state set on a commit. `canceled` is a deployment a newer push replaced before it
 * finished: providers with such a state show it (GitLab `canceled`, Bitbucket `STOPPED`), the
 * others show `error`, never `failure` (the commit did not break anything).
 */
export type CommitState = 'pending' | 'success' | 'failure' | 'error' | 'canceled';

/** One status on one commit. */
export interface CommitStatus {
  state: CommitState;
  /** `gitops-sentinel/<instance>/<app>`: one status line per app and instance on the commit. */
  context: string;
  /** One line: the outcome and the lead time (at most 140 characters, GitHub's display limit). */
  description: string;
  /** Link shown with the status (the app in the ArgoCD UI). */
  targetUrl?: string;
}

/** Keys of `gitApis` with a commit status API. */
export type StatusApiKey = keyof Omit<GitApisConfig, 'timeoutMs'>;

/** The HTTP request that sets a status (built by a provider module, sent by `sendStatus`). */
export interface StatusRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * One provider's commit status API. Every provider module exports one of these, the same
 * shape, so adding a provider is one file and one line in `apis.ts`.
 */
export interface StatusApi {
  /** Its `gitApis` key. */
  key: StatusApiKey;
  /** Base URL when `apiUrl` is not configured; undefined for self-hosted-only products. */
  defaultUrl?: string;
  /**
   * The repository's coordinates in this API from a push's repository URL (normalised,
   * `host/path` segments, decoded), or undefined when the URL does not fit this provider.
   */
  locate(segments: string[]): string[] | undefined;
  /** The request setting `status` on `sha`. */
  request(base: string, coords: string[], sha: string, status: CommitStatus, token: string): StatusRequest;
}

/** What one call gave. */
export type SendResult =
  | { kind: 'ok'; status: number; rateLimit?: RateLimit }
  /** 5xx, 429, a rate-limit 403, a timeout or a network error: try again after `afterSeconds`. */
  | { kind: 'retry'; status?: number; reason: string; afterSeconds?: number; rateLimit?: RateLimit }
  /** 401, or a 403 that is not a rate limit: the token is refused. */
  | { kind: 'auth'; status: number }
  /** Another 4xx (unknown repository or commit, invalid state): not retried. */
  | { kind: 'rejected'; status: number; reason: string };

/** What the API said about its rate limit. */
export interface RateLimit {
  /** Calls left in the window, when said. */
  remaining?: number;
  /** Epoch ms the window resets, when said. */
  resetAt?: number;
}
