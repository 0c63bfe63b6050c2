/**
 * `GET /api/audit` latency for one page of 100 records from a large audit table: seeds
 * dynalite (on disk, so 1M records fit in memory) straight into its LevelDB folder
 * (bench/seed-audit.ts) — sealed, chained records with their index attributes, 1,000 apps over
 * 30 days — up to 1,000,000 records or `SEED_SECONDS` (default 1200) of seeding, whichever comes
 * first (the seeded count is reported), then measures p50/p99 of
 * one page through the operator API over HTTP, through the CLI in-process, and through the
 * CLI as a subprocess (node + tsx start-up included). Apps belong to 50 ArgoCD projects; the
 * same by-day pages are also read by a principal whose access rule covers 1 project of the 50
 * (issue 13: served by the by-project index), in the same run. Prints one JSON object on its last line.
 *
 * Run: npx tsx bench/audit-query.bench.ts   (env: SEED_TARGET, SEED_SECONDS, SAMPLES)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { run } from '../cli/main';
import { ArgoCDRegistry } from '../functions/lib/argocd';
import { DynamoDBAuditStore, indexAttributes, newAuditId, sealRecord } from '../functions/lib/audit';
import { loadConfig } from '../functions/lib/config';
import { createOperatorApiHandler, OPERATOR_ROUTES } from '../functions/operator-api/handler';
import type { CoreDeps } from '../functions/lib/runtime/core-deps';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { localDynamoClient } from '../local/dynamo';
import { startSeededDynalite } from './seed-audit';

import { createRequestListener } from '../local/http-adapter';
import { percentile } from './stats';
import { DynamoDBDriftStateStore } from '../functions/lib/drift';

const TARGET = Number(process.env.SEED_TARGET ?? 1_000_000);
const SEED_SECONDS = Number(process.env.SEED_SECONDS ?? 1200);
const SAMPLES = Number(process.env.SAMPLES ?? 200);
const APPS = 1000;
const DAYS = 30;
const END = Date.parse('2024-06-30T23:59:59.000Z');
const START = END - DAYS * 86_400_000;
const KINDS = ['app.refreshed', 'app.synced', 'drift.found', 'drift.resolved', 'app.skipped'] as const;
/** ArgoCD projects the apps belong to (app i in `p-<i mod 50>`); the scoped principal may read one. */
const PROJECTS = 50;
const SCOPED_PROJECT = 'p-7';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const SCOPED_TOKEN = 'bench-scoped-token-0123456789';

const pct = (sorted: number[], p: number): number => Math.round(percentile(sorted, p, 0) * 100) / 100;

function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { samples: s.length, p50Ms: pct(s, 50), p99Ms: pct(s, 99), maxMs: Math.round(s[s.length - 1] * 100) / 100 };
}

