/**
 * Disaster recovery at scale (issue 17): 10,000 apps and 100 projects (`generateSyntheticSeed`,
 * the projects made to look declaratively applied: labels, annotations, a sync window without
 * timeZone, a role policy as people write it) in one simulated ArgoCD, an empty second one,
 * and the operator API in front of both. The CLI runs each phase in its own process, as an
 * operator would: export, import into the empty instance, the same import again, `dr check`,
 * and an export of the restored instance to confirm the round trip. Per phase: wall time, the
 * CPU time of the CLI process and of the server process (what the phase costs whatever else the
 * machine is doing), the CLI's peak RSS (`resourceUsage().maxRSS`), the server process's peak RSS (sampled), and the
 * ArgoCD calls the target received by method, per object. Prints one JSON object on its last line.
 *
 * Run: npx tsx bench/dr.bench.ts   (env: APPS default 10000, PROJECTS default 100)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import yaml from 'js-yaml';
import { run } from '../cli/main';
import { ArgoCDClient, ArgoCDRegistry } from '../functions/lib/argocd';
import { DynamoDBAuditStore } from '../functions/lib/audit';
import { loadConfig } from '../functions/lib/config';
import { DynamoDBDriftStateStore } from '../functions/lib/drift';
import type { CoreDeps } from '../functions/lib/runtime/core-deps';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { createOperatorApiHandler, OPERATOR_ROUTES } from '../functions/operator-api/handler';
import { generateSyntheticSeed, startArgoCDSimulator, type StartedArgoCDSimulator } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { createRequestListener } from '../local/http-adapter';

const APPS = Number(process.env.APPS ?? 10_000);
const PROJECTS = Number(process.env.PROJECTS ?? 100);

/** Child mode: one CLI command in its own process, reporting its own time and peak memory. */
async function child(api: string, argv: string[]): Promise<void> {
  const t0 = performance.now();
  const code = await run(['--api', api, ...argv, '--json'], { stdout: { write: () => true }, stderr: { write: () => true }, env: {} });
  const ms = performance.now() - t0;
  const u = process.resourceUsage();
  console.log(JSON.stringify({ code, ms, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000), maxRssMb: Math.round(u.maxRSS / 1024) }));
}

// eslint-disable-next-line max-lines-per-function -- a bench script: seeding and each measured step read top to bottom in one place
async function main(): Promise<void> {
  const seed = generateSyntheticSeed({ apps: APPS, instances: 1, projects: PROJECTS }).instances['inst-0'];
  seed.projects = seed.projects!.map((p, i) => ({
    name: p.name,
    labels: { team: p.name },
    annotations: { 'argocd.argoproj.io/tracking-id': `platform:argoproj.io/AppProject:argocd/${p.name}` },
    spec: {
      sourceRepos: ['https://github.com/synthetic/*'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }],
      syncWindows: [{ kind: 'deny', schedule: `0 ${i % 24} * * *`, duration: '1h', applications: ['*'] }],
      roles: [{ name: 'ci', policies: [`p,proj:${p.name}:ci,applications,sync,${p.name}/*,allow`] }],
    },
  }));
  const token = 'bench-token';
  const opts = { token, maxRecordedRequests: 500_000, syncDurationMs: 10 };
  const sims: Record<string, StartedArgoCDSimulator> = {
    prod: await startArgoCDSimulator({ ...opts, instance: 'prod', seed }),
    restore: await startArgoCDSimulator({ ...opts, instance: 'restore' }),
  };
  const dynamo = await startEmbeddedDynamo();
  const client = localDynamoClient(dynamo.endpoint);
  const tables = await ensureTables(client, 'bench-dr');
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const argocd = new ArgoCDRegistry(
    Object.entries(sims).map(([name, s]) => new ArgoCDClient({ name, server: s.url, getToken: async () => token, timeoutMs: 60_000 })),
  );
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
    { method: 'GET', path: '/healthz', handler: async () => ({ statusCode: 200, body: JSON.stringify({ instances: Object.keys(sims) }) }) },
    ...OPERATOR_ROUTES.filter((r) => r.path !== '/healthz').map((r) => ({ method: r.method, path: r.path, handler: (e: Parameters<typeof api>[0]) => api(e) })),
  ];
  const server = createServer(createRequestListener(routes));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = mkdtempSync(join(tmpdir(), 'sentinel-bench-dr-'));
  const objects = APPS + PROJECTS + 1; // + `default`

  /** One CLI phase in a child process; server peak RSS sampled meanwhile; calls the target received. */
  const phase = async (argv: string[]) => {
    const target = sims.restore.sim;
    target.clearRequests();
    let peak = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', __filename, '--child', url, JSON.stringify(argv)], { maxBuffer: 16 << 20 }, (e, stdout) =>
        e ? reject(new Error(e.message, { cause: e })) : resolve(stdout),
      ),
    );
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const figures = JSON.parse(out.trim().split('\n').pop()!) as { code: number; ms: number; cpuMs: number; maxRssMb: number };
    const byMethod: Record<string, number> = {};
    for (const r of target.requestsTo()) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    const writes = Object.entries(byMethod)
      .filter(([m]) => m !== 'GET')
      .reduce((n, [, c]) => n + c, 0);
    return {
      exitCode: figures.code,
      seconds: Math.round(figures.ms) / 1000,
      cliCpuSeconds: Math.round(figures.cpuMs) / 1000,
      serverCpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
      cliPeakRssMb: figures.maxRssMb,
      serverPeakRssMb: Math.round(peak / 1048576),
      targetCalls: byMethod,
      targetCallsPerObject: Math.round((((byMethod.GET ?? 0) + writes) / objects) * 1000) / 1000,
      targetWritesPerObject: Math.round((writes / objects) * 1000) / 1000,
    };
  };

  const backup = join(root, 'backup');
  const restored = join(root, 'restored');
  const exportFigures = await phase(['export', backup, '--instance', 'prod', '--page-size', '1000']);
  const importFigures = await phase(['import', backup, '--instance', 'restore', '--batch-size', '500']);
  const reimportFigures = await phase(['import', backup, '--instance', 'restore', '--batch-size', '500']);
  const checkFigures = await phase(['dr', 'check', backup, '--instance', 'restore', '--batch-size', '500']);
  await phase(['export', restored, '--instance', 'restore', '--page-size', '1000']);
  const manifest = (d: string) => yaml.load(readFileSync(join(d, 'manifest.yaml'), 'utf8')) as { instances: Record<string, { checksum: string }> };
  const identical = manifest(backup).instances.prod.checksum === manifest(restored).instances.restore.checksum;

  server.close();
  server.closeAllConnections();
  argocd.close();
  client.destroy();
  await dynamo.close();
  await Promise.all(Object.values(sims).map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
  const { targetCalls: _none, targetCallsPerObject: _n1, targetWritesPerObject: _n2, ...exportOnly } = exportFigures;
  console.log(
    JSON.stringify({
      apps: APPS,
      projects: PROJECTS + 1,
      export: exportOnly,
      import: importFigures,
      reimport: reimportFigures,
      check: checkFigures,
      roundTripByteIdentical: identical,
      note:
        'server = operator API + both simulators (10k apps each after the import) + dynalite, one process; targetCalls = requests the restore ' +
        'instance received during the phase',
    }),
  );
}

if (process.argv[2] === '--child') {
  child(process.argv[3], JSON.parse(process.argv[4]) as string[]).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
