import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import yaml from 'js-yaml';
import { ApiClient } from '../../cli/api-client';
import { EXIT, run, type CliIO } from '../../cli/main';
import { signRequest } from '../../cli/sigv4';
import { ExportWriter } from '../../functions/lib/dr';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';

const REPO_ROOT = join(__dirname, '../..');

interface Ran {
  code: number;
  out: string;
  err: string;
}

function collector(env: Record<string, string | undefined>, signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env, signal };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

describe('sentinel CLI against the local stack', () => {
  let stack: LocalStack;
  let cli: (...argv: string[]) => Promise<Ran>;
  const tmp = mkdtempSync(join(tmpdir(), 'sentinel-cli-'));

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { SENTINEL_TABLE_PREFIX: `cli-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: {
        instances: {
          prod: {
            projects: [{ name: 'shop', spec: { description: 'the shop', sourceRepos: ['https://github.com/acme/*'] } }],
            apps: [
              {
                name: 'guestbook',
                project: 'shop',
                history: 3,
                labels: { team: 'web' },
                annotations: { 'gitops-sentinel/auto-repair': 'true' },
                source: { repoURL: 'https://github.com/acme/guestbook.git', path: 'k8s', targetRevision: 'main' },
              },
              {
                name: 'autoapp',
                history: 2,
                syncPolicy: { automated: { prune: true } },
                source: { repoURL: 'https://github.com/acme/auto.git', path: '.', targetRevision: 'main' },
              },
              {
                name: 'payments',
                namespace: 'team-a',
                sources: [
                  { repoURL: 'https://github.com/acme/payments.git', path: 'a', targetRevision: 'v1' },
                  { repoURL: 'https://charts.acme.dev', chart: 'pay', targetRevision: '1.2.3' },
                ],
              },
            ],
          },
          restore: {},
        },
      },
    });
    const env = { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: stack.token };
    cli = async (...argv: string[]) => {
      const c = collector(env);
      const code = await run(argv, c.io);
      return { code, out: c.out(), err: c.err() };
    };
    const audit = stack.deps.auditStore;
    for (let i = 0; i < 5; i++) {
      await audit.append({
        kind: 'app.refreshed',
        outcome: 'success',
        actor: 'test',
        message: `refresh ${i}`,
        instance: 'prod',
        app: 'guestbook',
        deliveryId: `d-${i}`,
        details: { latencyMs: 100 * (i + 1) },
      });
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('prints help everywhere and uses documented exit codes for usage errors', async () => {
    for (const argv of [
      ['--help'],
      ['audit', '--help'],
      ['audit', 'verify', '--help'],
      ['rollback', '--help'],
      ['export', '--help'],
      ['import', '--help'],
      ['dr', 'check', '--help'],
    ]) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: EXIT.ok });
      expect(r.out).toMatch(/Usage: sentinel/);
    }
    expect((await cli('frobnicate')).code).toBe(EXIT.usage);
    expect((await cli('audit', '--limit', 'x')).code).toBe(EXIT.usage);
    expect((await cli('rollback', 'guestbook')).code).toBe(EXIT.usage);
    expect((await cli('-o', 'xml', 'apps')).code).toBe(EXIT.usage);
    const apiRefusal = await cli('audit', '--kind', 'nope');
    expect(apiRefusal.code).toBe(EXIT.usage);
    expect(apiRefusal.err).toMatch(/parameter: kind/);
  });

  it('queries the audit trail as a table, JSON and YAML, one page or all', async () => {
    const t = await cli('audit', '--app', 'guestbook', '--instance', 'prod');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/app\.refreshed/);
    expect(t.out).toMatch(/prod\/argocd\/guestbook/);
    const j = await cli('audit', '--app', 'guestbook', '--instance', 'prod', '--limit', '2', '--json');
    const page = JSON.parse(j.out);
    expect(page.items.map((r: { message: string }) => r.message)).toEqual(['refresh 4', 'refresh 3']);
    expect(page.cursor).toBeDefined();
    const next = await cli('audit', '--app', 'guestbook', '--instance', 'prod', '--limit', '2', '--cursor', page.cursor, '-o', 'yaml');
    expect((yaml.load(next.out) as { items: Array<{ message: string }> }).items.map((r) => r.message)).toEqual(['refresh 2', 'refresh 1']);
    const all = await cli('audit', '--app', 'guestbook', '--instance', 'prod', '--limit', '2', '--all', '--json');
    expect(JSON.parse(all.out).count).toBe(5);
    expect(all.err).toMatch(/audit: 5 records/);
    const bad = await cli('audit', '--cursor', 'forged.cursor');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/parameter: cursor/);
  });

  it('follows the trail until stopped', async () => {
    const controller = new AbortController();
    const c = collector({ SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: stack.token }, controller.signal);
    const done = run(['audit', '--follow', '--instance', 'prod', '--app', 'guestbook', '--interval', '0.05', '--limit', '1', '-o', 'json'], c.io);
    await waitFor(() => c.out().includes('refresh 4'), 'the first page');
    await stack.deps.auditStore.append({ kind: 'app.synced', outcome: 'success', actor: 'test', message: 'followed', instance: 'prod', app: 'guestbook' });
    await waitFor(() => c.out().includes('followed'), 'the new record', 5000);
    controller.abort();
    expect(await done).toBe(EXIT.ok);
    const lines = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).message);
    expect(lines).toEqual(['refresh 4', 'followed']);
  });

  it('lists apps and drift; --exit-code gives 2 when drift is found', async () => {
    const apps = await cli('apps', '--instance', 'prod', '--json');
    expect(JSON.parse(apps.out).instances[0].apps.map((a: { name: string }) => a.name)).toEqual(['autoapp', 'guestbook', 'payments']);
    expect((await cli('apps')).out).toMatch(/guestbook.*Synced.*Healthy/);
    expect((await cli('drift', '--exit-code')).code).toBe(EXIT.ok);
    stack.simulators!.instances.prod.sim.injectDrift({ name: 'autoapp' }, { kind: 'Deployment', name: 'autoapp', field: 'spec.replicas', value: 4 });
    const scan = await cli('drift', '--scan', '--dry-run', '--exit-code');
    expect(scan.code).toBe(EXIT.finding);
    expect(scan.out).toMatch(/1 drifted/);
    const state = await cli('drift', '--exit-code', '--json');
    expect(state.code).toBe(EXIT.finding);
    // A second scan finds the same drift: the state shows it seen twice, the last time by that scan (scan marks, no bookkeeping shown).
    const again = JSON.parse((await cli('drift', '--scan', '--dry-run', '--json')).out) as { startedAt: string };
    const shown = JSON.parse((await cli('drift', '--instance', 'prod', '--json')).out) as { apps: Array<Record<string, unknown>> };
    const autoapp = shown.apps.find((a) => a.name === 'autoapp');
    expect(autoapp).toMatchObject({ condition: 'drifted', consecutiveScans: 2, lastSeen: again.startedAt });
    expect(autoapp).not.toHaveProperty('scanSeq');
    stack.simulators!.instances.prod.sim.clearDrift({ name: 'autoapp' });
  });

  it('clears a flapping mark through the API, audited with the caller; not flapping changes nothing; no state is exit 4', async () => {
    // A state as the scan leaves it after a re-drift within the cooldown.
    const now = new Date().toISOString();
    const flapping = {
      instance: 'prod',
      namespace: 'argocd',
      name: 'guestbook',
      project: 'shop',
      condition: 'drifted' as const,
      syncStatus: 'OutOfSync',
      healthStatus: 'Healthy',
      firstSeen: now,
      lastSeen: now,
      consecutiveScans: 3,
      lastRepairAt: now,
      flapping: true,
      flappingSince: now,
      version: 0,
    };
    expect(await stack.deps.driftState.putApp(flapping, undefined)).toBeDefined();

    const cleared = await cli('drift', 'clear-flapping', 'prod/argocd/guestbook', '--reason', 'fixed the HPA');
    expect(cleared).toMatchObject({ code: EXIT.ok, out: expect.stringMatching(/flapping mark cleared/) });
    const drift = JSON.parse((await cli('drift', '--instance', 'prod', '--json')).out) as { apps: Array<{ name: string; flapping: boolean }> };
    expect(drift.apps.find((a) => a.name === 'guestbook')).toMatchObject({ flapping: false });
    const audit = JSON.parse((await cli('audit', '--kind', 'drift.flapping.cleared', '--json')).out) as { items: Array<Record<string, unknown>> };
    expect(audit.items).toEqual([
      expect.objectContaining({ app: 'guestbook', actor: expect.stringMatching(/^local:/), message: expect.stringContaining('fixed the HPA') }),
    ]);

    expect((await cli('drift', 'clear-flapping', 'guestbook', '--instance', 'prod')).out).toMatch(/was not flapping/);
    expect((await cli('drift', 'clear-flapping', 'ghost', '--instance', 'prod')).code).toBe(EXIT.notFound);
    expect((await cli('drift', 'clear-flapping', 'guestbook', '--instance', 'nowhere')).code).toBe(EXIT.notFound);
  });

  it('rolls back, explains auto-sync, and reports not found with exit 4', async () => {
    const sim = stack.simulators!.instances.prod.sim;
    const oldest = sim.getApp('guestbook').status!.history![0];
    const ok = await cli('rollback', 'guestbook', '--instance', 'prod', '--to', oldest.revision!, '--wait', '5');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/rollback to history id 0/);
    expect(ok.out).toMatch(/operation: Succeeded/);
    expect(sim.requestsTo('POST', '/api/v1/applications/guestbook/rollback').at(-1)!.body).toMatchObject({ id: 0 });

    const refused = await cli('rollback', 'prod/argocd/autoapp', '--to', '0');
    expect(refused.code).toBe(EXIT.error);
    expect(refused.err).toMatch(/auto-sync/);
    expect(refused.err).toMatch(/--disable-auto-sync/);
    const forced = await cli('rollback', 'prod/argocd/autoapp', '--to', '0', '--disable-auto-sync', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ autoSyncDisabled: { previousAutomated: { prune: true } } });

    expect((await cli('rollback', 'ghost', '--instance', 'prod', '--to', '1')).code).toBe(EXIT.notFound);
    expect((await cli('rollback', 'guestbook', '--instance', 'prod', '--to', 'f'.repeat(40))).code).toBe(EXIT.notFound);
  });

  it('prints statistics per day and per app', async () => {
    const day = await cli('stats');
    expect(day.code).toBe(0);
    expect(day.out).toMatch(/p95 ms/);
    const byApp = await cli('stats', '--by', 'app', '--json');
    const guestbook = JSON.parse(byApp.out).apps.find((a: { app: string }) => a.app === 'guestbook');
    expect(guestbook).toMatchObject({ refreshes: 5, latencyP50Ms: 300, latencyP95Ms: 500 });
  });

  it('round-trips export -> import into an empty instance -> export with identical files', async () => {
    const first = join(tmp, 'first');
    const exp = await cli('export', first, '--instance', 'prod', '--page-size', '2');
    expect(exp.code).toBe(0);
    expect(exp.err).toMatch(/export prod: 3\/3 applications/);
    const manifest = yaml.load(readFileSync(join(first, 'manifest.yaml'), 'utf8')) as {
      instances: Record<string, { applications: number; projects: number; checksum: string }>;
    };
    expect(manifest.instances.prod).toMatchObject({ applications: 3, projects: 2 });
    const files = walk(first)
      .map((f) => relative(first, f))
      .sort();
    expect(files).toEqual([
      'manifest.yaml',
      'prod/applications/argocd--autoapp.yaml',
      'prod/applications/argocd--guestbook.yaml',
      'prod/applications/team-a--payments.yaml',
      'prod/projects/argocd--default.yaml',
      'prod/projects/argocd--shop.yaml',
    ]);
    const guestbook = readFileSync(join(first, 'prod/applications/argocd--guestbook.yaml'), 'utf8');
    expect(guestbook).not.toMatch(/status:|uid:|resourceVersion|creationTimestamp|generation/);
    expect(yaml.load(guestbook)).toMatchObject({ kind: 'Application', metadata: { name: 'guestbook', labels: { team: 'web' } }, spec: { project: 'shop' } });

    const dry = await cli('import', first, '--instance', 'restore', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/\+ create Application argocd\/guestbook/);
    expect(dry.out).toMatch(/dry run: 4 to create, 0 to update, 1 unchanged/);
    expect(stack.simulators!.instances.restore.sim.size).toBe(0);
    const imp = await cli('import', first, '--instance', 'restore');
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/4 created/);

    const second = join(tmp, 'second');
    expect((await cli('export', second, '--instance', 'restore')).code).toBe(0);
    const again = yaml.load(readFileSync(join(second, 'manifest.yaml'), 'utf8')) as typeof manifest;
    expect(again.instances.restore.checksum).toBe(manifest.instances.prod.checksum);
    for (const f of files.filter((p) => p !== 'manifest.yaml')) {
      expect(readFileSync(join(second, f.replace(/^prod\//, 'restore/')), 'utf8')).toBe(readFileSync(join(first, f), 'utf8'));
    }

    // Backup vs live: the same now; after one app is edited in the target, exit 2 naming the field.
    const restoreWrites = () => stack.simulators!.instances.restore.sim.requestsTo().filter((r) => r.method !== 'GET').length;
    const writesBefore = restoreWrites();
    const same = await cli('dr', 'check', first, '--instance', 'restore');
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/SAME: 5 exported objects checked against restore: 5 same, 0 different, 0 missing, 0 not in the export/);
    const restoreSim = stack.simulators!.instances.restore.sim;
    const edited = restoreSim.getApp('guestbook');
    restoreSim.updateSpec(restoreSim.findApp('guestbook'), { ...edited.spec!, source: { ...edited.spec!.source!, targetRevision: 'hotfix' } });
    const differs = await cli('dr', 'check', first, '--instance', 'restore');
    expect(differs.code).toBe(EXIT.finding);
    expect(differs.out).toMatch(/~ different Application argocd\/guestbook\n {4}~ spec.source.targetRevision: "main" -> "hotfix"/);
    // The check never writes to ArgoCD.
    expect(restoreWrites()).toBe(writesBefore);

    // An edited export is refused before anything is sent.
    writeFileSync(join(first, 'prod/applications/argocd--guestbook.yaml'), guestbook.replace('k8s', 'evil'));
    const tampered = await cli('import', first, '--instance', 'restore');
    expect(tampered.code).toBe(EXIT.error);
    expect(tampered.err).toMatch(/checksum mismatch/);
    const tamperedCheck = await cli('dr', 'check', first, '--instance', 'restore');
    expect(tamperedCheck.code).toBe(EXIT.error);
    expect(tamperedCheck.err).toMatch(/checksum mismatch/);
    expect((await cli('export', first)).code).toBe(EXIT.usage);
  });

  it('refuses to import an export whose apps reference a project it does not hold, naming it, sending nothing', async () => {
    const dir = join(tmp, 'orphans');
    const writer = new ExportWriter(dir);
    const meta = (name: string) => ({ name, namespace: 'argocd' });
    writer.write('prod', 'projects', { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: meta('default'), spec: {} });
    for (const name of ['orphan', 'stray']) {
      writer.write('prod', 'applications', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: meta(name),
        spec: { project: 'ghost', source: { repoURL: 'r', path: '.' }, destination: {} },
      });
    }
    writer.finish();
    const restore = stack.simulators!.instances.restore.sim;
    const before = restore.requestsTo().length;
    const res = await cli('import', dir, '--instance', 'restore');
    expect(res.code).toBe(EXIT.error);
    expect(res.err).toMatch(/applications reference projects the export does not hold: ghost \(argocd\/orphan, argocd\/stray\); nothing was imported/);
    expect(restore.requestsTo()).toHaveLength(before);
  });

  it('verifies the chains: 0 when intact, 2 after a record is deleted', async () => {
    expect((await cli('audit', 'verify')).code).toBe(0);
    const page = await stack.deps.auditStore.query({ app: 'guestbook', instance: 'prod', limit: 1000 });
    const middle = page.items.find((r) => r.seq === 2)!;
    await stack.deps.doc.send(new DeleteCommand({ TableName: stack.tables.audit, Key: { chain: middle.chain, seq: middle.seq } }));
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(EXIT.finding);
    expect(broken.out).toMatch(/BROKEN/);
    expect(broken.out).toMatch(/gap/);
  });

  it('runs as a subprocess through the bin launcher', async () => {
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'cli/bin/sentinel.js'), '--api', stack.url, 'apps', '--instance', 'prod', '--json'],
        { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, SENTINEL_TOKEN: stack.token } },
        (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout }),
      );
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).instances[0].name).toBe('prod');
  });
});

describe('SigV4 signing', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

  it('matches the get-vanilla vector of the AWS SigV4 test suite', async () => {
    const headers = await signRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/' },
      { credentials, region: 'us-east-1', service: 'service', signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs non-local API calls for execute-api in the URL region, and never local ones', async () => {
    const seen: Array<{ url: string; headers: Record<string, string> }> = [];
    const fakeFetch = (async (url: string, init: { headers: Record<string, string> }) => {
      seen.push({ url, headers: init.headers });
      return new Response('{"items":[]}', { status: 200 });
    }) as unknown as typeof fetch;
    const remote = new ApiClient({
      baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      env: {},
      fetch: fakeFetch,
      credentials: async () => ({ ...credentials, sessionToken: 'session' }),
    });
    await remote.get('/api/audit', { app: 'guest book', limit: 5 });
    const { url, headers } = seen[0];
    expect(url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/api/audit?app=guest%20book&limit=5');
    expect(headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
    expect(headers['x-amz-security-token']).toBe('session');
    // Re-sign independently with the same time: the signature must be the same.
    const date = headers['x-amz-date'];
    const at = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
    const expected = await signRequest(
      { method: 'GET', url, headers: { accept: 'application/json' } },
      { credentials: { ...credentials, sessionToken: 'session' }, region: 'eu-west-1', signingDate: at },
    );
    expect(headers.authorization).toBe(expected.authorization);

    const local = new ApiClient({
      baseUrl: 'http://127.0.0.1:8080',
      env: { SENTINEL_TOKEN: 'local-token-0123456789' },
      fetch: fakeFetch,
      credentials: async () => credentials,
    });
    await local.get('/api/audit');
    expect(seen[1].headers.authorization).toBe('Bearer local-token-0123456789');
    expect(seen[1].headers['x-amz-date']).toBeUndefined();
  });
});
