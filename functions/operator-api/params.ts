/**
 * The operator API's input rules, in one place: the valibot schemas for query strings, path
 * parameters and JSON bodies that every route in `routes.ts` declares, and the one function
 * turning a failed validation into an {@link InvalidParameterError} (400) that names the
 * parameter. Objects are strict, so a misspelt parameter or body field is refused instead of
 * silently ignored. valibot is the validation library the configuration already bundles.
 */
import * as v from 'valibot';
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

/** Longest query or path parameter value accepted. */
const MAX_PARAM_LENGTH = 512;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

// Every message below is completed with the parameter's name in front of it ("limit must be an integer").

/** A query value: a string of bounded length. */
const queryText = v.pipe(v.string(), v.maxLength(MAX_PARAM_LENGTH, `is longer than ${MAX_PARAM_LENGTH} characters`));

/** A date (`yyyy-mm-dd`) or an ISO-8601 time (checked by `Date.parse`, so `2024-13-45` is refused). */
const isDateOrTime = (s: string): boolean => (DATE_ONLY.test(s) || /^\d{4}-\d{2}-\d{2}T/.test(s)) && Number.isFinite(Date.parse(s));

/**
 * An integer of at least `min`; above `max` refused, or lowered to `max` with `cap` (a client
 * asking for a larger page simply gets the largest).
 */
const integer = (min: number, max: number, cap: boolean) =>
  v.pipe(
    queryText,
    v.regex(/^-?\d+$/, 'must be an integer'),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(cap ? Infinity : max, `must be at most ${max}`),
    v.transform((n) => Math.min(n, max)),
  );

/** Query parameter schemas. A parameter given empty (`?limit=`) counts as absent, as it always did. */
export const query = {
  /** Optional text. */
  text: v.optional(queryText),
  /** Required text. @param message said after the name when it is absent */
  required: (message = 'is required') => v.pipe(v.string(message), queryText),
  /** An optional integer (see {@link integer}). */
  int: (min: number, max = Infinity, cap = false) => v.optional(integer(min, max, cap)),
  /** A required integer of at least `min`. */
  requiredInt: (min: number) => v.pipe(v.string('is required'), integer(min, Infinity, false)),
  /** Required text matching `pattern`; `message` is said when it is absent or does not match. */
  pattern: (pattern: RegExp, message: string) => v.pipe(v.string(message), queryText, v.regex(pattern, message)),
  /** `true`/`1` or `false`/`0`. */
  bool: v.optional(
    v.pipe(
      queryText,
      v.picklist(['true', '1', 'false', '0'], 'must be true or false'),
      v.transform((s) => s === 'true' || s === '1'),
    ),
  ),
  /** A date (`yyyy-mm-dd`) or an ISO-8601 time, as given. */
  time: v.optional(v.pipe(queryText, v.check(isDateOrTime, 'must be a date (yyyy-mm-dd) or an ISO-8601 time'))),
  /** One of the given values. */
  oneOf: <T extends string>(allowed: readonly T[], message = `must be one of: ${allowed.join(', ')}`) =>
    v.optional(v.pipe(queryText, v.picklist(allowed, message))),
  /** One of the given values, required. @param missing said when it is absent */
  requiredOneOf: <T extends string>(allowed: readonly T[], missing: string) =>
    v.pipe(v.string(missing), queryText, v.picklist(allowed, `must be one of: ${allowed.join(', ')}`)),
  /** A comma-separated list (blanks dropped). */
  list: v.optional(
    v.pipe(
      queryText,
      v.transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ),
  ),
  /**
   * An audit page cursor: `base64url.base64url` (audit/cursor.ts). A value of another shape is
   * refused here with the answer the audit store gives a cursor that fails its signature check.
   */
  cursor: v.optional(v.pipe(queryText, v.regex(/^[\w-]+\.[\w-]+$/, 'is invalid: it was altered, or issued for another query or table'))),
};

/** Path parameter values (`{instance}`, `{namespace}`, `{name}`), already percent-decoded. */
export const PATH_PARAM = queryText;

/** Turns JSON `null` into absent, as the routes always treated it. */
const nullIsAbsent = <T>(x: T | null | undefined): T | undefined => x ?? undefined;

