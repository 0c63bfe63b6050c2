import util from 'node:util';
import {
  ArgoCDAuthError,
  ArgoCDBadRequestError,
  ArgoCDFailedPreconditionError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  ArgoCDUnavailableError,
  GrpcCode,
  type AppRef,
} from '../../../functions/lib/argocd';
import { HISTORY_LIMIT } from '../../../local/argocd-sim';
import { startSimWithClient, waitFor, type SimAndClient } from '../../helpers/argocd-sim';

const GUESTBOOK = { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' };
const ref = (name: string, namespace = 'argocd'): AppRef => ({ instance: 'default', namespace, name });

describe('ArgoCDClient against the simulator', () => {
  let env: SimAndClient;

  beforeEach(async () => {
    env = await startSimWithClient();
    env.sim.addProject('payments');
    env.sim.addApp({ name: 'guestbook', source: GUESTBOOK, labels: { team: 'demo' } });
    env.sim.addApp({ name: 'auto', source: { ...GUESTBOOK, targetRevision: 'main' }, syncPolicy: { automated: { selfHeal: true } } });
    env.sim.addApp({ name: 'worker', namespace: 'team-payments', project: 'payments', source: { ...GUESTBOOK, path: 'worker' }, labels: { team: 'payments' } });
    env.sim.clearRequests();
  });

  afterEach(async () => {
    await env.close();
  });

  describe('what the simulator receives', () => {
    it('lists with repeated projects keys, selector and bearer auth, and never sends a content type on GET', async () => {
      const apps = await env.client.listApplications({ projects: ['default', 'payments'], selector: 'team=payments' });
      expect(apps.map((a) => a.metadata?.name)).toEqual(['worker']);
      const [req] = env.sim.requestsTo('GET', '/api/v1/applications');
      expect(req.query).toEqual({ projects: ['default', 'payments'], selector: 'team=payments' });
      expect(req.headers['content-type']).toBeUndefined();
      expect(req.headers.authorization).toBeUndefined(); // the sim strips it from the log
      expect(req.status).toBe(200);
    });

    it('returns [] when ArgoCD answers items: null', async () => {
      await expect(env.client.listApplications({ selector: 'team=nobody' })).resolves.toEqual([]);
    });

    it('passes appNamespace as a query parameter on GET only for apps outside the control plane', async () => {
      await env.client.getApplication(ref('worker', 'team-payments'), { refresh: 'hard' });
      await env.client.getApplication(ref('guestbook'));
      const [outside, inside] = env.sim.requestsTo('GET', /^\/api\/v1\/applications\/.+/);
      expect(outside.path).toBe('/api/v1/applications/worker');
      expect(outside.query).toEqual({ appNamespace: 'team-payments', refresh: 'hard' });
      expect(inside.query).toEqual({});
      expect(env.sim.refreshes).toEqual([expect.objectContaining({ namespace: 'team-payments', name: 'worker', type: 'hard' })]);
    });

    it('sends sync as POST with Content-Type exactly application/json and appNamespace in the body', async () => {
      const app = await env.client.syncApplication(ref('worker', 'team-payments'), { prune: true, revision: 'v2', syncOptions: ['ServerSideApply=true'] });
      expect(app.status?.operationState?.phase).toBe('Running');
      const [req] = env.sim.requestsTo('POST', '/api/v1/applications/worker/sync');
      expect(req.contentType).toBe('application/json');
      expect(req.query).toEqual({});
      expect(req.body).toEqual({
        name: 'worker',
        appNamespace: 'team-payments',
        revision: 'v2',
        prune: true,
        syncOptions: { items: ['ServerSideApply=true'] },
      });
    });

    it('sends the rollback id as a JSON number', async () => {
      await env.client.rollbackApplication(ref('guestbook'), { id: 0, prune: false });
      const [req] = env.sim.requestsTo('POST', '/api/v1/applications/guestbook/rollback');
      expect(req.body).toEqual({ name: 'guestbook', id: 0, prune: false });
      expect(typeof (req.body as { id: unknown }).id).toBe('number');
    });

    it('turns auto-sync off with PUT .../spec and the simulator applies it', async () => {
      const app = await env.client.getApplication(ref('auto'));
      const spec = { ...app.spec!, syncPolicy: { ...app.spec!.syncPolicy, automated: undefined } };
      const updated = await env.client.updateApplicationSpec(ref('auto'), spec);
      expect(updated.syncPolicy?.automated).toBeUndefined();
      const [req] = env.sim.requestsTo('PUT', '/api/v1/applications/auto/spec');
      expect(req.contentType).toBe('application/json');
      expect(env.sim.getApp('auto').spec?.syncPolicy?.automated).toBeUndefined();
    });

    it('creates apps and projects (upsert) and reads them back', async () => {
      await env.client.createProject({ metadata: { name: 'web' }, spec: { description: 'web' } }, { upsert: true });
      const created = await env.client.createApplication(
        {
          metadata: { name: 'storefront', namespace: 'argocd' },
          spec: { project: 'web', source: GUESTBOOK, destination: { server: 'https://kubernetes.default.svc', namespace: 'web' } },
        },
        { upsert: true },
      );
      expect(created.metadata?.name).toBe('storefront');
      const [req] = env.sim.requestsTo('POST', '/api/v1/applications');
      expect(req.query).toEqual({ upsert: 'true' });
      expect((await env.client.getProject('web')).spec?.description).toBe('web');
      expect((await env.client.listProjects()).map((p) => p.metadata?.name).sort()).toEqual(['default', 'payments', 'web']);
    });

    it('reads managed resources with states as JSON strings and sees injected drift', async () => {
      env.sim.injectDrift({ name: 'guestbook' }, { kind: 'Deployment', name: 'guestbook', field: 'spec.replicas', value: 5 });
      const app = await env.client.getApplication(ref('guestbook'));
      expect(app.status?.sync?.status).toBe('OutOfSync');
      const items = await env.client.getManagedResources(ref('guestbook'), { kind: 'Deployment' });
      expect(items).toHaveLength(1);
      expect(JSON.parse(items[0].liveState!).spec.replicas).toBe(5);
      expect(JSON.parse(items[0].targetState!).spec.replicas).toBe(1);
      expect(items[0].modified).toBe(true);
      const [req] = env.sim.requestsTo('GET', '/api/v1/applications/guestbook/managed-resources');
      expect(req.query).toEqual({ kind: 'Deployment' });
    });

    it('reads the version', async () => {
      expect((await env.client.version()).Version).toMatch(/sim/);
    });
  });

  describe('operations and history', () => {
    it('completes a sync, appends to history and keeps only the last 10 entries with increasing ids', async () => {
      for (let i = 0; i < HISTORY_LIMIT + 2; i++) {
        await env.client.syncApplication(ref('guestbook'), { revision: `rev-${i}` });
        await waitFor(() => env.sim.getApp('guestbook').status?.operationState?.phase === 'Succeeded', `sync ${i}`);
      }
      const history = (await env.client.getApplication(ref('guestbook'))).status!.history!;
      expect(history).toHaveLength(HISTORY_LIMIT);
      const ids = history.map((h) => h.id!);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids[ids.length - 1]).toBe(HISTORY_LIMIT + 2); // seeded entry 0, then 12 syncs
    });

    it('maps a sync while an operation runs to ArgoCDFailedPreconditionError (400, code 9)', async () => {
      env.sim.setSyncDurationMs(60_000); // the first sync stays Running
      await env.client.syncApplication(ref('guestbook'));
      const err = await env.client.syncApplication(ref('guestbook')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDFailedPreconditionError);
      expect(err).toMatchObject({ httpStatus: 400, grpcCode: GrpcCode.FailedPrecondition, operationInProgress: true });
    });

    it("refuses rollback while auto-sync is on with ArgoCD's message", async () => {
      const err = await env.client.rollbackApplication(ref('auto'), { id: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDFailedPreconditionError);
      expect((err as Error).message).toBe('rollback cannot be initiated when auto-sync is enabled');
      expect((err as ArgoCDFailedPreconditionError).autoSyncEnabled).toBe(true);
    });

    it('refuses a sync to another revision while auto-sync is on', async () => {
      const err = await env.client.syncApplication(ref('auto'), { revision: 'abc' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDFailedPreconditionError);
      expect((err as Error).message).toBe('Cannot sync to abc: auto-sync currently set to main');
    });
  });

  describe('403 vs 404', () => {
    it('answers 403 for an unknown app without project', async () => {
      const err = await env.client.getApplication(ref('nope')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDForbiddenError);
      expect(err).toMatchObject({ httpStatus: 403, grpcCode: GrpcCode.PermissionDenied, message: 'permission denied' });
    });

    it('answers 404 for an unknown app with project', async () => {
      const err = await env.client.getApplication(ref('nope'), { project: 'default' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDNotFoundError);
      expect(err).toMatchObject({ httpStatus: 404, grpcCode: GrpcCode.NotFound });
    });

    it('does not find an app of another namespace without appNamespace', async () => {
      const err = await env.client.getApplication(ref('worker', 'argocd')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDForbiddenError);
    });
  });

  describe('auth', () => {
    it('refreshes the token once after a 401 and retries', async () => {
      env.sim.setToken('rotated-token-abcdef');
      let current = 'sim-token-0123456789';
      const refreshToken = jest.fn(async () => (current = 'rotated-token-abcdef'));
      const client = env.makeClient({ getToken: async () => current, refreshToken });
      const app = await client.getApplication(ref('guestbook'));
      expect(app.metadata?.name).toBe('guestbook');
      expect(refreshToken).toHaveBeenCalledTimes(1);
      expect(env.sim.requestsTo('GET', '/api/v1/applications/guestbook').map((r) => r.status)).toEqual([401, 200]);
    });

    it('throws ArgoCDAuthError when the refreshed token is refused too', async () => {
      env.sim.setToken('nobody-has-this-token');
      const refreshToken = jest.fn(async () => 'still-wrong-token-xyz');
      const client = env.makeClient({ refreshToken });
      const err = await client.getApplication(ref('guestbook')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDAuthError);
      expect(err).toMatchObject({ httpStatus: 401, grpcCode: GrpcCode.Unauthenticated });
      expect(refreshToken).toHaveBeenCalledTimes(1);
      expect(env.sim.requests).toHaveLength(2);
    });
  });

  describe('retries', () => {
    it('retries 5xx and then succeeds', async () => {
      env.sim.injectFaults({ failNext: 2, failStatus: 503 });
      const apps = await env.client.listApplications();
      expect(apps).toHaveLength(3);
      expect(env.sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    });

    it('gives up after the retries with ArgoCDUnavailableError carrying the status', async () => {
      env.sim.injectFaults({ failNext: 10, failStatus: 502 });
      const err = await env.client.listApplications().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDUnavailableError);
      expect(err).toMatchObject({ httpStatus: 502, reason: 'http', attempts: 3 });
      expect(env.sim.requests).toHaveLength(3);
    });

    it('retries 429', async () => {
      env.sim.injectFaults({ failNext: 1, failStatus: 429 });
      await env.client.version();
      expect(env.sim.requests.map((r) => r.status)).toEqual([429, 200]);
    });

    it('never retries a 4xx', async () => {
      await expect(env.client.getApplication(ref('nope'))).rejects.toBeInstanceOf(ArgoCDForbiddenError);
      expect(env.sim.requests).toHaveLength(1);
    });

    it('retries timeouts and ends with ArgoCDUnavailableError (timeout)', async () => {
      const client = env.makeClient({ timeoutMs: 50, retries: 1 });
      env.sim.injectFaults({ latencyMs: 500 });
      const err = await client.version().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDUnavailableError);
      expect(err).toMatchObject({ reason: 'timeout', attempts: 2 });
      expect(env.sim.requests).toHaveLength(2);
    });

    it('recovers when only the first call is slow', async () => {
      const client = env.makeClient({ timeoutMs: 2_000, retries: 2 });
      env.sim.injectFaults({ latencyQueue: [20_000] });
      await expect(client.version()).resolves.toMatchObject({ Version: expect.any(String) });
      expect(env.sim.requests).toHaveLength(2);
    });

    it('reports a network error when the server is down', async () => {
      env.sim.injectFaults({ down: true });
      const err = await env.client.version().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDUnavailableError);
      expect((err as ArgoCDUnavailableError).reason).toBe('network');
    });

    it('bounds the requests in flight per instance', async () => {
      const client = env.makeClient({ concurrency: 2 });
      env.sim.injectFaults({ latencyMs: 30 });
      let peak = 0;
      const origRecord = env.sim.record.bind(env.sim);
      env.sim.record = (r) => {
        // Requests the server has received but not answered yet, this one included.
        peak = Math.max(peak, env.sim.requests.filter((x) => x.status === undefined).length + 1);
        return origRecord(r);
      };
      await Promise.all(Array.from({ length: 8 }, () => client.version()));
      expect(peak).toBeLessThanOrEqual(2);
      expect(env.sim.requests).toHaveLength(8);
    });
  });

  describe('the token never leaks', () => {
    const TOKEN = 'super-secret-token-value-42';

    function assertNoToken(err: unknown, token: string): void {
      expect(String(err)).not.toContain(token);
      expect(JSON.stringify(err)).not.toContain(token);
      expect((err as Error).stack ?? '').not.toContain(token);
      expect(util.inspect(err, { depth: 10, showHidden: true })).not.toContain(token);
    }

    it('keeps it out of 401 errors, their cause, and the log', async () => {
      const lines: string[] = [];
      const log = (m: string, meta?: Record<string, unknown>): void => {
        lines.push(m + ' ' + util.inspect(meta, { depth: 10 }));
      };
      const client = env.makeClient({ getToken: async () => TOKEN, refreshToken: async () => TOKEN, logger: { debug: log, info: log, warn: log, error: log } });
      const err = await client.getApplication(ref('guestbook')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDAuthError);
      expect((err as Error).cause).toBeDefined();
      assertNoToken(err, TOKEN);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(TOKEN);
    });

    it('keeps it out of timeout errors and retry logs', async () => {
      const lines: string[] = [];
      const log = (m: string, meta?: Record<string, unknown>): void => {
        lines.push(m + ' ' + util.inspect(meta, { depth: 10 }));
      };
      env.sim.setToken(TOKEN);
      const client = env.makeClient({ getToken: async () => TOKEN, timeoutMs: 30, retries: 1, logger: { debug: log } });
      env.sim.injectFaults({ latencyMs: 300 });
      const err = await client.listApplications().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDUnavailableError);
      assertNoToken(err, TOKEN);
      expect(lines.join('\n')).toContain('retrying');
      expect(lines.join('\n')).not.toContain(TOKEN);
    });
  });

  describe('misuse', () => {
    it('refuses an app ref of another instance with a TypeError', async () => {
      await expect(env.client.getApplication({ instance: 'staging', namespace: 'argocd', name: 'guestbook' })).rejects.toBeInstanceOf(TypeError);
      expect(env.sim.requests).toHaveLength(0);
    });

    it('maps other 4xx to ArgoCDBadRequestError', async () => {
      const err = await env.client.rollbackApplication(ref('guestbook'), { id: 99 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgoCDBadRequestError);
      expect(err).toMatchObject({ grpcCode: GrpcCode.InvalidArgument, message: 'application guestbook does not have deployment with id 99' });
    });
  });
});
