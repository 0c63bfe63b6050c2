/**
 * Public face of the drift module: the scan, the repair policy, the state reads the
 * operator API uses, and the types. Import from here, never from the files behind it.
 */
export { runDriftScan, conditionOf, unreachableReason, DRIFT_METRICS } from './scan';
export { getDriftState, listScans, confirmedBy, driftSk, RESOLVED_TTL_SECONDS, SCAN_TTL_SECONDS, type DriftStateStore, type ScanQuery } from './state-store';
export { DynamoDBDriftStateStore, driftPk, SCAN_KIND } from './dynamodb-drift-state-store';
export {
  AUTO_REPAIR_ANNOTATION,
  IGNORE_ANNOTATION,
  evaluatePolicy,
  lastDeployedTarget,
  optInOf,
  ruleMatches,
  isIgnored,
  type RepairTarget,
  type PolicyInput,
} from './repair-policy';
export { diffValues, resourceDriftOf, isSecretKind, DIFF_LIMITS } from './diff';
export { clearFlapping, DriftStateNotFoundError, type ClearFlappingDeps, type ClearFlappingResult } from './clear-flapping';
export type * from './types';
