/**
 * Public face of the statistics module: per-day and per-app figures from the audit trail
 * and the drift scan summaries, computed with Queries only.
 */
export { computeStats, percentile, statsRange } from './compute';
export { StatsRangeError } from './errors';
export type * from './types';
