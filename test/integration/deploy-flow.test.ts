/**
 * A signed push on the local stack becomes a tracked deployment: webhook -> queue -> sync worker
 * -> simulator sync -> delayed follow-up checks -> `deploy.succeeded` with its lead time, which
 * `/api/stats` reports.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type CliIO } from '../../cli/main';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'deploy-flow-secret';
const REPO = 'https://github.com/acme/shop.git';
const COMMIT = '1f'.repeat(20);

function signedPush(stack: LocalStack, deliveryId: string) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: COMMIT,
    repository: { html_url: 'https://github.com/acme/shop', clone_url: REPO, default_branch: 'main', full_name: 'acme/shop' },
    pusher: { name: 'octocat' },
    commits: [{ id: COMMIT, message: 'bump', timestamp: '2026-01-01T00:00:00Z', added: [], modified: ['shop/deploy.yaml'], removed: [] }],
    head_commit: { id: COMMIT },
  });
  return postGitHubPush(stack.url, body, SECRET, deliveryId);
}

describe('deployment tracking on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-flow-'));
    const config = join(dir, 'sentinel.yaml');
    writeFileSync(config, 'deploy:\n  firstCheckSeconds: 0.05\n  maxCheckSeconds: 0.2\n');
    stack = await startLocalStack({
      env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_CONFIG: config, SENTINEL_TABLE_PREFIX: `deploy-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 100,
      fakeStatusApi: true,
      simulatorSeed: {
        instances: {
          default: {
            apps: [{ name: 'shop', annotations: { 'gitops-sentinel/sync-on-push': 'true' }, source: { repoURL: REPO, path: 'shop', targetRevision: 'main' } }],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('turns a signed push into deploy.succeeded with its lead time, and /api/stats reports it', async () => {
    const sim = stack.simulators!.instances.default.sim;
    sim.setHead(REPO, 'main', COMMIT);
    const deliveryId = randomUUID();

    const res = await signedPush(stack, deliveryId);
    expect(res.status).toBe(202);

    await waitFor(async () => (await stack.deps.auditStore.query({ deliveryId, kind: 'deploy.succeeded' })).items.length === 1, 'deploy.succeeded', 20_000);
    const [record] = (await stack.deps.auditStore.query({ deliveryId, kind: 'deploy.succeeded' })).items;
    expect(record).toMatchObject({
      app: 'shop',
      revision: COMMIT,
      details: expect.objectContaining({ commit: COMMIT, revisionDeployed: COMMIT, cause: 'push' }),
    });
    const lead = (record.details as { leadTimeMs: number }).leadTimeMs;
    expect(lead).toBeGreaterThan(0);
    // The fake GitHub status API received pending, then success, on the pushed commit
    await waitFor(() => stack.statusApi!.accepted(COMMIT).length === 2, 'two commit statuses', 10_000);
    const statuses = stack.statusApi!.accepted(COMMIT);
    expect(statuses.map((r) => [r.method, r.path, r.state, r.context])).toEqual([
      ['POST', `/repos/acme/shop/statuses/${COMMIT}`, 'pending', 'gitops-sentinel/default/shop'],
      ['POST', `/repos/acme/shop/statuses/${COMMIT}`, 'success', 'gitops-sentinel/default/shop'],
    ]);
    expect(statuses[1].description).toMatch(/^deployed and healthy in \d/);
    // Accepted means it carried the fake's own token (any other answers 401), as a bearer token
    expect(statuses.map((r) => r.authScheme)).toEqual(['bearer', 'bearer']);
    expect(stack.statusApi!.received.filter((r) => r.answered !== 201)).toEqual([]);
    // GitHub's own list call, as the README demo uses it: newest first
    const listed = (await (await fetch(`${stack.statusApi!.url}/repos/acme/shop/commits/${COMMIT}/statuses`)).json()) as Array<{ state: string }>;
    expect(listed.map((s) => s.state)).toEqual(['success', 'pending']);
    // ArgoCD received the sync once, and the checks were plain reads
    expect(sim.requestsTo('POST', '/api/v1/applications/shop/sync')).toHaveLength(1);
    expect(sim.requestsTo('GET', '/api/v1/applications/shop').every((r) => !r.query.refresh)).toBe(true);

    const stats = (await (await fetch(`${stack.url}/api/stats`, { headers: stack.authHeaders })).json()) as {
      totals: Record<string, unknown>;
      apps: Array<Record<string, unknown>>;
    };
    expect(stats.totals).toMatchObject({ deployments: 1, deploySucceeded: 1, deploySuccessRate: 1, leadTimeP50Ms: lead, leadTimeSamples: 1 });
    expect(stats.apps.find((a) => a.app === 'shop')).toMatchObject({ deployments: 1, leadTimeP95Ms: lead });

    // sentinel stats shows it (the by-app table has the deployment and its lead time in seconds)
    const out = await sentinel('stats', '--by', 'app');
    expect(out.code).toBe(0);
    const row = out.text.split('\n').find((l) => l.includes('default/argocd/shop'))!;
    expect(row).toContain(String(Math.round(lead / 100) / 10));
  });

  async function sentinel(...argv: string[]): Promise<{ code: number; text: string }> {
    const chunks: string[] = [];
    const io: CliIO = {
      stdout: { write: (s: string) => chunks.push(s) },
      stderr: { write: (s: string) => chunks.push(s) },
      env: { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: stack.token },
    };
    const code = await run(argv, io);
    return { code, text: chunks.join('') };
  }

  it('shows an app with its resource tree: GET /api/apps/{instance}/{namespace}/{name} and sentinel apps APP', async () => {
    const sim = stack.simulators!.instances.default.sim;
    sim.setHealth({ name: 'shop' }, 'Degraded', 'back-off restarting failed container');
    sim.clearRequests();

    const res = await fetch(`${stack.url}/api/apps/default/argocd/shop`, { headers: stack.authHeaders });
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { name: string; health: string; resources: Array<{ depth: number; kind: string; health?: string; sync?: string }> };
    expect(detail).toMatchObject({ name: 'shop', health: 'Degraded' });
    expect(detail.resources.map((r) => [r.depth, r.kind])).toEqual([
      [0, 'Deployment'],
      [1, 'ReplicaSet'],
      [2, 'Pod'],
      [0, 'Service'],
    ]);
    expect(detail.resources[0]).toMatchObject({ sync: 'Synced', health: 'Degraded' });
    // What the simulator received: the app and its tree, nothing else
    expect(sim.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/v1/applications/shop', '/api/v1/applications/shop/resource-tree']));

    const out = await sentinel('apps', 'shop');
    expect(out.code).toBe(0);
    expect(out.text).toMatch(/default\/argocd\/shop .*health Degraded/);
    expect(out.text).toMatch(/Deployment\/shop/);
    expect(out.text).toMatch(/└─ ReplicaSet\/shop-/);
    expect(out.text).toMatch(/ {2}└─ Pod\/shop-.*Degraded/);

    const missing = await fetch(`${stack.url}/api/apps/default/argocd/nope`, { headers: stack.authHeaders });
    expect(missing.status).toBe(404);
  });
});
