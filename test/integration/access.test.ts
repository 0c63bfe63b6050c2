/**
 * Issue 13's "done when", against the local stack (HTTP adapter, dynalite, ArgoCD simulator):
 * local:alice, scoped to the payments project, reads only payments, rolls back a payments app
 * and is refused (403, audited) on a platform app, over HTTP and through the CLI; a browser-style
 * cross-origin request changes nothing. Plus the refusals the issue lists, each asserting on
 * what the simulator received.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../functions/lib/audit/types';
import { run, type CliIO } from '../../cli/main';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { OPERATOR_ROUTES } from '../../functions/operator-api/routes';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { waitFor } from '../helpers/argocd-sim';

const TOKENS = {
  alice: 'alice-token-0123456789abcdef',
  bob: 'bob-token-0123456789abcdef',
  carol: 'carol-token-0123456789abcdef',
  mallory: 'mallory-token-0123456789abcdef',
};

const CONFIG = `
access:
  rules:
    - principals: ["local:alice"]
      projects: ["payments"]
      actions: [read, rollback, scan, clear-flapping]
    - principals: ["local:bob"]
      instances: ["prod"]
      projects: ["platform"]
      actions: [read]
    - principals: ["local:carol"]
      projects: ["payments"]
      actions: [export, import]
  localTokens:
    - { principal: "local:alice", token: { env: ALICE_TOKEN } }
    - { principal: "local:bob", token: { env: BOB_TOKEN } }
    - { principal: "local:carol", token: { env: CAROL_TOKEN } }
    - { principal: "local:mallory", token: { env: MALLORY_TOKEN } }
`;

type Res = { status: number; body: Record<string, any> };

describe('access policy on the local stack', () => {
  let stack: LocalStack;
  const sim = () => stack.simulators!.instances.prod.sim;
  const as = (who: keyof typeof TOKENS | 'admin') => ({ authorization: `Bearer ${who === 'admin' ? stack.token : TOKENS[who]}` });

  async function api(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Res> {
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  /** A raw request, for headers fetch will not let a caller set (Host). */
  function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<Res> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: stack.port, method, path, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const deniedRecords = async () => (await api('GET', '/api/audit?kind=access.denied&limit=1000', as('admin'))).body.items as AuditRecord[];
  const writesTo = (app: string) => sim().requests.filter((r) => r.method !== 'GET' && r.path.includes(app));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-access-'));
    writeFileSync(join(dir, 'sentinel.yaml'), CONFIG);
    stack = await startLocalStack({
      env: {
        SENTINEL_CONFIG: join(dir, 'sentinel.yaml'),
        SENTINEL_TABLE_PREFIX: `access-${randomUUID().slice(0, 8)}`,
        ALICE_TOKEN: TOKENS.alice,
        BOB_TOKEN: TOKENS.bob,
        CAROL_TOKEN: TOKENS.carol,
        MALLORY_TOKEN: TOKENS.mallory,
      },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: {
        instances: {
          prod: {
            projects: [{ name: 'payments' }, { name: 'platform' }],
            apps: [
              { name: 'pay-api', project: 'payments', history: 3, source: { repoURL: 'https://github.com/acme/pay.git', path: '.', targetRevision: 'main' } },
              { name: 'plat-api', project: 'platform', history: 3, source: { repoURL: 'https://github.com/acme/plat.git', path: '.', targetRevision: 'main' } },
            ],
          },
        },
      },
    });
    const audit = stack.deps.auditStore;
    const base = { actor: 'test', outcome: 'success' as const, instance: 'prod' };
    for (let i = 0; i < 6; i++) {
      await audit.append({ ...base, kind: 'app.refreshed', message: `pay ${i}`, app: 'pay-api', project: 'payments', deliveryId: `d-${i}` });
      await audit.append({ ...base, kind: 'app.refreshed', message: `plat ${i}`, app: 'plat-api', project: 'platform', deliveryId: `d-${i}` });
      await audit.append({ actor: 'test', outcome: 'success', kind: 'webhook.received', message: `delivery ${i}`, deliveryId: `d-${i}` });
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  describe('done when: local:alice, scoped to payments', () => {
    it('reads only payments records, apps, drift state and stats', async () => {
      const audit = await api('GET', '/api/audit?limit=1000', as('alice'));
      expect(audit.status).toBe(200);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(6);
      expect(new Set(audit.body.items.map((r: AuditRecord) => r.project))).toEqual(new Set(['payments']));
      // By delivery: the delivery record itself (no project) and platform's are left out.
      const delivery = await api('GET', '/api/audit?delivery=d-1', as('alice'));
      expect(delivery.body.items.map((r: AuditRecord) => r.message)).toEqual(['pay 1']);
      const apps = await api('GET', '/api/apps', as('alice'));
      expect(apps.body.instances[0].apps.map((a: { name: string }) => a.name)).toEqual(['pay-api']);
      // ArgoCD was asked for the payments project only.
      expect(
        sim()
          .requestsTo('GET', '/api/v1/applications')
          .some((r) => r.query?.projects === 'payments' || (Array.isArray(r.query?.projects) && r.query.projects.includes('payments'))),
      ).toBe(true);
      const stats = await api('GET', '/api/stats', as('alice'));
      expect(stats.status).toBe(200);
      expect(stats.body.apps.map((a: { app: string }) => a.app)).toEqual(['pay-api']);
      expect(stats.body.totals.pushes).toBe(0);
      // The admin sees all three kinds of record.
      const all = await api('GET', '/api/audit?limit=1000', as('admin'));
      expect(new Set(all.body.items.map((r: AuditRecord) => r.project ?? '(none)'))).toEqual(new Set(['payments', 'platform', '(none)']));
    });

    it('scans, sees only its projects in the findings and the drift state, and clears a flapping mark of its own app only', async () => {
      sim().injectDrift({ name: 'pay-api' }, { kind: 'Deployment', name: 'pay-api', field: 'spec.replicas', value: 5 });
      sim().injectDrift({ name: 'plat-api' }, { kind: 'Deployment', name: 'plat-api', field: 'spec.replicas', value: 5 });
      const scan = await api('POST', '/api/drift/scan', as('alice'), { dryRun: true });
      expect(scan.status).toBe(200);
      expect(scan.body.findings.map((f: { name: string }) => f.name)).toEqual(['pay-api']);
      // Counts over her findings only; nothing that counts platform's apps.
      expect(scan.body).toMatchObject({ scope: 'projects', drifted: 1, found: 1 });
      for (const wholeInstance of ['apps', 'consistencyPercent', 'argocdCalls', 'instancesScanned', 'unreachable'])
        expect(scan.body).not.toHaveProperty(wholeInstance);
      const adminScan = await api('POST', '/api/drift/scan', as('admin'), { dryRun: true });
      expect(adminScan.body).toMatchObject({ apps: 2, drifted: 2 });
      const drift = await api('GET', '/api/drift', as('alice'));
      expect(drift.body.apps.map((a: { name: string }) => a.name)).toEqual(['pay-api']);
      expect(drift.body.lastScan).toBeUndefined();
      expect((await api('GET', '/api/drift', as('admin'))).body.apps.map((a: { name: string }) => a.name).sort()).toEqual(['pay-api', 'plat-api']);
      expect((await api('POST', '/api/apps/prod/argocd/pay-api/clear-flapping', as('alice'), {})).body).toMatchObject({ cleared: false });
      const other = await api('POST', '/api/apps/prod/argocd/plat-api/clear-flapping', as('alice'), {});
      expect(other.status).toBe(403);
      expect(other.body.message).toMatch(/local:alice may not clear-flapping project "platform"/);
      sim().clearDrift({ name: 'pay-api' });
      sim().clearDrift({ name: 'plat-api' });
    });

    it('rolls back a payments app (ArgoCD told the project) and is refused, audited, for a platform app', async () => {
      const target = sim().getApp('pay-api').status!.history![0];
      sim().clearRequests();
      const ok = await api('POST', '/api/apps/prod/argocd/pay-api/rollback', as('alice'), { to: target.revision, waitSeconds: 5 });
      expect(ok.status).toBe(200);
      const calls = sim().requestsTo('POST', '/api/v1/applications/pay-api/rollback');
      expect(calls).toHaveLength(1);
      expect(calls[0].body).toMatchObject({ id: target.id, project: 'payments' });
      // The app was read for the rollback with the project the caller was allowed for.
      expect(
        sim()
          .requestsTo('GET', '/api/v1/applications/pay-api')
          .some((r) => r.query?.project === 'payments'),
      ).toBe(true);

      const before = sim().getApp('plat-api').status!.sync!.revision;
      sim().clearRequests();
      const refused = await api('POST', '/api/apps/prod/argocd/plat-api/rollback', as('alice'), { to: sim().getApp('plat-api').status!.history![0].revision });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: 'forbidden', message: 'local:alice may not rollback project "platform" on instance "prod": no rule covers it' });
      expect(writesTo('plat-api')).toEqual([]);
      expect(sim().getApp('plat-api').status!.sync!.revision).toBe(before);
      const denied = (await deniedRecords()).find((r) => r.app === 'plat-api' && r.actor === 'local:alice');
      expect(denied).toMatchObject({ kind: 'access.denied', outcome: 'refused', instance: 'prod', project: 'platform', details: { action: 'rollback' } });
      // The platform team (bob) sees the refusal in its own trail; alice does not see it in hers.
      expect((await api('GET', '/api/audit?kind=access.denied', as('bob'))).body.items.map((r: AuditRecord) => r.id)).toContain(denied!.id);
      expect((await api('GET', '/api/audit?kind=access.denied', as('alice'))).body.items.map((r: AuditRecord) => r.id)).not.toContain(denied!.id);
    });

    it('holds through the CLI, which sends the token itself', async () => {
      const cli = async (...argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const io: CliIO = {
          stdout: { write: (s: string) => out.push(s) },
          stderr: { write: (s: string) => err.push(s) },
          env: { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: TOKENS.alice },
        };
        const code = await run(argv, io);
        return { code, out: out.join(''), err: err.join('') };
      };
      const audit = await cli('audit', '--json', '--limit', '1000');
      expect(audit.code).toBe(0);
      expect(new Set(JSON.parse(audit.out).items.map((r: AuditRecord) => r.project))).toEqual(new Set(['payments']));
      const apps = await cli('apps', '--json');
      expect(JSON.parse(apps.out).instances[0].apps.map((a: { name: string }) => a.name)).toEqual(['pay-api']);
      const target = sim().getApp('pay-api').status!.history![1];
      expect((await cli('rollback', 'pay-api', '--instance', 'prod', '--to', String(target.id), '--json')).code).toBe(0);
      const refused = await cli('rollback', 'plat-api', '--instance', 'prod', '--to', '1');
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/API answered 403: local:alice may not rollback project "platform"/);
    });

    it('changes nothing for a browser-style cross-origin request, even one carrying a token', async () => {
      sim().clearRequests();
      const before = (await deniedRecords()).length;
      const evil = { origin: 'http://evil.example', 'content-type': 'text/plain' };
      // A page cannot read the token, but even with it: the foreign Origin is refused first.
      const withToken = await raw('POST', '/api/apps/prod/argocd/pay-api/rollback', { ...evil, ...as('admin'), host: `127.0.0.1:${stack.port}` }, '{"to":"1"}');
      expect(withToken.status).toBe(403);
      expect(withToken.body.message).toMatch(/Origin "http:\/\/evil.example" is not this server/);
      const noToken = await raw(
        'POST',
        '/api/import',
        { ...evil, host: `127.0.0.1:${stack.port}` },
        JSON.stringify({
          instance: 'prod',
          projects: [
            {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'AppProject',
              metadata: { name: 'evil', namespace: 'argocd' },
              spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] },
            },
          ],
        }),
      );
      expect(noToken.status).toBe(403);
      // DNS rebinding: the page's own host name, resolved to 127.0.0.1.
      const rebound = await raw('GET', '/api/audit', { host: 'evil.example:8080', ...as('admin') });
      expect(rebound.status).toBe(403);
      expect(rebound.body.message).toMatch(/Host "evil.example:8080" is not this server's address/);
      expect(sim().requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect(
        sim()
          .listProjects?.()
          .map((p: { metadata?: { name?: string } }) => p.metadata?.name) ?? [],
      ).not.toContain('evil');
      expect((await deniedRecords()).length).toBe(before);
      // Same-origin and localhost are this server.
      expect((await raw('GET', '/api/apps', { host: `localhost:${stack.port}`, origin: `http://localhost:${stack.port}`, ...as('alice') })).status).toBe(200);
    });
  });

  describe('upgrade: records written before the by-project index', () => {
    it('verify counts them, alice cannot see them, the admin backfills through the CLI (audited once), then she can', async () => {
      const cli = async (token: string, ...argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const io: CliIO = {
          stdout: { write: (s: string) => out.push(s) },
          stderr: { write: (s: string) => err.push(s) },
          env: { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: token },
        };
        return { code: await run(argv, io), out: out.join(''), err: err.join('') };
      };
      const old = await stack.deps.auditStore.append({
        actor: 'test',
        outcome: 'success',
        kind: 'app.synced',
        message: 'written by v1',
        instance: 'prod',
        app: 'pay-api',
        project: 'payments',
      });
      // What the code before the index stored: the same item without projectDay.
      const key = { chain: old.chain, seq: old.seq };
      const { Item } = await stack.deps.doc.send(new GetCommand({ TableName: stack.deps.tables.audit, Key: key }));
      const { projectDay, ...v1 } = Item!;
      expect(projectDay).toBe(`payments#${old.ts.slice(0, 10)}`);
      await stack.deps.doc.send(new PutCommand({ TableName: stack.deps.tables.audit, Item: v1 }));

      const aliceSees = async () => (await api('GET', '/api/audit?limit=1000', as('alice'))).body.items.map((r: AuditRecord) => r.id);
      expect(await aliceSees()).not.toContain(old.id);
      const verify = await cli(stack.token, 'audit', 'verify');
      expect(verify.code).toBe(0);
      expect(verify.out).toMatch(/without projectDay: 1 record\(s\) in 1 chain\(s\)/);

      expect((await cli(TOKENS.alice, 'audit', 'backfill-index')).code).toBe(1);
      const backfill = await cli(stack.token, 'audit', 'backfill-index');
      expect(backfill.code).toBe(0);
      expect(backfill.out).toMatch(/^indexed 1 record\(s\) of \d+ in \d+ chain\(s\)\n$/);
      expect(await aliceSees()).toContain(old.id);
      const { Item: after } = await stack.deps.doc.send(new GetCommand({ TableName: stack.deps.tables.audit, Key: key }));
      expect(after).toEqual({ ...v1, projectDay });

      const again = await cli(stack.token, 'audit', 'backfill-index', '--json');
      expect(JSON.parse(again.out)).toMatchObject({ indexed: 0 });
      const records = (await api('GET', '/api/audit?kind=audit.index-backfilled&limit=10', as('admin'))).body.items as AuditRecord[];
      expect(records.map((r) => [r.actor, r.details?.indexed])).toEqual([
        [stack.adminPrincipal, 0],
        [stack.adminPrincipal, 1],
      ]);
      expect((await cli(stack.token, 'audit', 'verify')).out).not.toMatch(/without projectDay/);
    });
  });

  describe('refusals', () => {
    it('answers 401 without a token, with a wrong one, and with a malformed header; /healthz and /api/webhook need none', async () => {
      expect((await api('GET', '/api/audit', {})).status).toBe(401);
      const wrong = await api('GET', '/api/audit', { authorization: 'Bearer not-a-token-0123456789' });
      expect(wrong).toEqual({ status: 401, body: { error: 'unauthorized', message: 'the bearer token is not valid' } });
      expect((await api('GET', '/api/audit', { authorization: `Basic ${TOKENS.alice}` })).status).toBe(401);
      expect((await api('GET', '/api/audit', { authorization: `Bearer ${TOKENS.alice}x` })).status).toBe(401);
      sim().clearRequests();
      const rollback = await api('POST', '/api/apps/prod/argocd/pay-api/rollback', {}, { to: '1' });
      expect(rollback.status).toBe(401);
      expect(sim().requests).toEqual([]);
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
      // The webhook answers for itself (it verifies the provider's signature), never asks for a bearer token.
      const hook = await fetch(`${stack.url}/api/webhook`, { method: 'POST', body: '{}' });
      expect(hook.headers.get('www-authenticate')).toBeNull();
      expect(((await hook.json()) as { error?: string }).error).not.toBe('unauthorized');
    });

    it("acts as the token's principal: bob's token cannot do what alice may", async () => {
      const res = await api('POST', '/api/apps/prod/argocd/pay-api/rollback', as('bob'), { to: '1' });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/^local:bob may not rollback project "payments"/);
      const read = await api('GET', '/api/audit?limit=1000', as('bob'));
      expect(new Set(read.body.items.map((r: AuditRecord) => r.project))).toEqual(new Set(['platform']));
    });

    it('refuses a principal that matches no rule, and audits it', async () => {
      for (const path of ['/api/audit', '/api/apps', '/api/drift', '/api/stats', '/api/audit/verify']) {
        const res = await api('GET', path, as('mallory'));
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
        expect(res.body.message).toMatch(/^local:mallory may not (read|verify)/);
      }
      expect((await deniedRecords()).filter((r) => r.actor === 'local:mallory').length).toBeGreaterThanOrEqual(5);
    });

    it('refuses a cursor minted for another principal', async () => {
      const first = await api('GET', '/api/audit?limit=2', as('alice'));
      expect(first.body.cursor).toBeDefined();
      const stolen = await api('GET', `/api/audit?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`, as('admin'));
      expect(stolen).toMatchObject({ status: 400, body: { parameter: 'cursor' } });
      const next = await api('GET', `/api/audit?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`, as('alice'));
      expect(next.status).toBe(200);
      expect(next.body.items.every((r: AuditRecord) => r.project === 'payments')).toBe(true);
    });

    it('refuses verify, export and import to a caller without them', async () => {
      expect((await api('GET', '/api/audit/verify', as('alice'))).status).toBe(403);
      expect((await api('GET', '/api/audit/verify', as('admin'))).status).toBe(200);
      expect((await api('GET', '/api/export?instance=prod&kind=applications', as('alice'))).status).toBe(403);
      expect((await api('POST', '/api/import', as('alice'), { instance: 'prod', dryRun: true })).status).toBe(403);
    });

    it('exports only the objects of the caller projects', async () => {
      const apps = await api('GET', '/api/export?instance=prod&kind=applications', as('carol'));
      expect(apps.status).toBe(200);
      expect(apps.body.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['pay-api']);
      // No count of every project's objects for a scoped caller; the admin gets it.
      expect(apps.body).not.toHaveProperty('total');
      expect((await api('GET', '/api/export?instance=prod&kind=applications', as('admin'))).body.total).toBeGreaterThanOrEqual(2);
      const projects = await api('GET', '/api/export?instance=prod&kind=projects', as('carol'));
      expect(projects.body.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['payments']);
      expect((await api('POST', '/api/dr/check', as('carol'), { instance: 'prod' })).status).toBe(403);
    });

    it('refuses a whole import that holds one object outside the caller projects, writing nothing', async () => {
      const project = (name: string) => ({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name, namespace: 'argocd' },
        spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] },
      });
      const app = (name: string, proj: string) => ({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace: 'argocd' },
        spec: {
          project: proj,
          source: { repoURL: 'https://github.com/acme/x.git', path: '.', targetRevision: 'main' },
          destination: { server: 'https://kubernetes.default.svc', namespace: name },
        },
      });
      const attempts: Array<[string, unknown]> = [
        ['an AppProject outside', { projects: [project('payments'), project('wildcard')], applications: [app('pay-new', 'payments')] }],
        ['an Application outside', { applications: [app('pay-new', 'payments'), app('plat-new', 'platform')] }],
        ['an Application taking over a platform app', { applications: [app('plat-api', 'payments')] }],
      ];
      for (const [what, body] of attempts) {
        sim().clearRequests();
        const res = await api('POST', '/api/import', as('carol'), { instance: 'prod', ...(body as object) });
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expect(res.body.message).toMatch(/^local:carol may not import/);
        expect({ what, writes: sim().requests.filter((r) => r.method !== 'GET') }).toEqual({ what, writes: [] });
      }
      expect(() => sim().getApp('pay-new')).toThrow();
      const ok = await api('POST', '/api/import', as('carol'), { instance: 'prod', applications: [app('pay-new', 'payments')] });
      expect(ok.status).toBe(200);
      expect(sim().getApp('pay-new').spec?.project).toBe('payments');
    });

    it('refuses every guarded route to a principal that matches no rule, before it reads or changes anything', async () => {
      sim().clearRequests();
      const before = (await deniedRecords()).filter((r) => r.actor === 'local:mallory').length;
      const routes = OPERATOR_ROUTES.filter((r) => r.access.kind !== 'public');
      for (const route of routes) {
        const path = route.path.replace('{instance}', 'prod').replace('{namespace}', 'argocd').replace('{name}', 'plat-api');
        const body = route.method === 'POST' ? { instance: 'prod' } : undefined;
        const res = await api(route.method, path, as('mallory'), body);
        expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 403 });
        expect(res.body.message).toMatch(/^local:mallory may not /);
      }
      // Only reads of the app's project (the access check) reached ArgoCD; every refusal is audited.
      expect(sim().requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect((await deniedRecords()).filter((r) => r.actor === 'local:mallory').length - before).toBe(routes.length);
    });

    it('refuses local:alice each route outside her actions or projects, and audits it', async () => {
      const outside: Array<[string, string, unknown?]> = [
        ['GET', '/api/apps/prod/argocd/plat-api'],
        ['POST', '/api/apps/prod/argocd/plat-api/rollback', { to: '1' }],
        ['POST', '/api/apps/prod/argocd/plat-api/clear-flapping', {}],
        ['GET', '/api/audit/verify'],
        ['POST', '/api/audit/anchor', {}],
        ['GET', '/api/audit/public-key'],
        ['GET', '/api/audit/digests'],
        ['GET', '/api/audit/proof/chains'],
        ['GET', '/api/audit/proof/records?chain=x'],
        ['POST', '/api/audit/backfill-index', {}],
        ['GET', '/api/export?instance=prod&kind=applications'],
        ['POST', '/api/import', { instance: 'prod', dryRun: true }],
        ['POST', '/api/dr/check', { instance: 'prod' }],
      ];
      sim().clearRequests();
      const before = (await deniedRecords()).filter((r) => r.actor === 'local:alice').length;
      for (const [method, path, body] of outside) {
        const res = await api(method, path, as('alice'), body);
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
      expect(sim().requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect((await deniedRecords()).filter((r) => r.actor === 'local:alice').length - before).toBe(outside.length);
      // Her own app's detail is hers to read; ArgoCD was asked with her project.
      const own = await api('GET', '/api/apps/prod/argocd/pay-api', as('alice'));
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ name: 'pay-api', project: 'payments' });
      expect(
        sim()
          .requestsTo('GET', '/api/v1/applications/pay-api/resource-tree')
          .some((r) => r.query?.project === 'payments'),
      ).toBe(true);
    });

    it('counts the requests refused before authentication (per reason, in /api/stats for admins), auditing none', async () => {
      const counts = async () => ((await api('GET', '/api/stats', as('admin'))).body.refused?.byProvider?.['operator-api'] ?? {}) as Record<string, number>;
      const before = await counts();
      const audited = (await api('GET', '/api/audit?limit=1000', as('admin'))).body.items.length;
      const host = `127.0.0.1:${stack.port}`;
      expect((await raw('GET', '/api/audit', { host })).status).toBe(401);
      expect((await raw('GET', '/api/audit', { host, authorization: 'Bearer wrong-0123456789' })).status).toBe(401);
      expect((await raw('GET', '/api/audit', { host: 'evil.example', ...as('admin') })).status).toBe(403);
      expect((await raw('POST', '/api/drift/scan', { host, origin: 'http://evil.example', 'content-type': 'text/plain' }, '{}')).status).toBe(403);
      expect((await raw('POST', '/api/drift/scan', { host, ...as('admin'), 'content-type': 'text/plain' }, '{}')).status).toBe(415);
      const expected = Object.fromEntries(
        ['no-token', 'bad-token', 'foreign-host', 'foreign-origin', 'unsupported-media-type'].map((r) => [r, (before[r] ?? 0) + 1]),
      );
      await waitFor(async () => JSON.stringify(await counts()) === JSON.stringify({ ...before, ...expected }), 'refusal counts');
      expect(await counts()).toEqual({ ...before, ...expected });
      // Counted, not chained: the trail is as long as before (the stats reads above are not audited either).
      expect((await api('GET', '/api/audit?limit=1000', as('admin'))).body.items.length).toBe(audited);
      // A scoped caller does not get the refusal counts (they belong to no project).
      expect((await api('GET', '/api/stats', as('alice'))).body.refused).toBeUndefined();
    });

    it('answers 415 to a write that is not application/json, changing nothing', async () => {
      sim().clearRequests();
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const res = await raw(
          'POST',
          '/api/apps/prod/argocd/pay-api/rollback',
          { ...as('admin'), 'content-type': type, host: `127.0.0.1:${stack.port}` },
          'to=1',
        );
        expect({ type, status: res.status }).toEqual({ type, status: 415 });
      }
      expect((await raw('POST', '/api/drift/scan', { ...as('admin'), host: `127.0.0.1:${stack.port}` })).status).toBe(415);
      expect(sim().requests).toEqual([]);
    });
  });
});