/** JSON body field schemas. */
export const body = {
  /** A boolean; null or absent: undefined. */
  bool: v.pipe(v.nullish(v.boolean('must be true or false')), v.transform(nullIsAbsent)),
  /** A number from `min` to `max`; null or absent: undefined. */
  number: (min: number, max: number) => {
    const message = `must be a number from ${min} to ${max}`;
    return v.pipe(v.nullish(v.pipe(v.number(message), v.minValue(min, message), v.maxValue(max, message))), v.transform(nullIsAbsent));
  },
  /** An array of strings; null or absent: undefined. */
  strings: v.pipe(
    v.nullish(v.custom<string[]>((x) => Array.isArray(x) && x.every((s) => typeof s === 'string'), 'must be an array of strings')),
    v.transform(nullIsAbsent),
  ),
  /** An optional string. @param message said after the name when it is something else */
  text: (message = 'must be a string') => v.optional(v.string(message)),
  /** A non-empty string. */
  required: v.pipe(v.string('is required'), v.minLength(1, 'is required')),
  /** An optional array (its items are checked by the module that takes them, e.g. `lib/dr`). */
  array: v.optional(v.array(v.unknown(), 'must be an array')),
  /** Anything, or absent (checked by the module that takes it). */
  any: v.optional(v.unknown()),
  /** An optional JSON object (not an array, not null) with these fields only. */
  object: <E extends v.ObjectEntries>(entries: E, typeMessage: string) =>
    v.optional(
      v.pipe(
        v.custom<Record<string, unknown>>((x) => !!x && typeof x === 'object' && !Array.isArray(x), typeMessage),
        strict(entries, 'body field', typeMessage),
      ),
    ),
  /** What a rollback goes back to: a commit sha (non-blank string) or a history id (integer >= 0), as a trimmed string. */
  rollbackTarget: v.pipe(
    v.custom<string | number>(
      (x) => (typeof x === 'string' && x.trim() !== '') || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0),
      'is required: a commit sha or a history id',
    ),
    v.transform((x) => String(x).trim()),
  ),
};

/** A strict object schema, as every route's query and body is. */
type ParamsSchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;

/** The issue valibot raises for a key the schema does not name. */
const isUnknownKey = (issue: v.BaseIssue<unknown>): boolean => issue.type === 'strict_object' && issue.expected === 'never';

/**
 * A strict object of named parameters or fields: an unknown one is refused with the list of
 * those allowed.
 * @param what how an entry is called in the refusal (`parameter`, `body field`)
 * @param typeMessage said after the name when the value is not an object (nested objects)
 */
export function strict<E extends v.ObjectEntries>(entries: E, what = 'parameter', typeMessage = 'must be an object') {
  return v.strictObject(entries, (issue) =>
    isUnknownKey(issue) ? `unknown ${what} "${String(issue.input).slice(0, 40)}"; allowed: ${Object.keys(entries).join(', ')}` : typeMessage,
  );
}

/** The query string as the schemas read it: empty values are absent. */
export function queryInput(raw: Record<string, string | undefined> | undefined | null): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, val] of Object.entries(raw ?? {})) out[k] = val === '' ? undefined : val;
  return out;
}

/**
 * Validates a query or body against its route's schema.
 * @returns the typed, normalised values
 * @throws InvalidParameterError naming the first problem: an unknown parameter first (a misspelt
 *   name explains the rest), then the entries in schema order; nested fields by dotted path
 */
export function parseParams<S extends ParamsSchema>(schema: S, input: Record<string, unknown>): v.InferOutput<S> {
  // Every entry runs, given or not, so an absent required one fails with its own message.
  const result = v.safeParse(schema, { ...Object.fromEntries(Object.keys(schema.entries).map((k) => [k, undefined])), ...input });
  if (result.success) return result.output;
  const issue = result.issues.find(isUnknownKey) ?? result.issues[0];
  const parameter = v.getDotPath(issue) ?? 'body';
  throw new InvalidParameterError(parameter, isUnknownKey(issue) ? issue.message : `${parameter} ${issue.message}`);
}

/**
 * Validates one value against a schema.
 * @throws InvalidParameterError naming `name`
 */
export function parseField<S extends v.GenericSchema>(name: string, schema: S, value: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new InvalidParameterError(name, `${name} ${result.issues[0].message}`);
}

/**
 * Parses a JSON object body (base64 when API Gateway says so). JSON syntax is no schema's
 * business; the object is then checked by the route's body schema.
 * @throws InvalidParameterError (`body`) when it is not a JSON object
 */
export function parseJsonBody(text: string | undefined, isBase64Encoded: boolean | undefined, required = false): Record<string, unknown> {
  if (text === undefined || text === '') {
    if (required) throw new InvalidParameterError('body', 'a JSON object body is required');
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text);
  } catch {
    throw new InvalidParameterError('body', 'body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError('body', 'body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Normalises an audit `from` date: a date-only `from` is the start of that UTC day. */
export function auditFrom(x: string | undefined): string | undefined {
  return x && DATE_ONLY.test(x) ? `${x}T00:00:00.000Z` : x;
}
