/**
 * Public face of the rollback module: roll an ArgoCD application back to a history id or
 * any known commit, audited with the caller's identity.
 */
export { rollbackApplication, findInHistory, type RollbackTarget } from './rollback';
export { RollbackError, RollbackNotFoundError, InvalidRollbackTargetError, AutoSyncEnabledError, OperationInProgressError } from './errors';
export type { RollbackDeps, RollbackRequest, RollbackResult, RollbackMethod, RollbackOperation } from './types';
