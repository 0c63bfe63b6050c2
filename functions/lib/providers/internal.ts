/**
 * Helpers shared by the provider modules: constant-time comparison, safe JSON access,
 * ref/sha validation, bounded commit collection. Not part of the module's public face.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MalformedPayloadError } from './errors';
import type { Headers, NotAPush, ProviderName, PushCommit, PushEvent, RawBody } from './types';

/** Prefix of every misuse `TypeError` of this module. */
export const PREFIX = '[gitops-sentinel/providers]';

/**
 * At most this many commits are kept from a payload. Beyond it `changedFiles` is `null`
 * ("unknown, refresh every matching app"), which bounds work on huge pushes.
 */
export const MAX_COMMITS = 2_000;

/** At most this many distinct changed paths are kept; beyond it `changedFiles` is `null`. */
export const MAX_FILES = 10_000;

/** Longest commit message kept (characters); the worker needs a hint, not the essay. */
export const MAX_MESSAGE_CHARS = 500;

const ZERO_SHA = /^0+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
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

/** Makes a header or payload value safe to put in a one-line reason (no control chars, bounded). */
export function printable(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : String(value);
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A `NotAPush`. */
export function ignored(reason: string, deliveryId: string): NotAPush {
  return { ignored: true, reason, deliveryId };
}

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

/** Collected commits of a push and the union of the files they touched. */
export interface CollectedCommits {
  commits: PushCommit[];
  changedFiles: string[] | null;
}

/** How to read one provider's commit objects. */
export interface CommitReader {
  id(c: Json): unknown;
  message(c: Json): unknown;
  author(c: Json): unknown;
  timestamp(c: Json): unknown;
  /** Lists of added / modified / removed paths, when the provider sends them. */
  files?(c: Json): unknown[];
}

/**
 * Reads a commits array with bounded work: at most {@link MAX_COMMITS} commits and
 * {@link MAX_FILES} paths are looked at. `changedFiles` is `null` ("unknown, refresh all")
 * when the provider sends no file lists, there are no commits, there are more than the caps,
 * or `total` says the provider truncated the list (GitLab sends at most 20 commits, Gitea
 * a configured few).
 */
export function collectCommits(raw: unknown, reader: CommitReader, total?: number): CollectedCommits {
  const list = Array.isArray(raw) ? raw : [];
  const commits: PushCommit[] = [];
  const files = reader.files ? new Set<string>() : null;
  let filesKnown = files !== null && list.length > 0 && list.length <= MAX_COMMITS && (total === undefined || total <= list.length);
  const n = Math.min(list.length, MAX_COMMITS);
  for (let i = 0; i < n; i++) {
    const c = list[i];
    if (!isObject(c)) continue;
    const id = reader.id(c);
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) continue;
    const commit: PushCommit = { id };
    const message = reader.message(c);
    if (typeof message === 'string') commit.message = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
    const author = reader.author(c);
    if (typeof author === 'string' && author) commit.author = author.slice(0, 200);
    const ts = reader.timestamp(c);
    if (typeof ts === 'string' && ts) commit.timestamp = ts.slice(0, 64);
    commits.push(commit);
    if (filesKnown && files && reader.files) {
      for (const group of reader.files(c)) {
        if (!Array.isArray(group)) continue;
        for (const path of group) {
          if (typeof path !== 'string' || path.length === 0 || path.length > 4096) continue;
          files.add(path);
          if (files.size > MAX_FILES) {
            filesKnown = false;
            break;
          }
        }
        if (!filesKnown) break;
      }
    }
  }
  return { commits, changedFiles: filesKnown && files ? [...files] : null };
}

/** Distinct non-empty strings, in order. */
export function urls(...candidates: unknown[]): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    if (typeof c === 'string' && c.length > 0 && c.length <= 2048 && !out.includes(c)) out.push(c);
  }
  return out;
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

/** GitHub-style commit reader (GitHub, GitLab, Gitea, Gogs). */
export const githubStyleCommits: CommitReader = {
  id: (c) => c.id,
  message: (c) => c.message,
  author: (c) => str(obj(c, 'author'), 'username') ?? str(obj(c, 'author'), 'name'),
  timestamp: (c) => c.timestamp,
  files: (c) => [c.added, c.modified, c.removed],
};

/** What a provider reads from its payload; {@link buildPushEvent} derives the rest. */
export interface PushFields {
  provider: ProviderName;
  deliveryId: string;
  repoUrls: string[];
  /** Full ref, already checked to be a branch or a tag. */
  ref: string;
  /** The sha the ref points to after the push (ignored when `deleted`). */
  revision: string;
  deleted: boolean;
  defaultBranch: string | undefined;
  changedFiles: string[] | null;
  pusher: string;
  commits: PushCommit[];
}

/**
 * The one place a {@link PushEvent} is assembled, so every provider keeps the same rules:
 * a deleted ref has revision `""`, `isTag` and `touchedHead` follow from the ref, the pusher is
 * cut to 200 characters.
 */
export function buildPushEvent(f: PushFields): PushEvent {
  return {
    provider: f.provider,
    deliveryId: f.deliveryId,
    repoUrls: f.repoUrls,
    revision: f.deleted ? '' : f.revision,
    ref: f.ref,
    isTag: refKind(f.ref) === 'tag',
    touchedHead: touchesHead(f.ref, f.defaultBranch),
    deleted: f.deleted,
    changedFiles: f.changedFiles,
    pusher: f.pusher.slice(0, 200),
    commits: f.commits,
    ...(f.defaultBranch ? { defaultBranch: f.defaultBranch } : {}),
  };
}
