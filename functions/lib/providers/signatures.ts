/**
 * Signature and token checks on the raw body, all in constant time: HMAC-SHA256 hex
 * (GitHub, Gitea, Gogs, Bitbucket), shared tokens (GitLab, Bitbucket hook UUID, Azure DevOps basic auth).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { assertBodyAndHeaders, bodyBytes } from './body-encoding';
import { PREFIX } from './errors';
import type { RawBody } from './types';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Throws the module's `TypeError` unless the arguments of `verify` are usable. */
export function assertVerifyArgs(secret: unknown, rawBody: unknown, headers: unknown): string[] {
  const secrets = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? (secret as unknown[]) : null;
  if (!secrets || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError(`${PREFIX} secret must be a non-empty string or a non-empty array of them`);
  }
  assertBodyAndHeaders(rawBody, headers);
  return secrets as string[];
}

/**
 * True when `provided` is the hex HMAC-SHA256 of the body under any of the secrets.
 * Lengths are checked before `timingSafeEqual` (which throws on unequal lengths); the
 * comparison itself is constant time (see https://codahale.com/a-lesson-in-timing-attacks/).
 * @param prefix e.g. `sha256=` (GitHub, Bitbucket Server); compared case-insensitively
 */
export function verifyHmacSha256Hex(secrets: readonly string[], rawBody: RawBody, provided: string | undefined, prefix = ''): boolean {
  if (provided === undefined) return false;
  let hex = provided.trim();
  if (prefix) {
    if (hex.slice(0, prefix.length).toLowerCase() !== prefix) return false;
    hex = hex.slice(prefix.length);
  }
  if (!HEX_SHA256.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const bytes = bodyBytes(rawBody);
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(bytes).digest();
    // Evaluate every secret (no early exit) so timing does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/**
 * Constant-time equality of a shared token (GitLab token, Bitbucket hook UUID, basic-auth
 * credentials): both sides are hashed first, so neither the length nor a common prefix leaks.
 */
export function tokenMatches(secrets: readonly string[], provided: string | undefined): boolean {
  if (provided === undefined || provided.length === 0) return false;
  const given = createHash('sha256').update(provided, 'utf8').digest();
  let ok = false;
  for (const secret of secrets) {
    const expected = createHash('sha256').update(secret, 'utf8').digest();
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** Hex HMAC-SHA256 of a body, used by tests and the samples' documentation. */
export function hmacSha256Hex(secret: string, rawBody: RawBody): string {
  return createHmac('sha256', secret).update(bodyBytes(rawBody)).digest('hex');
}
