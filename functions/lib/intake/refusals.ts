/**
 * Refused deliveries: counted per provider and reason, logged as a sample, never written to
 * the hash-chained audit trail (anyone on the Internet can send a refused request, so a record
 * per refusal would let them fill the trail; THREATS.md: "refusals cost a counter").
 */
import {
  DeliveryConflictError,
  MalformedPayloadError,
  MissingSecretError,
  PayloadTooLargeError,
  SignatureMismatchError,
  UnknownProviderError,
} from '../providers/errors';
import type { ProviderName } from '../providers/types';
import { RepositoryNotAllowedError, SecretUnavailableError } from './errors';

/** Why a delivery was refused: the `error` field of the webhook's answer, and a counter dimension. */
export type RefusalReason =
  | 'signature'
  | 'no-secret'
  | 'malformed'
  | 'unknown-provider'
  | 'too-large'
  | 'delivery-conflict'
  | 'repository-not-allowed'
  | 'secret-unavailable'
  | 'internal'
  | OperatorApiRefusalReason;

/**
 * Why the operator API refused a request before authorizing it (local HTTP adapter and the
 * handler's content-type check). Unauthenticated input, so counted like webhook refusals, never
 * chained (issue 11 item 6); authenticated refusals by the access policy are audited instead.
 */
export type OperatorApiRefusalReason = 'no-token' | 'bad-token' | 'foreign-host' | 'foreign-origin' | 'unsupported-media-type';

/** CloudWatch metric of every refusal (dimension `service`; also per `provider` and `reason`). The spike alarm watches its sum. */
export const REFUSED_METRIC = 'WebhookRefused';
/** CloudWatch metric of a configured webhook secret that could not be loaded (alarmed at the first one). */
export const SECRET_UNAVAILABLE_METRIC = 'WebhookSecretUnavailable';

/** One refusal to count. */
export interface Refusal {
  /** The provider the headers named, or `unknown`; `operator-api` for the operator API's own refusals. Unverified: a label, never a key into the trail. */
  provider: ProviderName | 'unknown' | 'operator-api';
  reason: RefusalReason;
  at: Date;
}

/**
 * Where refusals are counted: the port. Deployed and locally the same DynamoDB adapter
 * (`DynamoDBRefusalCounter`, state table) feeds `/api/stats`; deployed, the webhook handler
 * also emits a CloudWatch metric per refusal for the spike alarm.
 */
export interface RefusalCounter {
  count(refusal: Refusal): Promise<void>;
}

/** Counts refusals per provider in fixed windows, atomically (the spike watch's port; `DynamoDBRefusalCounter` deployed and locally). */
export interface RefusalWindowCounter {
  /**
   * Adds one refusal of `provider` to the window starting at `windowStart`.
   * @returns the window's count including this one
   */
  countInWindow(provider: string, windowStart: Date, windowMs: number): Promise<number>;
}

/** The reason of a refusal error; `internal` for anything else (a store or queue outage). */
export function refusalReason(error: unknown): RefusalReason {
  if (error instanceof SignatureMismatchError) return 'signature';
  if (error instanceof MissingSecretError) return 'no-secret';
  if (error instanceof MalformedPayloadError) return 'malformed';
  if (error instanceof UnknownProviderError) return 'unknown-provider';
  if (error instanceof PayloadTooLargeError) return 'too-large';
  if (error instanceof DeliveryConflictError) return 'delivery-conflict';
  if (error instanceof RepositoryNotAllowedError) return 'repository-not-allowed';
  if (error instanceof SecretUnavailableError) return 'secret-unavailable';
  return 'internal';
}

/**
 * Lets through the first log line per (provider, reason) in each interval and counts the rest,
 * so a flood of junk costs a few log lines, not one each.
 */
export class RefusalLogSampler {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /** @param intervalMs @default 60000 */
  constructor(private readonly intervalMs = 60_000) {}

  /**
   * Whether to log this refusal now, and how many of its kind were not logged since the last line.
   */
  sample(refusal: Refusal): { log: boolean; suppressed: number } {
    const key = `${refusal.provider}#${refusal.reason}`;
    const now = refusal.at.getTime();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return { log: false, suppressed: seen.suppressed };
    }
    // Bounded: provider x reason is a small fixed set.
    this.last.set(key, { at: now, suppressed: 0 });
    return { log: true, suppressed: seen?.suppressed ?? 0 };
  }
}
