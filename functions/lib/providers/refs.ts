/**
 * Git refs and commit shas as payloads state them: validation (the way `git check-ref-format`
 * would), the kind of ref, and whether a push touched the default branch.
 */
import { MalformedPayloadError } from './errors';
import { printable } from './safe-text';

const ZERO_SHA = /^0+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * Validates a full ref the way `git check-ref-format` would (unicode allowed, control
 * characters, spaces, `~^:?*[\`, `..`, `@{`, `//`, a trailing `/` `.` or `.lock` refused).
 * @throws MalformedPayloadError when it is not a string or not a valid ref
 */
export function checkRef(ref: unknown, field = 'ref'): string {
  if (typeof ref !== 'string' || ref.length === 0) throw new MalformedPayloadError(`${field} is missing`);
  if (ref.length > 1024) throw new MalformedPayloadError(`${field} is longer than 1024 characters`);
  const bad =
    !ref.startsWith('refs/') ||
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(ref) ||
    ref.includes('..') ||
    ref.includes('@{') ||
    ref.includes('//') ||
    ref.endsWith('/') ||
    ref.endsWith('.') ||
    ref.endsWith('.lock') ||
    ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) throw new MalformedPayloadError(`${field} "${printable(ref)}" is not a valid Git ref`);
  return ref;
}

/**
 * The `before` sha of a push when the payload states a valid one; `''` when it is absent, all
 * zeros (the ref was created) or not a sha. Lenient on purpose: `before` only feeds the ref
 * ledger (stale-push detection), so a bad one makes the push "unknown history", never a refusal.
 */
export function optionalSha(sha: unknown): string {
  if (typeof sha !== 'string' || !SHA.test(sha) || ZERO_SHA.test(sha)) return '';
  return sha.toLowerCase();
}

/** What kind of ref a valid full ref is. */
export function refKind(ref: string): 'branch' | 'tag' | 'other' {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) return 'branch';
  if (ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length) return 'tag';
  return 'other';
}

/**
 * Validates a commit sha (SHA-1 or SHA-256, hex). All zeros means "deleted".
 * @returns the lower-cased sha, or `''` for all zeros
 * @throws MalformedPayloadError
 */
export function checkSha(sha: unknown, field: string): string {
  if (typeof sha !== 'string' || sha.length === 0) throw new MalformedPayloadError(`${field} is missing`);
  if (ZERO_SHA.test(sha) && (sha.length === 40 || sha.length === 64)) return '';
  if (!SHA.test(sha)) throw new MalformedPayloadError(`${field} is not a commit sha`);
  return sha.toLowerCase();
}

/**
 * Whether the push touched the default branch. Known default: exact comparison.
 * Unknown default: true for any branch push, as ArgoCD does for Bitbucket Server
 * ("to be safe, we just return true and let the controller check for himself").
 */
export function touchesHead(ref: string, defaultBranch: string | undefined): boolean {
  if (refKind(ref) !== 'branch') return false;
  return defaultBranch === undefined ? true : ref === `refs/heads/${defaultBranch}`;
}

/** A default-branch name from the payload, accepting `main` or `refs/heads/main`. */
export function branchName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) return undefined;
  return value.startsWith('refs/heads/') ? value.slice('refs/heads/'.length) : value;
}
