/**
 * Opaque, signed query cursors. A cursor is `base64url(JSON state) + "." + base64url(HMAC)`;
 * the state names the access path, the day being read (by-day path), DynamoDB's
 * `LastEvaluatedKey` and a fingerprint of the query's filters, so a cursor that was
 * edited, signed with another key or issued for another query is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError } from './errors';

/** Where a page left off. */
export interface CursorState {
  /** Access path the cursor belongs to (e.g. `app`, `day`, `delivery`, `revision`). */
  path: string;
  /** UTC day being read, for the by-day path. */
  day?: string;
  /** Key to continue after (DynamoDB `ExclusiveStartKey`, or an adapter's own). */
  lastKey?: Record<string, string | number>;
}

interface Payload {
  v: 1;
  p: string;
  d?: string;
  k?: Record<string, string | number>;
  q: string;
}

const MAX_CURSOR_LENGTH = 4096;

function sign(key: Uint8Array, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/**
 * Encodes and signs a cursor.
 * @param state where the next page starts
 * @param queryFingerprint a fingerprint of the query's filters; `decodeCursor` demands the same
 * @param key HMAC key
 */
export function encodeCursor(state: CursorState, queryFingerprint: string, key: Uint8Array): string {
  const payload: Payload = { v: 1, p: state.path, q: queryFingerprint };
  if (state.day !== undefined) payload.d = state.day;
  if (state.lastKey !== undefined) payload.k = state.lastKey;
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${sign(key, body)}`;
}

/**
 * Checks a cursor's signature and query binding and returns its state.
 * @throws InvalidCursorError when the cursor is malformed, its signature is wrong, or it
 * was issued for another query
 */
export function decodeCursor(cursor: string, queryFingerprint: string, key: Uint8Array): CursorState {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
  const dot = cursor.indexOf('.');
  if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw new InvalidCursorError();
  const body = cursor.slice(0, dot);
  const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(key, body), 'base64url');
  // Constant-time comparison, as octokit's verify does, so the signature cannot be guessed byte by byte.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch (error) {
    throw new InvalidCursorError(undefined, { cause: error });
  }
  if (payload?.v !== 1 || typeof payload.p !== 'string') throw new InvalidCursorError();
  if (payload.q !== queryFingerprint) throw new InvalidCursorError('audit cursor was issued for a different query');
  const state: CursorState = { path: payload.p };
  if (payload.d !== undefined) state.day = payload.d;
  if (payload.k !== undefined) state.lastKey = payload.k;
  return state;
}
