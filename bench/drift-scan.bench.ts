/**
 * Drift scan at scale: N synthetic apps (generateSyntheticSeed) over 20 simulated ArgoCD
 * instances on real HTTP, 50 ms latency on every ArgoCD call, 5% of apps drifted, details
 * fetched for every drifted app (maxDetailsPerScan raised above the drift count). State
 * goes to an embedded dynalite (DynamoDB document client, as deployed); the audit trail
 * to the DynamoDB audit store on the same dynalite (`BENCH_AUDIT=memory` uses the
 * in-memory store instead). Figures: the first scan (every drift new: details, state
 * writes, drift.found records), a second scan (steady state: only the states that changed are
 * written), ArgoCD calls counted on the simulators, state writes counted on the store, and
 * scan time at 1,000 / 10,000 / 50,000 apps.
 * Prints one JSON object on its last stdout line.
 *
 * Run: npx tsx bench/drift-scan.bench.ts   (BENCH_SIZES=1000,10000 to pick sizes)
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createArgoCDClients } from '../functions/lib/argocd';
import type { AuditStore } from '../functions/lib/audit/audit-store';
import { DynamoDBAuditStore } from '../functions/lib/audit/dynamodb-audit-store';
import { defaults } from '../functions/lib/config/defaults';
import { DynamoDBDriftStateStore, runDriftScan, type DriftScanResult } from '../functions/lib/drift';
import { generateSyntheticSeed, startSimulators } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { InMemoryAuditStore } from '../test/helpers/in-memory-audit-store';

const INSTANCES = 20;
const LATENCY_MS = 50;
const DRIFT_SHARE = 0.05;

interface RunFigures {
  apps: number;
  drifted: number;
  firstScanMs: number;
  secondScanMs: number;
  argocdCallsFirstScan: number;
  /** instances + drifted apps + candidates read in full (their history) + window checks + repairs: the bound the issue sets. */
  expectedCalls: number;
  /** Single-app GETs: the list is projected and has no `status.history`, so each repair candidate is read in full. */
  appReads: number;
  windowChecks: number;
  repairs: number;
  skipped: number;
  argocdCallsSecondScan: number;
  /** App state writes (conditional puts and deletes) of each scan: the second finds the same drift. */
  stateWritesFirstScan: number;
  stateWritesSecondScan: number;
  consistencyPercent: number;
}

/** The DynamoDB drift state store, counting app state writes (scan marks apart). */
class CountingDriftStateStore extends DynamoDBDriftStateStore {
  writes = 0;
  override putApp(...args: Parameters<DynamoDBDriftStateStore['putApp']>) {
    this.writes++;
    return super.putApp(...args);
  }
  override deleteApp(...args: Parameters<DynamoDBDriftStateStore['deleteApp']>) {
    this.writes++;
    return super.deleteApp(...args);
  }
}

async function runOnce(apps: number, dynamoEndpoint: string, prefix: string, auditMode: string): Promise<RunFigures> {
  const seed = generateSyntheticSeed({ apps, instances: INSTANCES, driftShare: DRIFT_SHARE, seed: 7 });
  const sims = await startSimulators(seed, { syncDurationMs: 50, maxRecordedRequests: 1_000_000 });
  const client = localDynamoClient(dynamoEndpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = await ensureTables(client, prefix);
  const names = Object.keys(sims.instances);
  const registry = createArgoCDClients(
    {
      instances: names.map((name) => ({ name, server: sims.instances[name].url, token: { env: name }, insecure: false, namespace: 'argocd' })),
      argocd: { ...defaults.argocd, timeoutMs: 30_000 },
    },
    { get: async (ref) => sims.instances[String(ref.env)].sim.acceptedToken, refresh: async (ref) => sims.instances[String(ref.env)].sim.acceptedToken },
    { logger: { warn: () => undefined, error: () => undefined } },
  );
  const auditStore: AuditStore = auditMode === 'memory' ? new InMemoryAuditStore() : new DynamoDBAuditStore({ tableName: tables.audit, client: doc });
  const deps = {
    config: { drift: { ...defaults.drift, maxDetailsPerScan: 1_000_000 } },
    driftState: new CountingDriftStateStore(doc, tables.state),
    auditStore,
    argocd: registry,
  };
  const all = Object.values(sims.instances);
  for (const s of all) s.sim.injectFaults({ latencyMs: LATENCY_MS });
  const calls = () => all.reduce((n, s) => n + s.sim.requests.length, 0);
  try {
    let t = performance.now();
    const first: DriftScanResult = await runDriftScan(deps);
    const firstScanMs = performance.now() - t;
    const stateWritesFirstScan = deps.driftState.writes;
    deps.driftState.writes = 0;
    const firstCalls = calls();
    const windowChecks = all.reduce((n, s) => n + s.sim.requestsTo('GET', /\/syncwindows$/).length, 0);
    const appReads = all.reduce((n, s) => n + s.sim.requestsTo('GET', /^\/api\/v1\/applications\/[^/]+$/).length, 0);
    const repairs = all.reduce((n, s) => n + s.sim.requestsTo('POST', /\/sync$/).length, 0);
    for (const s of all) s.sim.clearRequests();
    t = performance.now();
    await runDriftScan(deps);
    const secondScanMs = performance.now() - t;
    return {
      apps: first.apps,
      drifted: first.drifted,
      firstScanMs: Math.round(firstScanMs),
      secondScanMs: Math.round(secondScanMs),
      argocdCallsFirstScan: firstCalls,
      expectedCalls: INSTANCES + first.drifted + appReads + windowChecks + repairs,
      appReads,
      windowChecks,
      repairs,
      skipped: first.skipped,
      argocdCallsSecondScan: calls(),
      stateWritesFirstScan,
      stateWritesSecondScan: deps.driftState.writes,
      consistencyPercent: first.consistencyPercent,
    };
  } finally {
    registry.close();
    await sims.close();
    client.destroy();
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
  const auditMode = process.env.BENCH_AUDIT ?? 'dynamodb';
  const dynamo = await startEmbeddedDynamo();
  const bySize: Record<string, RunFigures> = {};
  try {
    for (const [i, n] of sizes.entries()) {
      process.stderr.write(`drift-scan bench: ${n} apps...\n`);
      bySize[String(n)] = await runOnce(n, dynamo.endpoint, `bench${i}`, auditMode);
      process.stderr.write(`  ${JSON.stringify(bySize[String(n)])}\n`);
    }
  } finally {
    await dynamo.close();
  }
  const ref = bySize['10000'];
  console.log(
    JSON.stringify({
      setup: {
        instances: INSTANCES,
        latencyMsPerCall: LATENCY_MS,
        driftShare: DRIFT_SHARE,
        state: 'dynalite',
        audit: auditMode === 'memory' ? 'InMemoryAuditStore' : 'DynamoDBAuditStore on dynalite',
        detailsForAllDrifted: true,
      },
      ...(ref ? { tenThousandApps: { ...ref, under10s: ref.firstScanMs < 10_000, callsWithinBound: ref.argocdCallsFirstScan <= ref.expectedCalls } } : {}),
      scanMsByApps: Object.fromEntries(
        Object.entries(bySize).map(([k, v]) => [
          k,
          { first: v.firstScanMs, second: v.secondScanMs, drifted: v.drifted, calls: v.argocdCallsFirstScan, stateWritesSecond: v.stateWritesSecondScan },
        ]),
      ),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
