/**
 * Public face of the matching module: which ArgoCD Applications a Git push affects, and
 * whether to refresh, sync or skip each. Pure logic, no I/O.
 */
export { normalizeRepoUrl } from './normalize-repo-url';
export { AppIndex, linearMatch } from './app-index';
export { fromArgoCDApplication } from './from-argocd';
export type { ArgoCDApplicationLike, ArgoCDApplicationSourceLike, FromArgoCDOptions } from './from-argocd';
export { IGNORE_ANNOTATION, MANIFEST_GENERATE_PATHS_ANNOTATION, SYNC_ON_PUSH_ANNOTATION } from './types';
export type { AppRef, IndexedApp, IndexedSource, MatchAction, MatchResult } from './types';
