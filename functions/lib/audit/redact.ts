/**
 * Keeps secrets out of audit records: audit records are kept for years and read by
 * auditors, so a token that slipped into `details` would outlive its rotation.
 */

/**
 * Key names that are dropped wherever they appear in `details`, at any depth:
 * anything containing token, secret, password/passwd, authorization, api key,
 * credential(s), cookie or private key. Deliberately broad: a dropped harmless field costs
 * less than a leaked secret.
 */
export const SECRET_KEY_PATTERN = /token|secret|passw(or)?d|authori[sz]ation|api[-_]?key|credential|cookie|private[-_]?key/i;

/** True when a key name looks like it holds a secret (see {@link SECRET_KEY_PATTERN}). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/**
 * A deep copy of `details` without any key that looks like a secret, in plain JSON
 * values only (dates become ISO strings, `undefined` and functions vanish, as with
 * `JSON.stringify`). The JSON round trip matters: the hash is computed over exactly
 * what DynamoDB will store and give back.
 * @param details writer-supplied structured details
 * @returns the redacted copy, or `undefined` when nothing is left
 * @example redact({ app: 'guestbook', headers: { Authorization: 'Bearer x' } }) // { app: 'guestbook', headers: {} }
 */
export function redact(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (details === undefined || details === null) return undefined;
  const json = JSON.stringify(details, (key, value: unknown) => (key !== '' && isSecretKey(key) ? undefined : value));
  if (json === undefined) return undefined;
  const copy = JSON.parse(json) as unknown;
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) return undefined;
  return copy as Record<string, unknown>;
}
