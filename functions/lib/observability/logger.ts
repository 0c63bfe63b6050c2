/**
 * The Powertools logger, one module per instrument (as Powertools' own example app does),
 * so a function that only logs does not bundle metrics or tracing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SimpleLogger } from './simple-logger';

export type { SimpleLogger } from './simple-logger';

/** Service name every log line carries unless `POWERTOOLS_SERVICE_NAME` says otherwise. */
export const SERVICE_NAME = 'gitops-sentinel';

/**
 * A Powertools logger for one function. Level from `POWERTOOLS_LOG_LEVEL` (default INFO).
 * @param functionName added to every line as `function`
 */
export function createLogger(functionName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME, persistentKeys: { function: functionName } });
}

/** Adapts a Powertools logger to {@link SimpleLogger} (its extras are typed more narrowly). */
export function asSimpleLogger(logger: Logger): SimpleLogger {
  return {
    debug: (m, e) => logger.debug(m, e ?? {}),
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  };
}
