/**
 * Drift scan: EventBridge scheduled event → `runDriftScan` → its summary. Thin by design;
 * the scan, the policy and the state live in `functions/lib/drift`.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDBDriftStateStore, runDriftScan, type DriftDeps, type DriftScanOptions, type ScanSummary } from '../lib/drift/index';
import { metrics } from '../lib/observability/metrics';
import { buildCoreDeps } from '../lib/runtime/core-deps';
import { configuredDeps } from '../lib/runtime/configured-deps';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';

/** What the drift-scan function needs: `runDriftScan`'s dependencies, plus an optional flush for metrics. */
export type DriftScanHandlerDeps = DriftDeps & {
  /** Called after each scan to flush buffered metrics (Powertools `publishStoredMetrics`). */
  flushMetrics?: () => void;
};

/**
 * An EventBridge scheduled event, or a direct invocation with scan options (the local
 * stack and `POST /api/drift/scan` may pass `{ dryRun, instances, actor }`).
 */
export type DriftScanEvent = Partial<ScheduledEvent> & DriftScanOptions;

/** The handler's signature (the context is optional so local callers can omit it). */
export type DriftScanHandler = (event?: DriftScanEvent, context?: Partial<Context>) => Promise<ScanSummary>;

/**
 * Builds a drift-scan handler around injected dependencies (local stack and tests).
 * @param deps the dependencies, or a function building them on first use (then cached;
 *   a failed build is retried on the next invocation)
 * @returns a handler answering with the scan summary (without the per-app findings)
 * @example
 * const handler = createDriftScanHandler({ config, doc, tables, auditStore, argocd });
 * const summary = await handler({ 'detail-type': 'Scheduled Event' });
 */
export function createDriftScanHandler(deps: DepsOrBuilder<DriftScanHandlerDeps>): DriftScanHandler {
  const getDeps = lazyDeps(deps);
  return async (event = {}) => {
    const d = await getDeps();
    const scheduled = event['detail-type'] === 'Scheduled Event';
    try {
      const { findings: _findings, ...summary } = await runDriftScan(d, {
        ...(event.dryRun !== undefined ? { dryRun: event.dryRun === true } : {}),
        ...(Array.isArray(event.instances) ? { instances: event.instances } : {}),
        actor: scheduled ? 'scheduler' : typeof event.actor === 'string' && event.actor ? event.actor : 'scheduler',
      });
      return summary;
    } finally {
      d.flushMetrics?.();
    }
  };
}

/** The Lambda entry point: dependencies built once per cold start. */
export const handler: DriftScanHandler = createDriftScanHandler(
  configuredDeps('drift-scan', process.env, (config) => {
    // The drift state store is built here, not in buildCoreDeps: the other functions never use it.
    const core = buildCoreDeps('drift-scan', process.env, config);
    return { ...core, driftState: new DynamoDBDriftStateStore(core.doc, core.tables.state), metrics, flushMetrics: () => metrics.publishStoredMetrics() };
  }),
);
