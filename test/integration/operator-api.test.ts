import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../functions/lib/audit/types';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';

const GUESTBOOK_REPO = 'https://github.com/argoproj/argocd-example-apps.git';
const OLD_SHA = 'a'.repeat(40);
const UNKNOWN_SHA = 'b'.repeat(40);

async function api(stack: LocalStack, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const headers = { ...stack.authHeaders, ...(body === undefined && method === 'GET' ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(`${stack.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('operator API on the local stack (HTTP adapter, dynalite, ArgoCD simulator)', () => {
  let stack: LocalStack;
  const seeded: AuditRecord[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { SENTINEL_TABLE_PREFIX: `opapi-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatorSeed: {
        instances: {
          prod: {
            projects: [{ name: 'shop' }],
            apps: [
              { name: 'guestbook', project: 'shop', history: 3, source: { repoURL: GUESTBOOK_REPO, path: 'guestbook', targetRevision: 'main' } },
              {
                name: 'autoapp',
                history: 2,
                syncPolicy: { automated: { prune: true, selfHeal: true } },
                source: { repoURL: 'https://github.com/acme/auto.git', path: '.', targetRevision: 'main' },
              },
              {
                name: 'payments',
                namespace: 'team-a',
                history: 2,
                source: { repoURL: 'https://github.com/acme/payments.git', path: '.', targetRevision: 'main' },
              },
            ],
          },
          restore: {},
        },
      },
    });
    const audit = stack.deps.auditStore;
    const base = { actor: 'test', outcome: 'success' as const, message: 'seeded' };
    const day1 = '2024-05-01';
    const day2 = '2024-05-02';
    const rec = async (input: Parameters<typeof audit.append>[0]) => seeded.push(await audit.append(input));
    await rec({ ...base, kind: 'webhook.received', ts: `${day1}T10:00:00.000Z`, deliveryId: 'd-1', revision: 'c1'.repeat(20), repo: GUESTBOOK_REPO });
    await rec({
      ...base,
      kind: 'app.refreshed',
      ts: `${day1}T10:00:00.400Z`,
      deliveryId: 'd-1',
      revision: 'c1'.repeat(20),
      instance: 'prod',
      app: 'guestbook',
      details: { latencyMs: 400 },
    });
    await rec({ ...base, kind: 'app.synced', ts: `${day1}T10:00:01.000Z`, deliveryId: 'd-1', revision: 'c1'.repeat(20), instance: 'prod', app: 'autoapp' });
    await rec({ ...base, kind: 'webhook.received', ts: `${day2}T09:00:00.000Z`, deliveryId: 'd-2', revision: 'c2'.repeat(20), repo: GUESTBOOK_REPO });
    await rec({
      ...base,
      kind: 'app.refreshed',
      ts: `${day2}T09:00:00.200Z`,
      deliveryId: 'd-2',
      revision: 'c2'.repeat(20),
      instance: 'prod',
      app: 'guestbook',
      details: { latencyMs: 200 },
    });
    await rec({
      ...base,
      kind: 'app.failed',
      outcome: 'failure',
      ts: `${day2}T09:00:00.300Z`,
      deliveryId: 'd-2',
      revision: 'c2'.repeat(20),
      instance: 'prod',
      app: 'autoapp',
    });
    await rec({ ...base, kind: 'drift.found', ts: `${day2}T11:00:00.000Z`, instance: 'prod', namespace: 'team-a', app: 'payments' });
    await rec({ ...base, kind: 'drift.repaired', ts: `${day2}T11:00:05.000Z`, instance: 'prod', namespace: 'team-a', app: 'payments' });
    await rec({ ...base, kind: 'drift.resolved', ts: `${day2}T11:05:00.000Z`, instance: 'prod', namespace: 'team-a', app: 'payments' });
    // An older commit of guestbook's repository that is no longer in its history.
    await rec({
      ...base,
      kind: 'webhook.received',
      ts: `${day1}T08:00:00.000Z`,
      deliveryId: 'd-0',
      revision: OLD_SHA,
      repo: 'git@github.com:argoproj/argocd-example-apps',
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  describe('GET /api/audit', () => {
    const range = 'from=2024-05-01&to=2024-05-02';

    it('filters by app (with instance), newest first', async () => {
      const res = await api(stack, 'GET', '/api/audit?app=guestbook&instance=prod');
      expect(res.status).toBe(200);
      expect(res.body.items.map((r: AuditRecord) => r.ts)).toEqual(['2024-05-02T09:00:00.200Z', '2024-05-01T10:00:00.400Z']);
      expect(res.body.cursor).toBeUndefined();
    });

    it('filters by namespace, instance, kind, time range, delivery and revision', async () => {
      const byNs = await api(stack, 'GET', `/api/audit?${range}&namespace=team-a`);
      expect(byNs.body.items.map((r: AuditRecord) => r.kind)).toEqual(['drift.resolved', 'drift.repaired', 'drift.found']);
      const byKind = await api(stack, 'GET', `/api/audit?${range}&kind=webhook.received`);
      expect(byKind.body.items.map((r: AuditRecord) => r.deliveryId)).toEqual(['d-2', 'd-1', 'd-0']);
      const byInstance = await api(stack, 'GET', `/api/audit?${range}&instance=prod&kind=app.failed`);
      expect(byInstance.body.items).toHaveLength(1);
      const byTime = await api(stack, 'GET', '/api/audit?from=2024-05-02T09:00:00.000Z&to=2024-05-02T09:00:00.250Z');
      expect(byTime.body.items.map((r: AuditRecord) => r.kind)).toEqual(['app.refreshed', 'webhook.received']);
      const byDelivery = await api(stack, 'GET', '/api/audit?delivery=d-1');
      expect(byDelivery.body.items.map((r: AuditRecord) => r.kind)).toEqual(['app.synced', 'app.refreshed', 'webhook.received']);
      const byDeliveryAndApp = await api(stack, 'GET', '/api/audit?delivery=d-1&app=autoapp');
      expect(byDeliveryAndApp.body.items.map((r: AuditRecord) => r.kind)).toEqual(['app.synced']);
      const byRevision = await api(stack, 'GET', `/api/audit?revision=${'c2'.repeat(20)}`);
      expect(byRevision.body.items).toHaveLength(3);
      const byAppAndKind = await api(stack, 'GET', '/api/audit?app=payments&namespace=team-a&instance=prod&kind=drift.found');
      expect(byAppAndKind.body.items).toHaveLength(1);
    });

    it('pages with opaque cursors until the range is exhausted, without repeats', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await api(stack, 'GET', `/api/audit?${range}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items.map((r: AuditRecord) => r.id));
        cursor = res.body.cursor;
        pages++;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(seeded.map((r) => r.id).sort());
      expect(pages).toBeGreaterThanOrEqual(4);
      // Same on the by-app path.
      const first = await api(stack, 'GET', '/api/audit?app=guestbook&instance=prod&limit=1');
      const second = await api(stack, 'GET', `/api/audit?app=guestbook&instance=prod&limit=1&cursor=${encodeURIComponent(first.body.cursor)}`);
      expect(second.body.items[0].ts < first.body.items[0].ts).toBe(true);
    });

    it('caps a large limit instead of refusing it', async () => {
      const res = await api(stack, 'GET', `/api/audit?${range}&limit=100000`);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(seeded.length);
    });

    it('answers 400 naming the parameter for a tampered or foreign cursor and for bad parameters', async () => {
      const page = await api(stack, 'GET', `/api/audit?${range}&limit=2`);
      const [body, sig] = (page.body.cursor as string).split('.');
      const state = JSON.parse(Buffer.from(body, 'base64url').toString());
      state.k = { ...state.k, tsId: '2099-01-01T00:00:00.000Z#X' };
      const tampered = `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${sig}`;
      for (const cursor of [tampered, 'garbage', `${body}.${'A'.repeat(43)}`]) {
        const res = await api(stack, 'GET', `/api/audit?${range}&limit=2&cursor=${encodeURIComponent(cursor)}`);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ error: 'invalid-parameter', parameter: 'cursor' });
      }
      // A genuine cursor of another query is foreign here.
      const foreign = await api(stack, 'GET', `/api/audit?${range}&kind=app.refreshed&limit=2&cursor=${encodeURIComponent(page.body.cursor)}`);
      expect(foreign.status).toBe(400);
      expect(foreign.body.parameter).toBe('cursor');

      const bad: Array<[string, string]> = [
        ['limit=abc', 'limit'],
        ['limit=0', 'limit'],
        ['kind=app.exploded', 'kind'],
        ['from=yesterday', 'from'],
        ['to=2024-13-45', 'to'],
        ['apps=guestbook', 'apps'],
      ];
      for (const [query, parameter] of bad) {
        const res = await api(stack, 'GET', `/api/audit?${query}`);
        expect({ query, status: res.status, parameter: res.body.parameter }).toEqual({ query, status: 400, parameter });
      }
    });
  });

  describe('GET /api/stats', () => {
    it('computes per-day and per-app figures from the seeded trail', async () => {
      const res = await api(stack, 'GET', '/api/stats?from=2024-05-01&to=2024-05-02');
      expect(res.status).toBe(200);
      const [d1, d2] = res.body.days;
      expect(d1).toMatchObject({
        day: '2024-05-01',
        pushes: 2,
        refreshes: 1,
        syncs: 1,
        failed: 0,
        successRate: 1,
        latencyP50Ms: 400,
        latencyP95Ms: 1000,
        latencySamples: 2,
      });
      expect(d2).toMatchObject({
        day: '2024-05-02',
        pushes: 1,
        refreshes: 1,
        syncs: 0,
        failed: 1,
        successRate: 0.5,
        latencyP50Ms: 200,
        driftFound: 1,
        driftRepaired: 1,
        driftResolved: 1,
        mttrMs: 300_000,
      });
      const guestbook = res.body.apps.find((a: { app: string }) => a.app === 'guestbook');
      expect(guestbook).toMatchObject({ instance: 'prod', namespace: 'argocd', pushes: 2, refreshes: 2, successRate: 1, latencyP50Ms: 200, latencyP95Ms: 400 });
      const payments = res.body.apps.find((a: { app: string }) => a.app === 'payments');
      expect(payments).toMatchObject({ namespace: 'team-a', driftFound: 1, mttrMs: 300_000 });
      expect(res.body.totals).toMatchObject({ pushes: 3, refreshes: 2, syncs: 1, failed: 1, successRate: 0.75 });
    });

    it('answers 400 for a reversed or unbounded range', async () => {
      expect((await api(stack, 'GET', '/api/stats?from=2024-05-03&to=2024-05-01')).body.parameter).toBe('from');
      expect((await api(stack, 'GET', '/api/stats?from=2023-01-01&to=2024-05-01')).status).toBe(400);
    });
  });

  describe('GET /api/apps and drift', () => {
    it('lists apps per instance with sync, health and auto-sync', async () => {
      const res = await api(stack, 'GET', '/api/apps');
      expect(res.status).toBe(200);
      const prod = res.body.instances.find((i: { name: string }) => i.name === 'prod');
      expect(prod.apps.map((a: { name: string }) => a.name)).toEqual(['autoapp', 'guestbook', 'payments']);
      expect(prod.apps[0]).toMatchObject({ autoSync: true, sync: 'Synced', health: 'Healthy' });
      expect((await api(stack, 'GET', '/api/apps?instance=nope')).status).toBe(404);
    });

    it('runs a drift scan as the caller and reports the drift state', async () => {
      stack.simulators!.instances.prod.sim.injectDrift(
        { name: 'payments', namespace: 'team-a' },
        { kind: 'Deployment', name: 'payments', field: 'spec.replicas', value: 5 },
      );
      const scan = await api(stack, 'POST', '/api/drift/scan', { dryRun: true, instances: ['prod'] });
      expect(scan.status).toBe(200);
      expect(scan.body).toMatchObject({ dryRun: true, drifted: 1 });
      const state = await api(stack, 'GET', '/api/drift?instance=prod');
      expect(state.body.apps.map((a: { name: string; condition: string }) => `${a.name}:${a.condition}`)).toEqual(['payments:drifted']);
      expect(state.body.lastScan.actor).toMatch(/^local:/);
      stack.simulators!.instances.prod.sim.clearDrift({ name: 'payments', namespace: 'team-a' });
      expect((await api(stack, 'POST', '/api/drift/scan', { dryRun: 'yes' })).body.parameter).toBe('dryRun');
    });
  });

  describe('POST /api/apps/{instance}/{namespace}/{name}/rollback', () => {
    const sim = () => stack.simulators!.instances.prod.sim;

    it('rolls back to a commit still in the history with ArgoCD rollback {id}, audited with the caller', async () => {
      const history = sim().getApp('guestbook').status!.history!;
      const target = history[0];
      sim().clearRequests();
      const res = await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', { to: target.revision!.slice(0, 10), waitSeconds: 5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method: 'rollback', historyId: target.id, revision: target.revision, operation: { phase: 'Succeeded' } });
      const calls = sim().requestsTo('POST', '/api/v1/applications/guestbook/rollback');
      expect(calls).toHaveLength(1);
      expect(calls[0].body).toMatchObject({ id: target.id, project: 'shop' });
      expect(sim().requestsTo('POST', /\/sync$/)).toHaveLength(0);
      const audit = await api(stack, 'GET', '/api/audit?app=guestbook&instance=prod&kind=app.rolledback');
      expect(audit.body.items[0]).toMatchObject({ outcome: 'success', revision: target.revision, actor: expect.stringMatching(/^local:/) });
    });

    it('accepts a history id and a dry run', async () => {
      sim().clearRequests();
      const res = await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', { to: '1', dryRun: true, prune: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method: 'rollback', historyId: 1, dryRun: true, prune: true });
      expect(sim().requestsTo('POST', '/api/v1/applications/guestbook/rollback')[0].body).toMatchObject({ id: 1, dryRun: true, prune: true });
    });

    it('syncs to an older commit the audit trail knows', async () => {
      await waitFor(() => sim().getApp('guestbook').status?.operationState?.phase !== 'Running', 'the rollback operation to finish');
      sim().clearRequests();
      const res = await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', { to: OLD_SHA, waitSeconds: 5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method: 'sync', revision: OLD_SHA, operation: { phase: 'Succeeded', revision: OLD_SHA } });
      expect(sim().requestsTo('POST', '/api/v1/applications/guestbook/sync')[0].body).toMatchObject({ revision: OLD_SHA });
      expect(sim().requestsTo('POST', /rollback$/)).toHaveLength(0);
    });

    it('answers 404 for an unknown commit, history id, app or instance', async () => {
      sim().clearRequests();
      const cases: Array<[string, unknown, string]> = [
        ['/api/apps/prod/argocd/guestbook/rollback', { to: UNKNOWN_SHA }, 'commit'],
        ['/api/apps/prod/argocd/guestbook/rollback', { to: 'abcdef1' }, 'commit'],
        ['/api/apps/prod/argocd/guestbook/rollback', { to: '99' }, 'history-id'],
        ['/api/apps/prod/argocd/nope/rollback', { to: '1' }, 'app'],
        ['/api/apps/prod/team-a/guestbook/rollback', { to: '1' }, 'app'],
        ['/api/apps/staging/argocd/guestbook/rollback', { to: '1' }, 'instance'],
      ];
      for (const [path, body, what] of cases) {
        const res = await api(stack, 'POST', path, body);
        expect({ path, body, status: res.status, what: res.body.what }).toEqual({ path, body, status: 404, what });
      }
      expect(sim().requestsTo('POST', /rollback|sync$/)).toHaveLength(0);
      expect((await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', { to: 'not a sha!' })).body.parameter).toBe('to');
      expect((await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', {})).body.parameter).toBe('to');
      expect((await api(stack, 'POST', '/api/apps/prod/argocd/guestbook/rollback', { to: '1', force: true })).body.parameter).toBe('force');
    });

    it('answers 409 explaining auto-sync, and with disableAutoSync turns it off (audited with the old policy) and rolls back', async () => {
      sim().clearRequests();
      const refused = await api(stack, 'POST', '/api/apps/prod/argocd/autoapp/rollback', { to: '0' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: 'auto-sync-enabled', automated: { prune: true, selfHeal: true } });
      expect(refused.body.message).toMatch(/auto-sync/);
      expect(refused.body.hint).toMatch(/disableAutoSync/);
      expect(sim().requestsTo('POST', /rollback$/)).toHaveLength(0);
      expect(sim().requestsTo('PUT')).toHaveLength(0);

      const res = await api(stack, 'POST', '/api/apps/prod/argocd/autoapp/rollback', { to: '0', disableAutoSync: true, waitSeconds: 5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        method: 'rollback',
        historyId: 0,
        autoSyncDisabled: { previousAutomated: { prune: true, selfHeal: true } },
        operation: { phase: 'Succeeded' },
      });
      const put = sim().requestsTo('PUT', '/api/v1/applications/autoapp/spec');
      expect(put).toHaveLength(1);
      expect((put[0].body as { syncPolicy?: { automated?: unknown } }).syncPolicy?.automated).toBeUndefined();
      const order = sim()
        .requests.filter((r) => r.method !== 'GET')
        .map((r) => `${r.method} ${r.path}`);
      expect(order).toEqual(['PUT /api/v1/applications/autoapp/spec', 'POST /api/v1/applications/autoapp/rollback']);
      expect(sim().getApp('autoapp').spec!.syncPolicy?.automated).toBeUndefined();
      const disabled = await api(stack, 'GET', '/api/audit?app=autoapp&instance=prod&kind=app.autosync.disabled');
      expect(disabled.body.items[0]).toMatchObject({
        actor: expect.stringMatching(/^local:/),
        details: { previousAutomated: { prune: true, selfHeal: true } },
      });
      const refusedAudit = await api(stack, 'GET', '/api/audit?app=autoapp&instance=prod&kind=app.rolledback');
      expect(refusedAudit.body.items.map((r: AuditRecord) => r.outcome)).toEqual(['success', 'refused']);
    });
  });

  describe('DR export and import', () => {
    it('pages clean objects and imports them into an empty instance, dry run first, creating without upsert', async () => {
      const first = await api(stack, 'GET', '/api/export?instance=prod&kind=applications&limit=2');
      expect(first.body).toMatchObject({ total: 3, offset: 0, next: 2 });
      expect(first.body.items[0].status).toBeUndefined();
      expect(first.body.items[0].metadata).toEqual({ name: 'autoapp', namespace: 'argocd' });
      const second = await api(stack, 'GET', `/api/export?instance=prod&kind=applications&limit=2&offset=2&snapshot=${first.body.snapshot}`);
      expect(second.body.items.map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual(['payments']);
      expect(second.body.next).toBeUndefined();
      const projects = await api(stack, 'GET', '/api/export?instance=prod&kind=projects');

      const restore = stack.simulators!.instances.restore.sim;
      const dry = await api(stack, 'POST', '/api/import', {
        instance: 'restore',
        dryRun: true,
        projects: projects.body.items,
        applications: [...first.body.items, ...second.body.items],
      });
      // `default` exists in every ArgoCD with the same spec: unchanged.
      expect(dry.body).toMatchObject({ dryRun: true, created: 4, updated: 0, unchanged: 1, failed: 0 });
      expect(restore.requestsTo('POST')).toHaveLength(0);
      const real = await api(stack, 'POST', '/api/import', {
        instance: 'restore',
        projects: projects.body.items,
        applications: [...first.body.items, ...second.body.items],
      });
      expect(real.body).toMatchObject({ dryRun: false, failed: 0 });
      // Creates only: upsert would merge an existing app's labels and annotations instead of replacing them.
      expect(restore.requestsTo('POST', '/api/v1/applications').map((r) => r.query.upsert)).toEqual([undefined, undefined, undefined]);
      expect(restore.size).toBe(3);
      const again = await api(stack, 'POST', '/api/import', { instance: 'restore', dryRun: true, applications: first.body.items });
      expect(again.body).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
      const audit = await api(stack, 'GET', '/api/audit?instance=restore&kind=dr.imported');
      expect(audit.body.items).toHaveLength(3);
      expect((await api(stack, 'GET', '/api/audit?instance=prod&kind=dr.exported')).body.items.length).toBeGreaterThanOrEqual(2);
    });

    it('refuses unknown instances and malformed objects', async () => {
      expect((await api(stack, 'GET', '/api/export?instance=nope&kind=projects')).status).toBe(404);
      expect((await api(stack, 'GET', '/api/export?instance=prod&kind=secrets')).body.parameter).toBe('kind');
      const bad = await api(stack, 'POST', '/api/import', { instance: 'restore', applications: [{ kind: 'Application', metadata: { name: 'x' } }] });
      expect(bad).toMatchObject({ status: 400, body: { parameter: 'applications[0]' } });
      expect(await api(stack, 'POST', '/api/dr/check', { instance: 'nope' })).toMatchObject({ status: 404 });
      expect(await api(stack, 'POST', '/api/dr/check', { instance: 'prod', expect: { applications: 'argocd/web' } })).toMatchObject({
        status: 400,
        body: { parameter: 'expect.applications' },
      });
      expect(await api(stack, 'POST', '/api/dr/check', { instance: 'prod', expect: { secrets: [] } })).toMatchObject({ status: 400 });
      expect(await api(stack, 'POST', '/api/dr/check', { instance: 'prod', projects: [{ kind: 'AppProject' }] })).toMatchObject({
        status: 400,
        body: { parameter: 'projects[0]' },
      });
    });
  });

  describe('GET /api/audit/verify', () => {
    it('reports an edited and a deleted record (tampered directly in the table)', async () => {
      const ok = await api(stack, 'GET', '/api/audit/verify');
      expect(ok.body).toMatchObject({ ok: true, breaks: [] });

      // Prepare: three records on one app chain; edit the first, delete the second.
      const audit = stack.deps.auditStore;
      const base = { actor: 'test', outcome: 'success' as const, kind: 'app.synced' as const, instance: 'prod', app: 'tamper-me' };
      const r0 = await audit.append({ ...base, message: 'one' });
      const r1 = await audit.append({ ...base, message: 'two' });
      await audit.append({ ...base, message: 'three' });
      const table = stack.tables.audit;
      const item = (await stack.deps.doc.send(new GetCommand({ TableName: table, Key: { chain: r0.chain, seq: r0.seq } }))).Item!;
      await stack.deps.doc.send(new PutCommand({ TableName: table, Item: { ...item, message: 'rewritten' } }));
      await stack.deps.doc.send(new DeleteCommand({ TableName: table, Key: { chain: r1.chain, seq: r1.seq } }));

      // Act
      const res = await api(stack, 'GET', '/api/audit/verify');

      // Assess
      expect(res.body.ok).toBe(false);
      expect(res.body.breaks.map((b: { chain: string; seq: number; reason: string }) => `${b.chain}:${b.seq}:${b.reason}`)).toEqual(
        expect.arrayContaining([`${r0.chain}:0:hash-mismatch`, expect.stringMatching(new RegExp(`^${r0.chain}:[12]:(gap|prev-hash-mismatch)$`))]),
      );
      const one = await api(stack, 'GET', `/api/audit/verify?chain=${encodeURIComponent('app#prod#argocd#guestbook')}`);
      expect(one.body).toMatchObject({ chains: 1, ok: true });
    });

    it('says when anchoring is not configured, and answers 501 to the anchoring routes', async () => {
      // This stack keeps its data in memory, so it has no anchor key or digests.
      expect((await api(stack, 'GET', '/api/audit/verify')).body).toMatchObject({ anchoring: 'not-configured' });
      const anchor = await api(stack, 'POST', '/api/audit/anchor', {});
      expect(anchor).toMatchObject({ status: 501, body: { error: 'anchor-not-configured' } });
      for (const path of ['/api/audit/public-key', '/api/audit/digests', '/api/audit/proof/chains']) expect((await api(stack, 'GET', path)).status).toBe(501);
      expect((await api(stack, 'POST', '/api/audit/anchor', { checkpoint: 'yes' })).status).toBe(400);
    });
  });

  it('answers 404 for unknown paths, 405 for wrong methods, and never a stack trace', async () => {
    expect((await api(stack, 'GET', '/api/nope')).status).toBe(404);
    const res = await fetch(`${stack.url}/api/audit`, { method: 'POST', body: '{}', headers: { ...stack.authHeaders, 'content-type': 'application/json' } });
    expect(res.status).toBe(405);
    const broken = await api(stack, 'POST', '/api/import', undefined);
    expect(broken).toMatchObject({ status: 400, body: { parameter: 'body' } });
  });
});
