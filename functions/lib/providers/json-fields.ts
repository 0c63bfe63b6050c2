/**
 * Safe access to fields of an untrusted JSON payload: each accessor returns `undefined` for a
 * missing or wrongly typed field instead of throwing, and the body parse throws only
 * `MalformedPayloadError`.
 */
import { MalformedPayloadError } from './errors';

/** A JSON object (not array, not null). */
export type Json = Record<string, unknown>;

/** Parses the body as a JSON object. @throws MalformedPayloadError */
export function parseObject(text: string): Json {
  if (text.trim().length === 0) throw new MalformedPayloadError('body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedPayloadError('body is not valid JSON');
  }
  if (!isObject(value)) throw new MalformedPayloadError('body is not a JSON object');
  return value;
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A nested object or undefined. */
export function obj(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}

/** A non-empty string field or undefined. */
export function str(o: Json | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A finite number field or undefined. */
export function num(o: Json | undefined, key: string): number | undefined {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An array field or undefined. */
export function arr(o: Json | undefined, key: string): unknown[] | undefined {
  const v = o?.[key];
  return Array.isArray(v) ? v : undefined;
}
