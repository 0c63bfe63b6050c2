/**
 * Public face of the appset module: one hook in the Git provider serves both gitops-sentinel
 * and each instance's ApplicationSet controller (argo-cd#13764, #14954). The webhook function
 * uses `./capture` only (no HTTP); the sync worker forwards (docs/applicationset-webhook.md).
 */
export type * from './types';
export { ApplicationSetForwarder, appsetClaimRef, signedHeaders, type ApplicationSetForwarderOptions } from './forward';
export { captureForApplicationSets } from './capture';
export { appsetTargets, appsetProvider, FORWARDED_HEADERS, APPSET_SECRET_KEYS, type AppSetTarget } from './targets';
