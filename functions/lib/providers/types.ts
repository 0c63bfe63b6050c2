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
  /**
   * Commit sha the ref pointed to before the push; `''` when the ref was created or the payload
   * does not say (absent in messages queued by older versions). Feeds the ref ledger (stale
   * pushes), never what gets deployed.
   */
  before?: string;
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
  /**
   * The repository's default branch name when the payload states it (e.g. `main`); absent
   * when the provider does not send it, in which case `touchedHead` is true for every branch
   * push (as ArgoCD does), so an app tracking `HEAD` is never missed.
   */
  defaultBranch?: string;
}

/** What `parse` returns for a delivery that is not a push: a ping, another event, a package event. */
export interface NotAPush {
  ignored: true;
  /** One line saying why, e.g. `ping`, `event "issues" is not a push`. */
  reason: string;
  /** The provider's delivery id (or `sha256:<hex>` of the body), for the audit trail. */
  deliveryId: string;
}

/** Result of a provider's `parse`. */
export type ParseResult = PushEvent | NotAPush;

/** The raw request body exactly as received: a string, or the bytes of a base64 body. */
export type RawBody = string | Uint8Array;

/** Options of a provider's `verify`. */
export interface VerifyOptions {
  /**
   * The secret is a signing key, so the request must carry a signature (Bitbucket Cloud: a hook
   * configured with a secret signs with `X-Hub-Signature`; its `X-Hook-UUID` is not accepted then).
   * Providers that always sign ignore it. @default false
   */
  signatureRequired?: boolean;
}

/**
 * One Git provider. `verify` and `parse` are separate so that a caller can only parse
 * after verify said yes.
 */
export interface Provider {
  readonly name: ProviderName;
  /**
   * Headers carrying the provider's delivery id, first present wins; empty when it sits in
   * the body (Azure DevOps). Unverified until `verify` said yes.
   */
  readonly deliveryHeaders: readonly string[];
  /** True when the (lower-cased) headers are this provider's. */
  detect(headers: Headers): boolean;
  /**
   * Checks the signature or token on the raw body, in constant time. Accepts several
   * secrets (rotation): true when any matches. A missing or malformed signature is `false`.
   * @throws TypeError on misuse (empty secret, body not a string or bytes)
   */
  verify(secret: string | readonly string[], rawBody: RawBody, headers: Headers, options?: VerifyOptions): Promise<boolean>;
  /**
   * Parses a verified body.
   * @throws MalformedPayloadError with a one-line reason
   */
  parse(rawBody: RawBody, headers: Headers): ParseResult;
}
