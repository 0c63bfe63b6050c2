/**
 * Types of the intake use case: one webhook delivery as the transport received it, what
 * receiving it needs, and what came of it.
 */
import type { AuditStore } from '../audit/audit-store';
import type { InstanceConfig, WebhookConfig } from '../config/types';
import type { PartialLogger } from '../observability/simple-logger';
import type { ProviderName, PushEvent } from '../providers/types';
import type { PushQueue } from '../queue/types';
import type { SecretsProvider } from '../secrets/types';
import type { DeliveryLedgerStore } from './delivery-ledger';
import type { RefusalCounter } from './refusals';

/** One delivery as the transport received it. */
export interface ReceivePushInput {
  /** The body exactly as received: a string, or base64 text when `isBase64`. */
  rawBody: string;
  /** Request headers; names are lower-cased here whatever the caller passed. */
  headers: Record<string, string | undefined>;
  /** The body is base64 (API Gateway's `isBase64Encoded`). @default false */
  isBase64?: boolean;
  /**
   * Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`), so a
   * crashed invocation's claim on the body expires with it.
   * @default () => 30000
   */
  remainingTimeMs?: () => number;
}

/** What `receivePush` needs, built once per cold start by the handler (or by tests / the local stack). */
export interface ReceivePushDeps {
  /**
   * The webhook part of the validated configuration, and the instances (for those with an
   * ApplicationSet webhook, the queue message carries what their forward needs).
   */
  config: { webhook: WebhookConfig; instances?: readonly InstanceConfig[] };
  /** Resolves `config.webhook.secrets` references. */
  secrets: SecretsProvider;
  /** Where accepted pushes go. */
  queue: PushQueue;
  /** Where every decision about a verified delivery is recorded. */
  auditStore: AuditStore;
  /** Dedupe and ref ledger (`DynamoDBDeliveryLedgerStore` on the idempotency table). */
  ledger: DeliveryLedgerStore;
  /** Where refusals are counted (they never enter the audit trail). @default not counted */
  refusals?: RefusalCounter;
  /** @default no-op */
  log?: PartialLogger;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/** Result of a delivery that was not refused. */
export type ReceivePushResult =
  | { status: 'queued'; provider: ProviderName; deliveryId: string; push: PushEvent }
  | {
      status: 'duplicate';
      provider: ProviderName;
      deliveryId: string;
      /** True when the first delivery is still being processed. */
      inProgress: boolean;
      /** What was seen before: the same body, or the same delivery id. */
      by: 'body' | 'delivery-id';
      /** When the first delivery was accepted, if known. */
      firstReceivedAt?: string;
    }
  | {
      status: 'stale';
      provider: ProviderName;
      deliveryId: string;
      /** The commit a later push moved the ref to from the one this push names. */
      supersededBy: string;
    }
  | { status: 'ignored'; provider: ProviderName; deliveryId: string; reason: string };
