/**
 * The intake module's public face: receiving one webhook delivery (size limit, provider
 * detection, secret lookup, verification on the raw body, parse, dedupe, enqueue), transport-free.
 * `functions/webhook/handler.ts` and the local stack call it; it never talks to ArgoCD.
 */
export { receivePush } from './receive-push';
export { secretSettings } from './webhook-secrets';
export { RepositoryNotAllowedError, SecretUnavailableError } from './errors';
export { refusalReason, RefusalLogSampler, type Refusal, type RefusalCounter, type RefusalReason } from './refusals';
export { repositoryAllowed } from './repository-scope';
export { judgeDelivery, ledgerKeys, type DeliveryLedgerStore, type LedgerItem, type LedgerKeys, type LedgerVerdict } from './delivery-ledger';
export type { ReceivePushDeps, ReceivePushInput, ReceivePushResult } from './types';