// eslint-disable-next-line max-lines-per-function -- a bench script: seeding, serving and measuring read top to bottom in one place
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-bench-audit-'));

  // Seed: one chain per app, records in time order, spread evenly over 30 days, written
  // straight into dynalite's folder (bench/seed-audit.ts); dynalite then serves them from its
  // own process, so measuring uses both cores (client + dynalite).
  const step = (END - START) / TARGET;
  const heads = new Map<number, string>();
  const makeItem = (i: number) => {
    const app = i % APPS;
    const seq = Math.floor(i / APPS);
    const ts = new Date(Math.floor(START + i * step)).toISOString();
    const record = sealRecord({
      id: newAuditId(Date.parse(ts)),
      ts,
      kind: KINDS[i % KINDS.length],
      outcome: 'success',
      actor: 'bench',
      message: `record ${i}`,
      instance: 'default',
      namespace: 'argocd',
      app: `app-${app}`,
      project: `p-${app % PROJECTS}`,
      revision: (i % 997).toString(16).padStart(40, '0'),
      deliveryId: `d-${Math.floor(i / 3)}`,
      chain: `app#default#argocd#app-${app}`,
      seq,
      prevHash: heads.get(app) ?? '',
    });
    heads.set(app, record.hash);
    return { ...record, ...indexAttributes(record) };
  };
  const dynamo = await startSeededDynalite(dataDir, 'bench', {
    count: TARGET,
    item: makeItem,
    deadline: performance.now() + SEED_SECONDS * 1000,
    onProgress: (n) => {
      if (n % 100_000 < 2000) process.stderr.write(`seeded ${n}\n`);
    },
  });
  const { tables, seeded, seedSeconds } = dynamo;
  process.stderr.write(`seeded ${seeded} records in ${seedSeconds.toFixed(1)} s\n`);
  const client = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  // The operator API over HTTP, as the local stack serves it.
  const config = {
    ...loadConfig({}),
    access: {
      localTokens: [],
      rules: [
        { principals: ['local:bench-admin'], instances: ['*'], projects: ['*'], actions: ['admin' as const] },
        { principals: ['local:bench-scoped'], instances: ['*'], projects: [SCOPED_PROJECT], actions: ['read' as const] },
      ],
    },
  };
  const deps: CoreDeps = {
    config,
    doc,
    tables,
    auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc }),
    driftState: new DynamoDBDriftStateStore(doc, tables.state),
    secrets: new EnvSecretsProvider({}),
    argocd: new ArgoCDRegistry([]),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    now: () => new Date(END),
  };
  const api = createOperatorApiHandler(deps);
  let port = 0;
  const server = createServer(
    createRequestListener(
      OPERATOR_ROUTES.map((r) => ({ method: r.method, path: r.path, handler: (e) => api(e) })),
      () => {},
      {
        tokens: [
          { principal: 'local:bench-admin', token: ADMIN_TOKEN },
          { principal: 'local:bench-scoped', token: SCOPED_TOKEN },
        ],
        hosts: () => [`127.0.0.1:${port}`],
      },
    ),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const lastTs = new Date(Math.floor(START + (seeded - 1) * step));
  const seededDays = Math.max(1, Math.ceil((lastTs.getTime() - START) / 86_400_000));
  const rnd = (n: number) => Math.floor(Math.random() * n);
  const dayQuery = () => {
    // START is the last second of its UTC day: draw from the full days after it.
    const day = new Date(START + (1 + rnd(Math.max(1, seededDays - 1))) * 86_400_000).toISOString().slice(0, 10);
    return { from: day, to: day };
  };
  const queries = {
    byApp: () => ({ app: `app-${rnd(APPS)}`, instance: 'default' }),
    byDay: dayQuery,
  };

  /** p50/p99 of one page of 100 through the API for a principal; every record checked against its scope. */
  const measure = async (make: () => Record<string, string>, token: string, project?: string) => {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const q = new URLSearchParams({ ...make(), limit: '100' });
      const t0 = performance.now();
      const res = await fetch(`${url}/api/audit?${q.toString()}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { items: Array<{ project?: string }> };
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`API answered ${res.status}`);
      if (project && body.items.some((r) => r.project !== project)) throw new Error('a scoped page held a record of another project');
      items += body.items.length;
    }
    return { ...summary(times), meanItemsPerPage: Math.round(items / SAMPLES) };
  };

  const results: Record<string, unknown> = {};
  // Issue 13: the same by-day pages, unscoped and for a principal scoped to 1 project of 50,
  // measured back to back (interleaved in blocks so load on the shared machine hits both alike).
  const scopedTimes: ReturnType<typeof summary>[] = [];
  const unscopedTimes: ReturnType<typeof summary>[] = [];
  let scopedItems = 0;
  for (let block = 0; block < 4; block++) {
    const u = await measure(dayQuery, ADMIN_TOKEN);
    const sc = await measure(dayQuery, SCOPED_TOKEN, SCOPED_PROJECT);
    unscopedTimes.push(u);
    scopedTimes.push(sc);
    scopedItems += sc.meanItemsPerPage;
  }
  const p = (xs: ReturnType<typeof summary>[], k: 'p50Ms' | 'p99Ms') => Math.round((xs.reduce((a, x) => a + x[k], 0) / xs.length) * 100) / 100;
  results.api_byDay_unscoped_vs_scoped1of50 = {
    samples: SAMPLES * 4,
    projects: PROJECTS,
    unscoped: { p50Ms: p(unscopedTimes, 'p50Ms'), p99Ms: p(unscopedTimes, 'p99Ms') },
    scoped1of50: { p50Ms: p(scopedTimes, 'p50Ms'), p99Ms: p(scopedTimes, 'p99Ms'), meanItemsPerPage: Math.round(scopedItems / 4) },
    note: 'mean over 4 interleaved blocks of the per-block p50/p99',
  };

  for (const [name, make] of Object.entries(queries)) {
    results[`api_${name}`] = await measure(make, ADMIN_TOKEN);

    const cliTimes: number[] = [];
    const sink = { write: () => true };
    for (let i = 0; i < SAMPLES; i++) {
      const q = make() as Record<string, string>;
      const argv = ['--api', url, 'audit', '--limit', '100', '--json', ...Object.entries(q).flatMap(([k, v]) => [`--${k}`, v])];
      const t0 = performance.now();
      const code = await run(argv, { stdout: sink, stderr: sink, env: { SENTINEL_TOKEN: ADMIN_TOKEN } });
      cliTimes.push(performance.now() - t0);
      if (code !== 0) throw new Error(`CLI exited ${code}`);
    }
    results[`cliInProcess_${name}`] = summary(cliTimes);
  }

  const bin = join(__dirname, '../cli/bin/sentinel.js');
  const subTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const q = queries.byApp();
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [bin, '--api', url, 'audit', '--limit', '100', '--json', '--app', q.app, '--instance', q.instance],
        { maxBuffer: 16 << 20, env: { ...process.env, SENTINEL_TOKEN: ADMIN_TOKEN } },
        (e) => (e ? reject(new Error(e.message, { cause: e })) : resolve()),
      ),
    );
    subTimes.push(performance.now() - t0);
  }
  results.cliSubprocess_byApp = summary(subTimes);

  server.close();
  server.closeAllConnections();
  client.destroy();
  await dynamo.stop();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      records: seeded,
      targetRecords: TARGET,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      seedRecordsPerSecond: Math.round(seeded / seedSeconds),
      pageSize: 100,
      ...results,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
