/**
 * Public face of the ArgoCD module: the client, the registry of instances, the typed
 * errors and the API types. Import from here, never from the files behind it.
 */
export { ArgoCDClient, serializeQuery } from './client';
export { ArgoCDRegistry, createArgoCDClients, type ArgoCDRegistryConfig, type CreateArgoCDClientsOptions } from './registry';
export {
  ArgoCDError,
  ArgoCDAuthError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  ArgoCDConflictError,
  ArgoCDFailedPreconditionError,
  ArgoCDBadRequestError,
  ArgoCDUnavailableError,
  GrpcCode,
  type ArgoCDErrorDetails,
} from './errors';
export { matchesSelector } from './label-selector';
export { appRefOf, autoSyncPolicy, hasSelfHeal, isAutoSyncOn, isOperationRunning, sourcesOf, type AutomatedPolicy } from './app-helpers';
export type * from './types';
export { APP_INDEX_FIELDS, DRIFT_SCAN_FIELDS } from './types';
export { RateLimiter } from './rate-limit';
