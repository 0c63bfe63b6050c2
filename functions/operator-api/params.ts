/**
 * Reading and validating operator API input: query strings, path parameters and JSON bodies.
 * Every refusal is an {@link InvalidParameterError} naming the parameter, answered with 400.
 */
import type { AuditKind } from '../lib/audit/types';

/** A request parameter (query, path or body field) is missing or unusable. */
export class InvalidParameterError extends Error {
  /** Name of the parameter at fault, e.g. `limit`, `cursor`, `to`, `body`. */
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidParameterError';
    this.parameter = parameter;
  }
}

/** A route answered 404 because the thing named does not exist (instance, app). */
export class ResourceNotFoundError extends Error {
  /** What was not found (`instance`, `app`, ...). */
  readonly what: string;

  constructor(what: string, message: string) {
    super(message);
    this.name = 'ResourceNotFoundError';
    this.what = what;
  }
}

/** Every audit kind, checked complete against `AuditKind` by the compiler. */
const AUDIT_KIND_SET: Record<AuditKind, true> = {
  'webhook.received': true,
  'webhook.refused': true,
  'webhook.ignored': true,
  'webhook.duplicate': true,
  'push.stale': true,
  'app.refreshed': true,
  'app.synced': true,
  'app.skipped': true,
  'app.failed': true,
  'drift.found': true,
  'drift.resolved': true,
  'drift.repaired': true,
  'drift.skipped': true,
  'drift.flapping': true,
  'drift.flapping.cleared': true,
  'scan.completed': true,
  'instance.unreachable': true,
  'app.rolledback': true,
  'app.autosync.disabled': true,
  'dr.exported': true,
  'dr.imported': true,
  'dr.checked': true,
  'access.denied': true,
  'config.changed': true,
  'audit.anchored': true,
  'audit.index-backfilled': true,
  'deploy.succeeded': true,
  'deploy.failed': true,
  'deploy.degraded': true,
  'deploy.timeout': true,
  'deploy.superseded': true,
  'deploy.gone': true,
  'notify.failed': true,
  'appset.forwarded': true,
  'appset.forward-failed': true,
  'commit-status.failed': true,
  'commit-status.refused': true,
};

/** The audit kinds, for validation and `--help`. */
export const AUDIT_KINDS = Object.keys(AUDIT_KIND_SET) as AuditKind[];

const MAX_PARAM_LENGTH = 512;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Query parameters of one request, with typed getters that throw {@link InvalidParameterError}. */
export class QueryParams {
  private readonly values: Record<string, string>;

  /** @param raw `event.queryStringParameters` */
  constructor(raw: Record<string, string | undefined> | undefined | null) {
    this.values = {};
    for (const [k, v] of Object.entries(raw ?? {})) if (v !== undefined) this.values[k] = v;
  }

  /**
   * Refuses parameters the route does not know, so a misspelt filter is a 400 instead of
   * silently returning everything.
   */
  allowOnly(...names: string[]): this {
    for (const k of Object.keys(this.values)) {
      if (!names.includes(k)) throw new InvalidParameterError(k, `unknown parameter "${k.slice(0, 40)}"; allowed: ${names.join(', ')}`);
    }
    return this;
  }

  /** A non-empty string, or undefined when absent or empty. */
  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === '') return undefined;
    if (v.length > MAX_PARAM_LENGTH) throw new InvalidParameterError(name, `${name} is longer than ${MAX_PARAM_LENGTH} characters`);
    return v;
  }

  /** An integer within bounds; values above `max` are capped when `cap` is set. */
  int(name: string, bounds: { min: number; max?: number; cap?: boolean }): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new InvalidParameterError(name, `${name} must be an integer`);
    const n = Number(v);
    if (n < bounds.min) throw new InvalidParameterError(name, `${name} must be at least ${bounds.min}`);
    if (bounds.max !== undefined && n > bounds.max) {
      if (bounds.cap) return bounds.max;
      throw new InvalidParameterError(name, `${name} must be at most ${bounds.max}`);
    }
    return n;
  }

  /** `true`/`false`/`1`/`0`. */
  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new InvalidParameterError(name, `${name} must be true or false`);
  }

  /** A date (`yyyy-mm-dd`) or an ISO-8601 time, returned as given. */
  time(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(DATE_ONLY.test(v) || /^\d{4}-\d{2}-\d{2}T/.test(v)) || !Number.isFinite(Date.parse(v))) {
      throw new InvalidParameterError(name, `${name} must be a date (yyyy-mm-dd) or an ISO-8601 time`);
    }
    return v;
  }

  /** One of the given values. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw new InvalidParameterError(name, `${name} must be one of: ${allowed.join(', ')}`);
    return v as T;
  }

  /** Comma-separated list. */
  list(name: string): string[] | undefined {
    const v = this.string(name);
    return v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  }
}

/**
 * Parses a JSON object body (base64 when API Gateway says so).
 * @throws InvalidParameterError (`body`) when it is not a JSON object
 */
export function parseJsonBody(body: string | undefined, isBase64Encoded: boolean | undefined, required = false): Record<string, unknown> {
  if (body === undefined || body === '') {
    if (required) throw new InvalidParameterError('body', 'a JSON object body is required');
    return {};
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidParameterError('body', 'body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError('body', 'body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Body field helpers: each throws {@link InvalidParameterError} naming the field. */
export const bodyField = {
  /** Refuses fields the route does not know. */
  allowOnly(body: Record<string, unknown>, ...names: string[]): void {
    for (const k of Object.keys(body))
      if (!names.includes(k)) throw new InvalidParameterError(k, `unknown body field "${k.slice(0, 40)}"; allowed: ${names.join(', ')}`);
  },
  /** A boolean, or undefined when absent. */
  bool(body: Record<string, unknown>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new InvalidParameterError(name, `${name} must be true or false`);
    return v;
  },
  /** A number within bounds, or undefined when absent. */
  number(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      throw new InvalidParameterError(name, `${name} must be a number from ${min} to ${max}`);
    return v;
  },
  /** An array of strings, or undefined when absent. */
  strings(body: Record<string, unknown>, name: string): string[] | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidParameterError(name, `${name} must be an array of strings`);
    return v;
  },
};

/** Normalises an audit `from`/`to` date: a date-only `from` is the start of that UTC day. */
export function auditFrom(v: string | undefined): string | undefined {
  return v && DATE_ONLY.test(v) ? `${v}T00:00:00.000Z` : v;
}
