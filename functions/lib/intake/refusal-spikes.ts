/**
 * `webhook.refused-spike` (issue 14 item 3): refused webhook requests are counted per provider in
 * fixed, UTC-aligned windows (`notify.refusedSpike`); the refusal that brings a window's count to
 * the threshold queues one notification, so a flood of junk costs one message per provider and
 * window, never one per request. Queueing only: the webhook never sends a notification itself.
 */
import { publishQuietly, refusedSpikeEvent } from '../notify/events';
import type { NotificationPublisher } from '../notify/publisher';
import type { SimpleLogger } from '../observability/logger';
import type { Refusal, RefusalCounter, RefusalReason, RefusalWindowCounter } from './refusals';

/**
 * Reasons that are our own faults, not the sender's (a store, queue or Secrets Manager outage):
 * not part of a refusal spike (the stack alarms on them separately).
 */
const OWN_FAULTS: ReadonlySet<RefusalReason> = new Set(['internal', 'secret-unavailable']);

/** What the watch needs. */
export interface RefusalSpikeOptions {
  windows: RefusalWindowCounter;
  publisher: Pick<NotificationPublisher, 'publish' | 'wants'> | undefined;
  /** `notify.refusedSpike`. */
  settings: { threshold: number; windowMinutes: number };
  log?: Partial<SimpleLogger>;
}

/**
 * Wraps the webhook's refusal counter so that a spike queues `webhook.refused-spike`. Returns the
 * counter unchanged when no rule names that kind (then a refusal costs no second write).
 */
export function watchRefusalSpikes(counter: RefusalCounter, options: RefusalSpikeOptions): RefusalCounter {
  const { windows, publisher, settings, log } = options;
  if (!publisher?.wants('webhook.refused-spike')) return counter;
  const windowMs = settings.windowMinutes * 60_000;
  const watch = async (refusal: Refusal): Promise<void> => {
    if (OWN_FAULTS.has(refusal.reason)) return;
    const start = new Date(Math.floor(refusal.at.getTime() / windowMs) * windowMs);
    const count = await windows.countInWindow(refusal.provider, start, windowMs);
    // Exactly the threshold, not "at least": only one request per window queues the event.
    if (count !== settings.threshold) return;
    await publishQuietly(
      publisher,
      refusedSpikeEvent({
        provider: refusal.provider,
        windowStart: start.toISOString(),
        windowMinutes: settings.windowMinutes,
        threshold: settings.threshold,
        ts: refusal.at.toISOString(),
      }),
      log,
    );
  };
  return {
    async count(refusal) {
      await Promise.all([counter.count(refusal), watch(refusal)]);
    },
  };
}
