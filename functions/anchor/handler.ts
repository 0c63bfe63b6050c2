/**
 * Anchor: EventBridge schedule (every 5 minutes by default) or a direct invocation from the
 * operator API (`{checkpoint}`) → `runAnchor` → its result. The only function that may sign
 * with the anchor key and write the digest bucket.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ANCHOR_DEFAULTS, runAnchor, type AnchorResult, type AnchorRunDeps } from '../lib/anchor/index';
import { KmsSigner } from '../lib/anchor/kms-signer';
import { S3AnchorStore } from '../lib/anchor/s3-anchor-store';
import { DynamoDBAuditStore } from '../lib/audit/dynamodb-audit-store';
import { anchorSettings, envStorage } from '../lib/config/env';
import { tableNames } from '../lib/config/tables';
import { asSimpleLogger, createLogger } from '../lib/observability/logger';
import { metrics } from '../lib/observability/metrics';
import { lazyDeps, type DepsOrBuilder } from '../lib/runtime/lazy';

/** What the anchor function needs. */
export type AnchorHandlerDeps = AnchorRunDeps & {
  /** Checkpoint interval. @default 60 minutes */
  checkpointEveryMs?: number;
  /** Records one run's outcome (CloudWatch metrics deployed). */
  record?: (result: AnchorResult | undefined) => void;
};

/** A scheduled event, or `{checkpoint: true}` from the operator API. */
export type AnchorEvent = { checkpoint?: boolean } & Record<string, unknown>;

/** The part of the Lambda context the handler reads. */
export interface AnchorContext {
  getRemainingTimeInMillis(): number;
}

/**
 * Time kept back from the sweep for what follows it: merging a checkpoint, signing, writing
 * the parts and the digest. The sweep stops taking chains when only this much is left.
 */
const FINISH_RESERVE_MS = 60_000;

/**
 * Builds the anchor handler around injected dependencies.
 * @example
 * const handler = createAnchorHandler({ reader: auditStore, store, signer });
 * const result = await handler({ 'detail-type': 'Scheduled Event' });
 */
export function createAnchorHandler(deps: DepsOrBuilder<AnchorHandlerDeps>): (event?: AnchorEvent, context?: AnchorContext) => Promise<AnchorResult> {
  const getDeps = lazyDeps(deps);
  return async (event = {}, context) => {
    const d = await getDeps();
    // The run bounds its sweep by the invocation's remaining time, so it ends before the timeout
    // whatever the number of chains (the cursor in the digest keeps the sweep's place).
    const remaining = context?.getRemainingTimeInMillis();
    const budgetMs = remaining === undefined ? undefined : Math.max(0, remaining - FINISH_RESERVE_MS);
    try {
      const result = await runAnchor(d, {
        checkpoint: event.checkpoint === true,
        ...(d.checkpointEveryMs ? { checkpointEveryMs: d.checkpointEveryMs } : {}),
        ...(budgetMs !== undefined ? { budgetMs } : {}),
      });
      d.record?.(result);
      return result;
    } catch (error) {
      d.record?.(undefined);
      throw error;
    }
  };
}

/**
 * The Lambda entry point: clients built once per cold start. The anchor needs only the
 * variables the stack sets on it (`SENTINEL_ANCHOR_*`, `SENTINEL_TABLE_PREFIX`), parsed by the
 * same functions `loadConfig` uses (`config/env.ts`); it reads no configuration parameter, and
 * leaving `loadConfig` out keeps the schema out of its bundle.
 */
export const handler = createAnchorHandler(() => {
  const settings = anchorSettings(process.env);
  if (!settings) throw new TypeError('[gitops-sentinel/anchor] SENTINEL_ANCHOR_BUCKET and SENTINEL_ANCHOR_KEY_ID must be set');
  const storage = envStorage(process.env);
  const tableName = tableNames(storage.tablePrefix).audit;
  const log = asSimpleLogger(createLogger('anchor'));
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: storage.region }), { marshallOptions: { removeUndefinedValues: true } });
  return {
    reader: new DynamoDBAuditStore({ tableName, client: doc, logger: log }),
    store: new S3AnchorStore({ bucket: settings.bucket }),
    signer: new KmsSigner({ keyId: settings.keyId }),
    log,
    checkpointEveryMs: (settings.checkpointMinutes ?? ANCHOR_DEFAULTS.checkpointEveryMs / 60_000) * 60_000,
    record: (result) => {
      // DigestsWritten's sample count is the heartbeat the "no digest" alarm watches; AnchorRunFailed feeds the failure alarm.
      if (result) {
        metrics.addMetric('DigestsWritten', MetricUnit.Count, result.written ? 1 : 0);
        metrics.addMetric('AnchorHeldChains', MetricUnit.Count, result.held.length);
        metrics.addMetric('AnchorNewRecords', MetricUnit.Count, result.newRecords);
      } else {
        metrics.addMetric('AnchorRunFailed', MetricUnit.Count, 1);
      }
      metrics.publishStoredMetrics();
    },
  };
});
