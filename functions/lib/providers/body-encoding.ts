/**
 * The raw request as the providers receive it: the body as bytes or text, header access, and
 * the delivery id (the provider's header when sane, else a hash of the body).
 */
import { createHash } from 'node:crypto';
import { PREFIX } from './errors';
import type { Headers, RawBody } from './types';

/** Throws the module's `TypeError` unless the body is a string or bytes and headers an object. */
export function assertBodyAndHeaders(rawBody: unknown, headers: unknown): void {
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) throw new TypeError(`${PREFIX} rawBody must be a string or a Uint8Array`);
  if (headers === null || typeof headers !== 'object') throw new TypeError(`${PREFIX} headers must be an object of lower-cased header names`);
}

/** The body as bytes, exactly as received (signatures are over bytes). */
export function bodyBytes(rawBody: RawBody): Buffer {
  return typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
}

/** The body as text, for parsing. */
export function bodyText(rawBody: RawBody): string {
  return typeof rawBody === 'string' ? rawBody : bodyBytes(rawBody).toString('utf8');
}

/** A header value (first of a comma-joined list is not taken: signatures contain no commas). */
export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** `sha256:<hex>` of the body: the delivery id when the provider sends none. */
export function bodyDeliveryId(rawBody: RawBody): string {
  return `sha256:${createHash('sha256').update(bodyBytes(rawBody)).digest('hex')}`;
}

/**
 * The provider's delivery id when it is a sane token (printable ASCII, at most 200
 * characters, as every provider's UUIDs are); otherwise the body hash, so a hostile header
 * cannot make a huge or odd idempotency key.
 */
export function deliveryIdFrom(value: unknown, rawBody: RawBody): string {
  if (typeof value === 'string') {
    const v = value.trim();
    if (v.length > 0 && v.length <= 200 && /^[\x21-\x7e]+$/.test(v)) return v;
  }
  return bodyDeliveryId(rawBody);
}

/** The value of the first of `names` present in the headers. */
export function firstHeader(headers: Headers, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = header(headers, name);
    if (v !== undefined) return v;
  }
  return undefined;
}
