/**
 * The simulator stores AppProjects and Applications as ArgoCD does (issue 17 item 5), driven
 * through the real client over HTTP: server/project/project.go Create/Update,
 * server/application/application.go Create/Update/updateApp, the normal form of
 * functions/lib/dr/normal-form.ts, and Kubernetes' resourceVersion checks.
 */
import { ArgoCDBadRequestError, ArgoCDConflictError, GrpcCode, type AppProject } from '../../../functions/lib/argocd';
import { startSimWithClient, type SimAndClient } from '../../helpers/argocd-sim';

const window = { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['*'] };

describe('simulator: project and application storage as ArgoCD', () => {
  let env: SimAndClient;

  beforeEach(async () => {
    env = await startSimWithClient({
      seed: {
        projects: [
          { name: 'declared', labels: { team: 'shop' }, annotations: { 'argocd.argoproj.io/tracking-id': 'declared' }, spec: { syncWindows: [window] } },
        ],
      },
    });
  });
  afterEach(() => env.close());

  it('keeps a declaratively applied project as given (no timeZone), as kubectl apply would', async () => {
    const p = await env.client.getProject('declared');
    expect(p.spec?.syncWindows).toEqual([window]);
    expect(p.metadata).toMatchObject({ labels: { team: 'shop' }, annotations: { 'argocd.argoproj.io/tracking-id': 'declared' } });
    expect(p.spec?.sourceRepos).toBeUndefined();
  });

  it('creates a project through the API with its metadata and the spec normalised (timeZone UTC, policies)', async () => {
    const created = await env.client.createProject({
      metadata: { name: 'web', labels: { a: 'b' }, annotations: { note: 'x' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: { syncWindows: [window], roles: [{ name: 'ci', policies: ['p,proj:web:ci, applications,get ,web/*,allow'] }] },
    });
    const stored = env.sim.getProject('web');
    expect(stored).toEqual(created);
    expect(stored.metadata).toMatchObject({ labels: { a: 'b' }, annotations: { note: 'x' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] });
    expect(stored.spec?.syncWindows).toEqual([{ ...window, timeZone: 'UTC' }]);
    expect(stored.spec?.roles?.[0]?.policies).toEqual(['p, proj:web:ci, applications, get, web/*, allow']);
  });

  it('POST with upsert on an existing project replaces only the spec: labels and annotations do not land', async () => {
    const versionBefore = Number(env.sim.getProject('declared').metadata?.resourceVersion);
    await env.client.createProject(
      { metadata: { name: 'declared', labels: { team: 'other' }, annotations: { new: 'yes' } }, spec: { description: 'changed' } },
      { upsert: true },
    );
    const after = env.sim.getProject('declared');
    expect(after.spec).toEqual({ description: 'changed' });
    expect(after.metadata?.labels).toEqual({ team: 'shop' });
    expect(after.metadata?.annotations).toEqual({ 'argocd.argoproj.io/tracking-id': 'declared' });
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThan(versionBefore);
    // Without upsert, a different spec is refused (code 3), an equal one returned.
    await expect(env.client.createProject({ metadata: { name: 'declared' }, spec: { description: 'other' } })).rejects.toMatchObject({
      grpcCode: GrpcCode.InvalidArgument,
      message: expect.stringMatching(/existing project spec is different; use upsert flag/),
    });
    await expect(env.client.createProject({ metadata: { name: 'declared' }, spec: { description: 'changed' } })).resolves.toMatchObject({
      spec: { description: 'changed' },
    });
  });

  it('PUT replaces metadata and spec when resourceVersion is current; refuses a stale one with 409 code 10 and a missing one with 400', async () => {
    const current = await env.client.getProject('declared');
    const next: AppProject = {
      ...current,
      metadata: { ...current.metadata, labels: { team: 'web' }, annotations: undefined },
      spec: { syncWindows: [window] },
    };
    const stored = await env.client.updateProject(next);
    expect(stored.metadata?.labels).toEqual({ team: 'web' });
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(stored.metadata?.uid).toBe(current.metadata?.uid);
    expect(stored.spec?.syncWindows).toEqual([{ ...window, timeZone: 'UTC' }]);
    expect(env.sim.getProject('declared')).toEqual(stored);

    const stale = env.client.updateProject(next);
    await expect(stale).rejects.toBeInstanceOf(ArgoCDConflictError);
    await expect(env.client.updateProject(next)).rejects.toMatchObject({
      httpStatus: 409,
      grpcCode: GrpcCode.Aborted,
      message:
        'Operation cannot be fulfilled on appprojects.argoproj.io "declared": the object has been modified; please apply your changes to the latest ' +
        'version and try again',
    });
    const noVersion = { ...next, metadata: { ...next.metadata, resourceVersion: undefined } };
    await expect(env.client.updateProject(noVersion)).rejects.toBeInstanceOf(ArgoCDBadRequestError);
    await expect(env.client.updateProject({ metadata: { name: 'ghost', resourceVersion: '1' }, spec: {} })).rejects.toMatchObject({ httpStatus: 404 });
    expect(env.sim.getProject('declared')).toEqual(stored);
  });

  it('creates apps with finalizers and the spec normalised; upsert merges labels and annotations; PUT replaces them', async () => {
    const app = {
      metadata: { name: 'web', namespace: 'argocd', labels: { a: '1' }, annotations: { keep: 'x' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: '',
        syncPolicy: {},
        source: { repoURL: 'https://github.com/acme/web.git', path: '.', helm: {} },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
      },
    };
    await env.client.createApplication(app, { validate: false });
    const created = env.sim.getApp('web');
    expect(created.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://github.com/acme/web.git', path: '.' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    });
    expect(created.metadata?.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);

    // Same object again without upsert: returned as it is; with other labels: refused.
    await expect(env.client.createApplication(app as never, { validate: false })).resolves.toMatchObject({ metadata: { name: 'web' } });
    const relabelled = { ...app, metadata: { ...app.metadata, labels: { b: '2' }, annotations: undefined } };
    await expect(env.client.createApplication(relabelled as never, { validate: false })).rejects.toMatchObject({
      message: 'existing application spec is different, use upsert flag to force update',
    });
    await env.client.createApplication(relabelled, { validate: false, upsert: true });
    expect(env.sim.getApp('web').metadata).toMatchObject({ labels: { a: '1', b: '2' }, annotations: { keep: 'x' } });

    const stale = { ...relabelled, metadata: { ...relabelled.metadata, resourceVersion: '1', finalizers: undefined } };
    const put = await env.client.updateApplication(stale, { validate: false, project: 'default' });
    const stored = env.sim.getApp('web');
    expect(stored.metadata?.labels).toEqual({ b: '2' });
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(stored.metadata?.finalizers).toBeUndefined();
    expect(put.metadata?.resourceVersion).toBe(stored.metadata?.resourceVersion);
  });
});
