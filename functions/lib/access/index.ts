/**
 * Public face of the access module: the policy (principals, instances, ArgoCD projects,
 * actions), principal matching, read scopes and the refusal error.
 */
export { AccessPolicy, scopeAllows, scopeFilter } from './policy';
export { compilePrincipal, roleOfSession, pathlessRolePattern } from './principal';
export { AccessDeniedError } from './errors';
export type { AccessAction, AccessRule, AccessConfig, AccessDecision, AccessGrant, AccessScope, AccessTarget } from './types';
