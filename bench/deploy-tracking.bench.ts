/**
 * Deployment tracking at scale on the local stack: `BENCH_APPS` (default 1,000) auto-sync apps
 * on `BENCH_INSTANCES` (default 20) simulated ArgoCD instances, one signed push each (to the
 * app's own repository, whose branch head the simulator then resolves to the pushed commit).
 * ArgoCD syncs each app itself after the refresh; the simulator runs the sync for
 * `BENCH_SYNC_MS` (default 1,000) ms and keeps the app Progressing for `BENCH_HEALTHY_MS`
 * (default 2,000) ms more. Tracking checks start after `BENCH_FIRST_CHECK_S` (default 2) s.
 *
 * Figures: ArgoCD calls the tracking spent per deployment (plain app reads plus resource-tree
 * reads, counted by the simulators), follow-up receives (checks) and batches (Lambda
 * invocations, deployed) per deployment, and the time from the simulator stamping the app
 * Healthy (`status.health.lastTransitionTime`) to the `deploy.succeeded` audit record and to the
 * `success` commit status the fake GitHub status API received (p50/p99).
 * Prints one JSON object last.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedFile } from '../local/argocd-sim';
import { startLocalStack } from '../local/stack';
import { percentile } from './stats';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const APPS = num('BENCH_APPS', 1000);
const INSTANCES = num('BENCH_INSTANCES', 20);
const SYNC_MS = num('BENCH_SYNC_MS', 1000);
const HEALTHY_MS = num('BENCH_HEALTHY_MS', 2000);
const FIRST_CHECK_S = num('BENCH_FIRST_CHECK_S', 2);
const SECRET = 'bench-secret';
const repoUrl = (i: number) => `https://github.com/bench/repo-${i}.git`;
const instanceOf = (i: number) => `sim-${String(i % INSTANCES).padStart(2, '0')}`;

// eslint-disable-next-line max-lines-per-function -- a bench script: set-up and each measured step read top to bottom in one place
async function main(): Promise<void> {
  const seed: SeedFile = { instances: {} };
  for (let n = 0; n < INSTANCES; n++) seed.instances[instanceOf(n)] = { apps: [] };
  for (let i = 0; i < APPS; i++) {
    seed.instances[instanceOf(i)].apps!.push({
      name: `app-${i}`,
      source: { repoURL: repoUrl(i), path: '.', targetRevision: 'master' },
      syncPolicy: { automated: { prune: true } },
      resources: [{ kind: 'Deployment', name: `app-${i}` }],
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  writeFileSync(join(dir, 'sentinel.yaml'), `deploy:\n  firstCheckSeconds: ${FIRST_CHECK_S}\n  maxCheckSeconds: 30\n`);
  const stack = await startLocalStack({
    env: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      SENTINEL_CONFIG: join(dir, 'sentinel.yaml'),
      SENTINEL_TABLE_PREFIX: `bench-deploy-${randomUUID().slice(0, 6)}`,
      PATH: env.PATH,
    },
    port: 0,
    dataDir: null,
    simulatorSyncMs: SYNC_MS,
    simulatorSeed: seed,
    // Commit statuses go to the local fake GitHub status API (every app's repository is on github.com).
    fakeStatusApi: true,
  });
  try {
    const sims = Object.values(stack.simulators!.instances).map((s) => s.sim);
    for (const sim of sims) sim.setHealthyAfterMs(HEALTHY_MS);
    const deliveries: Array<{ i: number; deliveryId: string; sha: string }> = [];
    const started = Date.now();
    // Pushes in waves of 50, as a busy hour's deliveries would arrive (not all in one instant).
    for (let start = 0; start < APPS; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, APPS - start) }, async (_, k) => {
          const i = start + k;
          const deliveryId = randomUUID();
          const sha = createHmac('sha1', 'sha').update(deliveryId).digest('hex');
          stack.simulators!.instances[instanceOf(i)].sim.setHead(repoUrl(i), 'master', sha);
          const body = JSON.stringify({
            ref: 'refs/heads/master',
            before: '0'.repeat(40),
            after: sha,
            repository: { html_url: `https://github.com/bench/repo-${i}`, clone_url: repoUrl(i), full_name: `bench/repo-${i}`, default_branch: 'master' },
            pusher: { name: 'bench' },
            commits: [{ id: sha, message: 'bump', timestamp: new Date().toISOString(), added: [], modified: ['deploy.yaml'], removed: [] }],
            head_commit: { id: sha },
          });
          const res = await fetch(`${stack.url}/api/webhook`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-github-delivery': deliveryId,
              'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
            },
            body,
          });
          if (res.status !== 202) throw new Error(`push ${i} answered ${res.status}`);
          await res.arrayBuffer();
          deliveries.push({ i, deliveryId, sha });
        }),
      );
    }
    await stack.queue.drain();
    await stack.followUps.drain();
    const elapsedMs = Date.now() - started;

    // Tracking's ArgoCD calls: plain app reads (no refresh) and resource-tree reads.
    let reads = 0;
    let trees = 0;
    for (const sim of sims) {
      reads += sim.requestsTo('GET', /^\/api\/v1\/applications\/[^/]+$/).filter((r) => !r.query.refresh).length;
      trees += sim.requestsTo('GET', /\/resource-tree$/).length;
    }
    const outcomes: Record<string, number> = {};
    const lagMs: number[] = [];
    const statusLagMs: number[] = [];
    const statusApi = stack.statusApi!;
    const leadMs: number[] = [];
    for (const d of deliveries) {
      const records = (await stack.deps.auditStore.query({ deliveryId: d.deliveryId, limit: 20 })).items.filter((r) => r.kind.startsWith('deploy.'));
      for (const r of records) outcomes[r.kind] = (outcomes[r.kind] ?? 0) + 1;
      const ok = records.find((r) => r.kind === 'deploy.succeeded');
      if (!ok) continue;
      const healthyAt = Date.parse(stack.simulators!.instances[instanceOf(d.i)].sim.getApp(`app-${d.i}`).status!.health!.lastTransitionTime!);
      lagMs.push(Date.parse(ok.ts) - healthyAt);
      const success = statusApi.accepted(d.sha).find((r) => r.state === 'success' && r.context === `gitops-sentinel/${instanceOf(d.i)}/app-${d.i}`);
      if (success) statusLagMs.push(success.receivedAt - healthyAt);
      leadMs.push((ok.details as { leadTimeMs: number }).leadTimeMs);
    }
    lagMs.sort((a, b) => a - b);
    statusLagMs.sort((a, b) => a - b);
    leadMs.sort((a, b) => a - b);
    const q = stack.followUps.stats();
    const figures = {
      apps: APPS,
      instances: INSTANCES,
      simulatedSyncMs: SYNC_MS,
      simulatedHealthyAfterMs: HEALTHY_MS,
      firstCheckSeconds: FIRST_CHECK_S,
      deployments: deliveries.length,
      outcomes,
      argocdCallsPerDeployment: Math.round(((reads + trees) / deliveries.length) * 100) / 100,
      appReadsPerDeployment: Math.round((reads / deliveries.length) * 100) / 100,
      resourceTreeReads: trees,
      // Follow-up receives minus the commit status messages: the checks.
      checksPerDeployment: Math.round(((q.received - stack.statuses!.stats.handled) / deliveries.length) * 100) / 100,
      // Lambda invocations, deployed: checks and commit statuses share the follow-up queue.
      trackerBatchesPerDeployment: Math.round((q.batches / deliveries.length) * 100) / 100,
      commitStatuses: { ...stack.statuses!.stats, received: statusApi.received.length },
      healthyToAuditMs: { p50: percentile(lagMs, 50), p99: percentile(lagMs, 99), samples: lagMs.length },
      leadTimeMs: { p50: percentile(leadMs, 50), p99: percentile(leadMs, 99) },
      healthyToCommitStatusMs: { p50: percentile(statusLagMs, 50), p99: percentile(statusLagMs, 99), samples: statusLagMs.length },
      wallClockMs: elapsedMs,
      deadLetters: q.deadLettered,
    };
    console.log(JSON.stringify(figures));
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
