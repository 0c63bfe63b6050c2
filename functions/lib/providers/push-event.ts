/**
 * Assembling a `PushEvent` (or a `NotAPush`) from what a provider read: bounded commit
 * collection, repository URL lists, and the one builder every provider ends in.
 */
import { type Json, obj, str, isObject } from './json-fields';
import { MalformedPayloadError } from './errors';
import { refKind, touchesHead } from './refs';
import { escapeUnsafe, hasUnsafeChars } from './safe-text';
import type { NotAPush, ProviderName, PushCommit, PushEvent } from './types';

/**
 * At most this many commits are kept from a payload. Beyond it `changedFiles` is `null`
 * ("unknown, refresh every matching app"), which bounds work on huge pushes.
 */
export const MAX_COMMITS = 2_000;

/** At most this many distinct changed paths are kept; beyond it `changedFiles` is `null`. */
export const MAX_FILES = 10_000;

/** Longest commit message kept (characters); the worker needs a hint, not the essay. */
export const MAX_MESSAGE_CHARS = 500;

/** A `NotAPush`. */
export function ignored(reason: string, deliveryId: string): NotAPush {
  return { ignored: true, reason, deliveryId };
}

/** Distinct non-empty strings, in order. */
export function urls(...candidates: unknown[]): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    if (typeof c === 'string' && c.length > 0 && c.length <= 2048 && !out.includes(c)) out.push(c);
  }
  return out;
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
    const c: unknown = list[i];
    if (!isObject(c)) continue;
    const id = reader.id(c);
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) continue;
    const commit: PushCommit = { id };
    const message = reader.message(c);
    // Free text: unsafe characters are escaped (kept visible), never passed on raw.
    if (typeof message === 'string')
      commit.message = escapeUnsafe(message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message, true);
    const author = reader.author(c);
    if (typeof author === 'string' && author) commit.author = escapeUnsafe(author.slice(0, 200));
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
  /** The sha the ref pointed to before (`''` when created or unknown). */
  before: string;
  deleted: boolean;
  defaultBranch: string | undefined;
  changedFiles: string[] | null;
  pusher: string;
  commits: PushCommit[];
}

/**
 * The one place a {@link PushEvent} is assembled, so every provider keeps the same rules:
 * a deleted ref has revision `""`, `isTag` and `touchedHead` follow from the ref, the pusher is
 * cut to 200 characters, and identifiers (ref, repository URLs, pusher, default branch) with a
 * control character or a bidirectional override are refused: they end up in the audit trail,
 * in log lines and on operators' terminals, where such characters can hide what they name.
 * @throws MalformedPayloadError naming the field
 */
export function buildPushEvent(f: PushFields): PushEvent {
  const identifiers: Array<[string, string | undefined]> = [
    ['ref', f.ref],
    ['pusher', f.pusher],
    ['default branch', f.defaultBranch],
    ...f.repoUrls.map((u): [string, string] => ['repository URL', u]),
  ];
  for (const [field, value] of identifiers) {
    if (value !== undefined && hasUnsafeChars(value)) throw new MalformedPayloadError(`${field} contains a control character or a bidirectional override`);
  }
  return {
    provider: f.provider,
    deliveryId: f.deliveryId,
    repoUrls: f.repoUrls,
    revision: f.deleted ? '' : f.revision,
    before: f.before,
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
