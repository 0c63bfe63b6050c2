/** Types of the appset module: forwarding verified pushes to ArgoCD's ApplicationSet webhooks. */
import type { AuditKind } from '../audit/types';

/** The providers ArgoCD's ApplicationSet webhook accepts (applicationset/webhook/webhook.go). */
export type AppSetProvider = 'github' | 'gitlab' | 'azure-devops';

/**
 * What the webhook puts in the queue message for the forward: the raw body, byte for byte, and
 * the provider's own headers that ArgoCD reads. Never the provider's signature, token or
 * `Authorization` (the forwarder signs anew with each ApplicationSet controller's secret).
 */
export interface AppSetPayload {
  provider: AppSetProvider;
  /**
   * The raw body, gzip-compressed and base64-encoded (push payloads are JSON and shrink ~5-10x,
   * so bodies well past SQS's 256 KiB fit). Absent when it was dropped to fit the message.
   */
  bodyGzip?: string;
  /** Bytes of the raw body. */
  bodyBytes: number;
  /** Hex SHA-256 of the raw body: the forwarder checks what it decompressed against it. */
  bodySha256: string;
  /** The provider's own headers (lower-case names) from {@link FORWARDED_HEADERS}. */
  headers: Record<string, string>;
  /** Set when the body did not fit in the queue message: nothing is forwarded, and that is audited. */
  dropped?: 'too-large';
}

/**
 * What happened to one (delivery, instance) forward on this receive.
 * - `forwarded`: the ApplicationSet webhook answered 2xx now;
 * - `rejected`: it refused for good (4xx, a redirect) or there was nothing to send (body dropped); audited, not retried;
 * - `already-done`: an earlier receive finished it, nothing was sent;
 * - `in-progress`: another receive holds the claim; the message must come back later;
 * - `failed`: 5xx, 429, timeout or network error after the retries; the message comes back
 *   (on its last receive this is audited and the message goes to the dead letters).
 */
export type AppSetForwardStatus = 'forwarded' | 'rejected' | 'already-done' | 'in-progress' | 'failed';

/** One instance's forward within a push. */
export interface AppSetForwardResult {
  instance: string;
  status: AppSetForwardStatus;
  /** The audit kind written on this receive, if any. */
  audited?: AuditKind;
  /** The last HTTP status received, if any. */
  httpStatus?: number;
  /** HTTP attempts on this receive. */
  attempts: number;
  /** One line: what happened. Never a secret or a signature. */
  message?: string;
}

/** Retry and time settings of the forwarder (the ArgoCD client's settings by default). */
export interface AppSetForwarderSettings {
  /** Per attempt, ms. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt on 5xx, 429, timeouts and network errors. @default 3 */
  retries?: number;
  /** Base backoff in ms (exponential, full jitter). @default 200 */
  backoffMs?: number;
  /** Largest single backoff in ms. @default 5000 */
  maxBackoffMs?: number;
}
