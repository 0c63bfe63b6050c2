/** Rendering command results as a table, JSON or YAML (`-o table|json|yaml`, `--json`). */
import Table from 'cli-table3';
import yaml from 'js-yaml';
import { escapeUnsafe } from '../functions/lib/providers/safe-text';

/** Output formats. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** Where the CLI writes; tests pass collectors, the bin passes process streams. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Environment (`SENTINEL_API_URL`, AWS settings). */
  env: Record<string, string | undefined>;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Ends `audit --follow` when aborted (the bin aborts on SIGINT). */
  signal?: AbortSignal;
}

/** A table column: header and how to get the cell from a row. */
export interface Column<T> {
  header: string;
  get(row: T): unknown;
}

/**
 * Control characters and bidirectional overrides from a payload (a commit message, a ref) must
 * not reach the terminal raw: they can rewrite or reorder what an operator reads.
 */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return escapeUnsafe(JSON.stringify(v));
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects went to JSON above; only primitives (and functions) reach here
  return escapeUnsafe(String(v));
}

/** JSON text with C1 controls, separators and bidi overrides as `\uXXXX` escapes (same data, JSON.stringify escapes C0 itself). */
function safeJson(data: unknown): string {
  return JSON.stringify(data, null, 2).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A cli-table3 table of rows (compact, no colours, so output is the same in a pipe). */
export function table<T>(rows: readonly T[], columns: Column<T>[]): string {
  const t = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [], compact: true } });
  for (const r of rows) t.push(columns.map((c) => cell(c.get(r))));
  return `${t.toString()}\n`;
}

/**
 * Writes a result: JSON or YAML of `data` as it is, or the table (or text) `asTable` makes.
 * @param asTable table rendering of the same data
 */
export function emit(io: CliIO, format: OutputFormat, data: unknown, asTable: () => string): void {
  if (format === 'json') io.stdout.write(`${safeJson(data)}\n`);
  else if (format === 'yaml') io.stdout.write(yaml.dump(data, { lineWidth: -1, noRefs: true }));
  else io.stdout.write(asTable());
}

/** A short commit for tables. */
export function short(sha: unknown): string {
  return typeof sha === 'string' && /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7) : cell(sha);
}

/** Progress on stderr (`\r` updates on a terminal, one line per update otherwise). */
export function progress(io: CliIO, text: string, done = false): void {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  if (tty) io.stderr.write(`\r${escapeUnsafe(text)}${done ? '\n' : ''}`);
  else io.stderr.write(`${escapeUnsafe(text)}\n`);
}
