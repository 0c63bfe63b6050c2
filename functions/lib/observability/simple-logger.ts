/**
 * The one logger type of `functions/lib` and its one fallback. Kept apart from `logger.ts`
 * so code that only takes a logger does not bundle Powertools.
 */

/** A message and structured extras: what `functions/lib` logs through. */
export interface SimpleLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** What callers may pass: any subset of the four methods. */
export type PartialLogger = Partial<SimpleLogger>;

const noop = (): void => undefined;

/**
 * Fills the methods a caller left out: debug and info become no-ops, warn and error go to
 * the console (as octokit's `createLogger` does), so problems are never silent.
 * @example
 * const log = completeLogger(options.logger);
 */
export function completeLogger(log?: PartialLogger): SimpleLogger {
  return {
    debug: log?.debug?.bind(log) ?? noop,
    info: log?.info?.bind(log) ?? noop,
    warn: log?.warn?.bind(log) ?? ((m, e) => console.warn(m, e ?? '')),
    error: log?.error?.bind(log) ?? ((m, e) => console.error(m, e ?? '')),
  };
}

/** A logger that drops everything (tests that assert on results, not on logs). */
export const quietLogger: SimpleLogger = { debug: noop, info: noop, warn: noop, error: noop };
