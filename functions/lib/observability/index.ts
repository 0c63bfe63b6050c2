/** Observability instruments. Import the single-instrument file (e.g. `./logger`) to keep bundles small. */
export { createLogger, asSimpleLogger, SERVICE_NAME, type SimpleLogger } from './logger';
