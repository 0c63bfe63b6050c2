/**
 * Errors thrown by the ArgoCD client. Each carries the HTTP status and gRPC code
 * ArgoCD answered with, and wraps a *sanitised* copy of the AxiosError as `cause`:
 * the request config and the request object are dropped because the bearer token
 * sits in their headers.
 */
import { AxiosError, AxiosHeaders } from 'axios';
import type { ArgoCDErrorBody } from './types';

/** gRPC status codes ArgoCD puts in the `code` field of its error body. */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

/** Context every {@link ArgoCDError} may carry. */
export interface ArgoCDErrorDetails {
  /** HTTP status of the last answer, absent for network errors and timeouts. */
  httpStatus?: number;
  /** gRPC code from ArgoCD's error body. */
  grpcCode?: number;
  /** Instance name the call went to. */
  instance?: string;
  /** HTTP method of the call. */
  method?: string;
  /** Path of the call (no query string). */
  path?: string;
  /** Attempts made (1 = no retry). */
  attempts?: number;
  /** The original failure, already sanitised. */
  cause?: unknown;
}

/** Base class of every error the ArgoCD client throws. */
export class ArgoCDError extends Error {
  /** HTTP status of the last answer, absent for network errors and timeouts. */
  readonly httpStatus?: number;
  /** gRPC code from ArgoCD's error body (see {@link GrpcCode}). */
  readonly grpcCode?: number;
  /** Instance name the call went to. */
  readonly instance?: string;
  /** HTTP method of the call. */
  readonly method?: string;
  /** Path of the call (no query string). */
  readonly path?: string;
  /** Attempts made (1 = no retry). */
  readonly attempts?: number;

  /**
   * @param message human-readable message (ArgoCD's own message where there is one)
   * @param details status, code and call context
   */
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ArgoCDError';
    this.httpStatus = details.httpStatus;
    this.grpcCode = details.grpcCode;
    this.instance = details.instance;
    this.method = details.method;
    this.path = details.path;
    this.attempts = details.attempts;
  }
}

/** 401: the token is missing, invalid or expired (refresh the secret once, then fail). */
export class ArgoCDAuthError extends ArgoCDError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDAuthError';
  }
}

/**
 * 403 (code 7): RBAC, a sync window blocking the sync, or an app that does not exist
 * when no `project` was given (ArgoCD hides which apps exist).
 */
export class ArgoCDForbiddenError extends ArgoCDError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDForbiddenError';
  }
}

/** 404 (code 5): the app or project does not exist (apps: only when `project` was given). */
export class ArgoCDNotFoundError extends ArgoCDError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDNotFoundError';
  }
}

/** 409 / code 6 or 10: the object exists already or was changed concurrently. */
export class ArgoCDConflictError extends ArgoCDError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDConflictError';
  }
}

/**
 * 400 with code 9 (FailedPrecondition): "another operation is already in progress",
 * rollback or sync-to-revision under auto-sync, an app being deleted.
 */
export class ArgoCDFailedPreconditionError extends ArgoCDConflictError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDFailedPreconditionError';
  }

  /** True when ArgoCD refused because an operation is already running. */
  get operationInProgress(): boolean {
    return /another operation is already in progress/i.test(this.message);
  }

  /** True when ArgoCD refused because `spec.syncPolicy.automated` is set. */
  get autoSyncEnabled(): boolean {
    return /auto-sync/i.test(this.message);
  }
}

/** Any other 4xx: a bad request (code 3), 415 and the like. Never retried. */
export class ArgoCDBadRequestError extends ArgoCDError {
  constructor(message: string, details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDBadRequestError';
  }
}

/** Network errors, timeouts, 5xx and 429 that persisted through every retry. */
export class ArgoCDUnavailableError extends ArgoCDError {
  /** What failed last: no connection, no answer in time, or an HTTP status. */
  readonly reason: 'network' | 'timeout' | 'http';

  constructor(message: string, reason: 'network' | 'timeout' | 'http', details: ArgoCDErrorDetails = {}) {
    super(message, details);
    this.name = 'ArgoCDUnavailableError';
    this.reason = reason;
  }
}

/** Replaces every occurrence of each secret in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}

/**
 * Copies an AxiosError without `config`, `request` or `response.config/request`, the
 * places where the Authorization header lives, and redacts the given secrets from
 * the message, stack and response body.
 */
export function sanitizeAxiosError(err: AxiosError, secrets: readonly string[]): AxiosError {
  const response = err.response
    ? {
        status: err.response.status,
        statusText: err.response.statusText,
        headers: AxiosHeaders.from(plainHeaders(err.response.headers)),
        data: scrubData(err.response.data, secrets),
        config: undefined,
        request: undefined,
      }
    : undefined;
  const copy = new AxiosError(redact(err.message, secrets), err.code, undefined, undefined, response as never);
  copy.stack = redact(err.stack ?? '', secrets);
  // axios sets these from the arguments; make sure nothing that can hold headers survives.
  delete (copy as { config?: unknown }).config;
  delete (copy as { request?: unknown }).request;
  return copy;
}

function plainHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h || typeof h !== 'object') return out;
  const obj = typeof (h as { toJSON?: () => unknown }).toJSON === 'function' ? (h as { toJSON: () => unknown }).toJSON() : h;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (/^(authorization|cookie|set-cookie)$/i.test(k)) continue;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- header values: strings, numbers, or string arrays String joins
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

function scrubData(data: unknown, secrets: readonly string[]): unknown {
  if (data === undefined || data === null) return data;
  if (typeof data === 'string') return redact(data, secrets);
  try {
    return JSON.parse(redact(JSON.stringify(data), secrets));
  } catch {
    return undefined;
  }
}

/** Reads ArgoCD's `{error, code, message}` body if the answer has one. */
export function parseErrorBody(data: unknown): ArgoCDErrorBody | undefined {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (body && typeof body === 'object' && ('code' in body || 'message' in body || 'error' in body)) {
    return body as ArgoCDErrorBody;
  }
  return undefined;
}

/**
 * Maps a final HTTP answer (status + ArgoCD's body) to the matching error class.
 * 5xx/429 become {@link ArgoCDUnavailableError}; the caller only does that after retries.
 */
export function errorFromResponse(status: number, data: unknown, details: ArgoCDErrorDetails): ArgoCDError {
  const body = parseErrorBody(data);
  const grpcCode = typeof body?.code === 'number' ? body.code : undefined;
  const text = typeof data === 'string' && !body ? data.trim() : '';
  const message = body?.message || body?.error || text || `ArgoCD answered HTTP ${status}`;
  const d = { ...details, httpStatus: status, grpcCode };
  if (status === 401 || grpcCode === GrpcCode.Unauthenticated) return new ArgoCDAuthError(message, d);
  if (status === 403 || grpcCode === GrpcCode.PermissionDenied) return new ArgoCDForbiddenError(message, d);
  if (status === 404 || grpcCode === GrpcCode.NotFound) return new ArgoCDNotFoundError(message, d);
  if (grpcCode === GrpcCode.FailedPrecondition) return new ArgoCDFailedPreconditionError(message, d);
  if (status === 409 || grpcCode === GrpcCode.AlreadyExists || grpcCode === GrpcCode.Aborted) return new ArgoCDConflictError(message, d);
  if (status >= 500 || status === 429) return new ArgoCDUnavailableError(message, 'http', d);
  return new ArgoCDBadRequestError(message, d);
}
