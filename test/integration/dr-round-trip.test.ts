/**
 * Issue 17 "done when", through the CLI, the operator API and simulated ArgoCD instances:
 * projects applied declaratively (annotations, labels, a sync window without timeZone, role
 * policies as people write them) are exported, imported into an empty instance and exported
 * again with byte-identical files; a second import writes nothing; `sentinel dr check` exits
 * 0, and 2 naming the field after an app is edited in the target; an import interrupted
 * half-way is completed by running it again. Assertions look at what the simulators stored
 * and received.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { EXIT, run, type CliIO } from '../../cli/main';
import type { SeedInstance } from '../../local/argocd-sim';
import { startLocalStack, type LocalStack } from '../../local/stack';

const DEFAULT_SPEC = { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] };
const WINDOW = { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['*'], manualSync: true };

const prod: SeedInstance = {
  projects: [
    // Every ArgoCD has `default`; here it was applied with kubectl and carries a tracking id.
    { name: 'default', spec: DEFAULT_SPEC, annotations: { 'argocd.argoproj.io/tracking-id': 'platform:argoproj.io/AppProject:argocd/default' } },
    {
      name: 'shop',
      labels: { team: 'shop', 'app.kubernetes.io/managed-by': 'argocd' },
      annotations: { 'argocd.argoproj.io/tracking-id': 'platform:argoproj.io/AppProject:argocd/shop', owner: 'shop-team@acme.test' },
      spec: {
        description: 'the shop',
        sourceRepos: ['https://github.com/acme/*'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop-*' }],
        syncWindows: [WINDOW],
        roles: [{ name: 'ci', policies: ['p,proj:shop:ci,applications,sync,shop/*,allow'], groups: ['acme:ci'] }],
      },
    },
  ],
  apps: [
    {
      name: 'api',
      project: 'shop',
      labels: { team: 'shop' },
      source: { repoURL: 'https://github.com/acme/api.git', path: 'k8s', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop-api' },
    },
    {
      name: 'guestbook',
      project: 'shop',
      annotations: { 'gitops-sentinel/auto-repair': 'true' },
      source: { repoURL: 'https://github.com/acme/guestbook.git', path: 'k8s', targetRevision: 'main' },
    },
    {
      name: 'web',
      labels: { team: 'web' },
      syncPolicy: { automated: { prune: true } },
      source: { repoURL: 'https://github.com/acme/web.git', path: '.', targetRevision: 'HEAD' },
    },
  ],
};

function files(dir: string): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(dir)
    .map((f) => relative(dir, f))
    .sort();
}

describe('DR round trip (issue 17): export, import into an empty instance, export again', () => {
  let stack: LocalStack;
  const tmp = mkdtempSync(join(tmpdir(), 'sentinel-dr-'));
  const cli = async (argv: string[], onStderr?: (text: string) => void): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: {
        write: (s: string) => {
          err.push(s);
          onStderr?.(s);
        },
      },
      env: { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: stack.token },
    };
    const code = await run(argv, io);
    return { code, out: out.join(''), err: err.join('') };
  };
  const sim = (instance: string) => stack.simulators!.instances[instance].sim;
  const writesTo = (instance: string) =>
    sim(instance)
      .requestsTo()
      .filter((r) => r.method !== 'GET');

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { SENTINEL_TABLE_PREFIX: `dr-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: { instances: { prod, restore: {}, scratch: {} } },
    });
  });
  afterAll(() => stack.close());

  it('restores byte-identically, re-imports with no write, and checks backup against live', async () => {
    const first = join(tmp, 'first');
    expect((await cli(['export', first, '--instance', 'prod'])).code).toBe(0);
    // The export is in ArgoCD's normal form, not as the project was applied.
    const shop = yaml.load(readFileSync(join(first, 'prod/projects/argocd--shop.yaml'), 'utf8')) as {
      spec: { syncWindows: Array<{ timeZone?: string }>; roles: Array<{ policies: string[] }> };
    };
    expect(sim('prod').getProject('shop').spec?.syncWindows?.[0]?.timeZone).toBeUndefined();
    expect(shop.spec.syncWindows[0].timeZone).toBe('UTC');
    expect(shop.spec.roles[0].policies).toEqual(['p, proj:shop:ci, applications, sync, shop/*, allow']);

    const imp = await cli(['import', first, '--instance', 'restore']);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(
      /~ update AppProject argocd\/default\n {4}\+ metadata.annotations: \{"argocd.argoproj.io\/tracking-id":"platform:argoproj.io\/AppProject:argocd\/default"\}/,
    );
    expect(imp.out).toMatch(/4 created, 1 updated, 0 unchanged, 0 failed/);
    // What the target holds: metadata included (POST with upsert would have dropped it).
    expect(sim('restore').getProject('default').metadata?.annotations).toEqual({
      'argocd.argoproj.io/tracking-id': 'platform:argoproj.io/AppProject:argocd/default',
    });
    expect(sim('restore').getProject('shop').metadata).toMatchObject({ labels: prod.projects![1].labels, annotations: prod.projects![1].annotations });
    expect(
      writesTo('restore')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(['POST /api/v1/applications', 'POST /api/v1/applications', 'POST /api/v1/applications', 'POST /api/v1/projects', 'PUT /api/v1/projects/default']);

    const second = join(tmp, 'second');
    expect((await cli(['export', second, '--instance', 'restore'])).code).toBe(0);
    const names = files(first).filter((f) => f !== 'manifest.yaml');
    expect(files(second)).toEqual(['manifest.yaml', ...names.map((f) => f.replace(/^prod\//, 'restore/'))].sort());
    for (const f of names) expect(readFileSync(join(second, f.replace(/^prod\//, 'restore/')), 'utf8')).toBe(readFileSync(join(first, f), 'utf8'));

    // A second import into the restored instance writes nothing.
    sim('restore').clearRequests();
    const again = await cli(['import', first, '--instance', 'restore']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/0 created, 0 updated, 5 unchanged, 0 failed/);
    expect(writesTo('restore')).toEqual([]);

    // Backup vs live: the same; then one app edited in the target: exit 2 naming the field.
    expect((await cli(['dr', 'check', first, '--instance', 'restore'])).code).toBe(0);
    const sa = sim('restore').findApp('guestbook');
    sim('restore').updateSpec(sa, { ...sa.app.spec!, source: { ...sa.app.spec!.source!, path: 'k8s-hotfix' } });
    const check = await cli(['dr', 'check', first, '--instance', 'restore']);
    expect(check.code).toBe(EXIT.finding);
    expect(check.out).toMatch(/~ different Application argocd\/guestbook\n {4}~ spec.source.path: "k8s" -> "k8s-hotfix"\n/);
    expect(check.out).toMatch(/DIFFERENT: 5 exported objects checked against restore: 4 same, 1 different, 0 missing, 0 not in the export/);
    expect(writesTo('restore')).toEqual([]);
    const audit = await stack.deps.auditStore.query({ instance: 'restore', kind: 'dr.checked', limit: 100 });
    expect(audit.items.some((r) => r.outcome === 'failure' && (r.details as { different?: number }).different === 1)).toBe(true);
  });

  it('completes an import interrupted half-way when run again: nothing lost, nothing written twice', async () => {
    const dir = join(tmp, 'interrupted');
    expect((await cli(['export', dir, '--instance', 'prod'])).code).toBe(0);
    // ArgoCD goes away after the third of five objects (projects first, one object per call).
    const broken = await cli(['import', dir, '--instance', 'scratch', '--batch-size', '1'], (text) => {
      if (/: 3\/5/.test(text)) sim('scratch').injectFaults({ down: true });
    });
    expect(broken.code).toBe(EXIT.error);
    expect(sim('scratch').size).toBe(1);
    sim('scratch').clearFaults();

    const rerun = await cli(['import', dir, '--instance', 'scratch', '--batch-size', '1']);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/2 created, 0 updated, 3 unchanged, 0 failed/);
    // Every object was written successfully exactly once over both runs.
    const written = writesTo('scratch')
      .filter((r) => r.status === 200)
      .map((r) => {
        const body = r.body as { metadata?: { name: string }; project?: { metadata: { name: string } } };
        return `${r.method} ${r.path} ${JSON.stringify(body.metadata?.name ?? body.project?.metadata.name)}`;
      });
    expect(written.sort()).toEqual([
      'POST /api/v1/applications "api"',
      'POST /api/v1/applications "guestbook"',
      'POST /api/v1/applications "web"',
      'POST /api/v1/projects "shop"',
      'PUT /api/v1/projects/default "default"',
    ]);
    const after = join(tmp, 'after-interruption');
    expect((await cli(['export', after, '--instance', 'scratch'])).code).toBe(0);
    const manifest = (d: string) =>
      yaml.load(readFileSync(join(d, 'manifest.yaml'), 'utf8')) as { instances: Record<string, { checksum: string; applications: number; projects: number }> };
    expect(manifest(after).instances.scratch).toEqual(manifest(dir).instances.prod);
  });
});
