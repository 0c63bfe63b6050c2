/**
 * Public face of the statistics module: per-day and per-app figures from the audit trail
 * and the drift scan summaries, computed with Queries only.
 */
export { computeStats, percentile, statsRange, StatsRangeError } from './compute';
export type * from './types';
