/**
 * Bundle size and import time of each Lambda function.
 *
 * Bundles the four handlers with the options SentinelFunction deploys with
 * (`infra/bundling.ts`), then times `node <bundle>` against `node <empty script>`,
 * median of RUNS runs each, so the difference is what loading the bundle (module scope
 * included, the AWS SDK resolved from node_modules as the runtime would) costs a cold start.
 * Prints JSON: `{ sizes: {function: bytes}, importMs: {function: ms}, ... }`.
 *
 *   npx tsx bench/bundle-size.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_NAMES } from '../infra/bundling';
import { BUNDLE_OUT_DIR, bundleFunction, type BundleResult } from '../infra/bundle-report';
import { median } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

/** Environment a deployed function would have, enough for module scope to initialise. */
const FUNCTION_ENV = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  SENTINEL_CONFIG_JSON: '{}',
  SENTINEL_TABLE_PREFIX: 'bench',
  SENTINEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench',
  POWERTOOLS_METRICS_NAMESPACE: 'GitOpsSentinel',
  POWERTOOLS_DEV: 'false',
};

/** Median wall time of `node <file>`, in ms, and whether it exited cleanly. */
function timeNode(file: string): { ms: number; ok: boolean; error?: string } {
  const times: number[] = [];
  let last: ReturnType<typeof spawnSync> | undefined;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    last = spawnSync(process.execPath, [file], { env: FUNCTION_ENV, encoding: 'utf8', timeout: 30_000 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ok = last?.status === 0;
  return {
    ms: median(times),
    ok,
    error: ok
      ? undefined
      : String(last?.stderr ?? '')
          .split('\n')
          .find((l) => l.trim()),
  };
}

/** Bundles every function and measures it; the figures the benchmark prints. */
export async function measureBundles(): Promise<{
  bundles: BundleResult[];
  baselineMs: number;
  importMs: Record<string, number>;
  errors: Record<string, string>;
}> {
  const bundles: BundleResult[] = [];
  for (const name of FUNCTION_NAMES) bundles.push(await bundleFunction(name));
  mkdirSync(BUNDLE_OUT_DIR, { recursive: true });
  const empty = path.join(BUNDLE_OUT_DIR, 'empty.mjs');
  writeFileSync(empty, '');
  const baseline = timeNode(empty);
  const importMs: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const b of bundles) {
    const t = timeNode(b.file);
    importMs[b.name] = Math.round((t.ms - baseline.ms) * 10) / 10;
    if (!t.ok) errors[b.name] = t.error ?? 'non-zero exit';
  }
  return { bundles, baselineMs: Math.round(baseline.ms * 10) / 10, importMs, errors };
}

if (require.main === module) {
  void measureBundles().then(({ bundles, baselineMs, importMs, errors }) => {
    const out = {
      benchmark: 'bundle-size',
      runs: RUNS,
      node: process.version,
      sizes: Object.fromEntries(bundles.map((b) => [b.name, b.bytes])),
      importMs,
      emptyScriptMs: baselineMs,
      largestPackages: Object.fromEntries(bundles.map((b) => [b.name, Object.fromEntries(b.packages.slice(0, 6).map((p) => [p.name, p.bytes]))])),
      ...(Object.keys(errors).length ? { errors } : {}),
    };
    console.log(JSON.stringify(out, null, 2));
  });
}
