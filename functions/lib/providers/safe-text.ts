/**
 * Text from a payload made safe to show: in a one-line reason, a log line, the audit trail or
 * a terminal. Control characters (C0, DEL, C1) can move a terminal's cursor or rewrite what it
 * shows; bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) make text display
 * in another order than it is stored ("Trojan Source", CVE-2021-42574).
 */

/** Control characters, line/paragraph separators and bidirectional overrides/isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
/** The same, less tab and line feed, which free text (a commit message) may keep. */
const UNSAFE_IN_FREE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** True when the text holds a control character or a bidirectional override (see {@link escapeUnsafe}). */
export function hasUnsafeChars(value: string): boolean {
  return UNSAFE.test(value);
}

/**
 * Replaces each unsafe character with a visible `\u{…}` escape, e.g. `"a\u202Eb"` → `"a\\u{202e}b"`.
 * @param keepNewlines keep tab and line feed (free text such as commit messages)
 */
export function escapeUnsafe(value: string, keepNewlines = false): string {
  return value.replace(keepNewlines ? UNSAFE_IN_FREE_TEXT : UNSAFE_ALL, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}

/** Makes a header or payload value safe to put in a one-line reason (no control chars, bounded). */
export function printable(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : String(value);
  const clean = s.replace(UNSAFE_ALL, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
