/**
 * Types of the intake use case: one webhook delivery as the transport received it, what
 * receiving it needs, and what came of it.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { AuditStore } from '../audit/audit-store';
import type { WebhookConfig } from '../config/types';
import type { SimpleLogger } from '../observability/logger';
import type { ProviderName, PushEvent } from '../providers/types';
import type { PushQueue } from '../queue/types';
import type { SecretsProvider } from '../secrets/types';

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
   * crashed invocation's in-progress dedupe record expires with it.
   * @default () => 30000
   */
  remainingTimeMs?: () => number;
}

/** A partial logger; missing methods are no-ops (the Powertools logger fits). */
export type ReceivePushLogger = Partial<SimpleLogger>;

/** What `receivePush` needs, built once per cold start by the handler (or by tests / the local stack). */
export interface ReceivePushDeps {
  /** The webhook part of the validated configuration. */
  config: { webhook: WebhookConfig };
  /** Resolves `config.webhook.secrets` references. */
  secrets: SecretsProvider;
  /** Where accepted pushes go. */
  queue: PushQueue;
  /** Where every decision is recorded. */
  auditStore: AuditStore;
  /** Powertools Idempotency persistence (DynamoDB on the idempotency table when deployed). */
  idempotency: BasePersistenceLayer;
  /** @default no-op */
  log?: ReceivePushLogger;
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
      /** When the first delivery was accepted, if known. */
      firstReceivedAt?: string;
    }
  | { status: 'ignored'; provider: ProviderName; deliveryId: string; reason: string };
