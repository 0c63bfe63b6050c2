/**
 * The Powertools Metrics instrument (CloudWatch EMF), one module per instrument as
 * Powertools' own example app does, so a function that only logs does not bundle it.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger';

/** CloudWatch namespace of every gitops-sentinel metric. */
export const METRICS_NAMESPACE = 'GitOpsSentinel';

/**
 * A Metrics instance for one function: namespace {@link METRICS_NAMESPACE} (unless
 * `POWERTOOLS_METRICS_NAMESPACE` says otherwise), service {@link SERVICE_NAME}.
 * Metrics are buffered until `publishStoredMetrics()`, which writes one EMF line to stdout.
 * @param functionName when given, added as default dimension `function`
 * @example
 * const metrics = createMetrics();
 * metrics.addMetric('DriftedApps', MetricUnit.Count, 3);
 * metrics.publishStoredMetrics();
 */
export function createMetrics(functionName?: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
    ...(functionName ? { defaultDimensions: { function: functionName } } : {}),
  });
}

/** The shared instance, built once at import (cold start); dimension `service` only. */
export const metrics: Metrics = createMetrics();
