/**
 * The local admin token: created on the first `npm start` in `.sentinel/local-token`, readable
 * by its owner only (mode 0600), and read again on later starts. The CLI reads the same file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where `npm start` keeps the admin token, relative to the working directory. */
export const LOCAL_TOKEN_FILE = join('.sentinel', 'local-token');

/** The admin token and where it lives. */
export interface LocalToken {
  token: string;
  /** The file, or undefined for a token kept in memory. */
  path?: string;
  /** True when this start created it. */
  created: boolean;
}

/** A new random token (256 bits, base64url). */
export function newLocalToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Reads the admin token from `path`, creating it (mode 0600, in a 0700 folder) when missing.
 * A file others can read is narrowed to 0600 again.
 * @throws Error when the file exists but holds no usable token
 */
export function ensureLocalToken(path: string): LocalToken {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const token = text.trim();
    if (token.length < 16) throw new Error(`${path} holds no usable token (at least 16 characters); delete it to create a new one`);
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { token, path, created: false };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = newLocalToken();
  // 'wx': never overwrite a token another start wrote in the meantime.
  try {
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureLocalToken(path);
    throw error;
  }
  return { token, path, created: true };
}

/** The token at `path` if there is one (for the CLI), else undefined. */
export function readLocalToken(path: string): string | undefined {
  try {
    const token = readFileSync(path, 'utf8').trim();
    return token.length ? token : undefined;
  } catch {
    return undefined;
  }
}
