/**
 * The intake module's public face: receiving one webhook delivery (size limit, provider
 * detection, secret lookup, verification on the raw body, parse, dedupe, enqueue), transport-free.
 * `functions/webhook/handler.ts` and the local stack call it; it never talks to ArgoCD.
 */
export { receivePush } from './receive-push';
export { secretSettings } from './webhook-secrets';
export type { ReceivePushDeps, ReceivePushInput, ReceivePushLogger, ReceivePushResult } from './types';
