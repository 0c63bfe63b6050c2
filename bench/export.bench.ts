/**
 * Disaster-recovery export of 10,000 apps (`generateSyntheticSeed`) from the ArgoCD simulator
 * through the operator API and the CLI: wall time, and peak memory of the CLI process
 * (`resourceUsage().maxRSS`, where the bounded-memory design matters) and of the server process
 * (operator API + simulator holding the 10,000 apps; RSS sampled). Prints one JSON object on
 * its last stdout line.
 *
 * Run: npx tsx bench/export.bench.ts   (env: APPS, default 10000)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { run } from '../cli/main';
import { ArgoCDClient, ArgoCDRegistry } from '../functions/lib/argocd';
import { DynamoDBAuditStore } from '../functions/lib/audit';
import { loadConfig } from '../functions/lib/config';
import type { CoreDeps } from '../functions/lib/runtime/core-deps';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { createOperatorApiHandler, OPERATOR_ROUTES } from '../functions/operator-api/handler';
import { generateSyntheticSeed, startArgoCDSimulator } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { createRequestListener } from '../local/http-adapter';
import { DynamoDBDriftStateStore } from '../functions/lib/drift';

const APPS = Number(process.env.APPS ?? 10_000);

/** Child mode: run the CLI export in its own process and report its own peak memory. */
async function child(api: string, dir: string): Promise<void> {
  const t0 = performance.now();
  const code = await run(['--api', api, 'export', dir, '--json', '--page-size', '1000'], {
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: {},
  });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ code, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

async function main(): Promise<void> {
  const seed = generateSyntheticSeed({ apps: APPS, instances: 1 });
  const sim = await startArgoCDSimulator({ instance: 'inst-0', seed: seed.instances['inst-0'], token: 'bench-token' });
  const dynamo = await startEmbeddedDynamo();
  const client = localDynamoClient(dynamo.endpoint);
  const tables = await ensureTables(client, 'bench');
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const argocd = new ArgoCDRegistry([new ArgoCDClient({ name: 'inst-0', server: sim.url, getToken: async () => 'bench-token', timeoutMs: 60_000 })]);
  const deps: CoreDeps = {
    config: loadConfig({}),
    doc,
    tables,
    auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc }),
    driftState: new DynamoDBDriftStateStore(doc, tables.state),
    secrets: new EnvSecretsProvider({}),
    argocd,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    now: () => new Date(),
  };
  const api = createOperatorApiHandler(deps);
  const routes = [
    { method: 'GET', path: '/healthz', handler: async () => ({ statusCode: 200, body: JSON.stringify({ instances: ['inst-0'] }) }) },
    ...OPERATOR_ROUTES.filter((r) => r.path !== '/healthz').map((r) => ({ method: r.method, path: r.path, handler: (e: Parameters<typeof api>[0]) => api(e) })),
  ];
  const server = createServer(createRequestListener(routes));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const dir = join(mkdtempSync(join(tmpdir(), 'sentinel-bench-export-')), 'out');
  let serverPeak = process.memoryUsage().rss;
  const serverBaseline = serverPeak;
  const sampler = setInterval(() => (serverPeak = Math.max(serverPeak, process.memoryUsage().rss)), 20);

  // 1. The CLI as its own process (how operators run it): its peak memory is the bounded part.
  const t0 = performance.now();
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', __filename, '--child', url, dir], { maxBuffer: 16 << 20 }, (e, stdout) =>
      e ? reject(new Error(e.message, { cause: e })) : resolve(stdout),
    ),
  );
  const subprocessMs = performance.now() - t0;
  clearInterval(sampler);
  const childFigures = JSON.parse(out.trim().split('\n').pop()!) as { code: number; ms: number; maxRssMb: number };
  const files = readdirSync(join(dir, 'inst-0', 'applications')).length;

  server.close();
  server.closeAllConnections();
  argocd.close();
  client.destroy();
  await dynamo.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      apps: APPS,
      filesWritten: files,
      exitCode: childFigures.code,
      exportSeconds: Math.round(childFigures.ms) / 1000,
      exportSecondsWithProcessStart: Math.round(subprocessMs) / 1000,
      cliPeakRssMb: childFigures.maxRssMb,
      serverPeakRssMb: Math.round(serverPeak / 1048576),
      serverBaselineRssMb: Math.round(serverBaseline / 1048576),
      note: 'server = operator API + ArgoCD simulator holding the apps, in one process',
    }),
  );
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
