/**
 * The transport's request made safe to look at before anything is verified: header names
 * lower-cased, the body decoded under the size limit (refused before it is allocated).
 */
import { PayloadTooLargeError } from '../providers/errors';
import type { Headers, RawBody } from '../providers/types';

/** Header names lower-cased; non-string values dropped. */
export function lowerCaseHeaders(headers: Record<string, string | undefined> | null | undefined): Headers {
  const out: Headers = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

/**
 * The body as the providers take it: the string as is, or the bytes of a base64 body.
 * @throws PayloadTooLargeError over `max` bytes
 */
export function decodeBody(rawBody: string, isBase64: boolean, max: number): RawBody {
  if (!isBase64) {
    // UTF-8 takes at least one byte per UTF-16 unit, so the length alone can refuse without encoding.
    if (rawBody.length > max || Buffer.byteLength(rawBody, 'utf8') > max) throw new PayloadTooLargeError(max);
    return rawBody;
  }
  // base64 decodes to 3/4 of its length: refuse before allocating.
  if (Math.floor((rawBody.length * 3) / 4) - 2 > max) throw new PayloadTooLargeError(max);
  const bytes = Buffer.from(rawBody, 'base64');
  if (bytes.length > max) throw new PayloadTooLargeError(max);
  return bytes;
}
