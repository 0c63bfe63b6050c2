/**
 * Import and check against the ArgoCD simulator: what the simulator received and stored is
 * what the assertions look at.
 */
import { ArgoCDRegistry } from '../../../functions/lib/argocd';
import { checkObjects, cleanApplication, importObjects, MAX_WRITE_ATTEMPTS, type CleanObject } from '../../../functions/lib/dr';
import { startSimWithClient, waitFor, type SimAndClient } from '../../helpers/argocd-sim';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';

const window = { kind: 'deny', schedule: '0 22 * * *', duration: '8h', applications: ['*'] };
const shop: CleanObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: {
    name: 'shop',
    namespace: 'argocd',
    labels: { team: 'shop' },
    annotations: { 'argocd.argoproj.io/tracking-id': 'shop:argoproj.io/AppProject:argocd/shop' },
  },
  spec: { sourceRepos: ['https://github.com/acme/*'], destinations: [{ server: '*', namespace: 'shop-*' }], syncWindows: [window] },
};
const app = (name: string, project = 'shop'): CleanObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd', labels: { team: 'shop' } },
  spec: {
    project,
    source: { repoURL: 'https://github.com/acme/shop.git', path: name, targetRevision: 'main' },
    destination: { server: 'https://kubernetes.default.svc', namespace: `shop-${name}` },
  },
});

describe('importObjects and checkObjects against the simulator', () => {
  let target: SimAndClient;
  let audit: InMemoryAuditStore;
  let deps: { argocd: ArgoCDRegistry; auditStore: InMemoryAuditStore };

  beforeEach(async () => {
    target = await startSimWithClient();
    audit = new InMemoryAuditStore();
    deps = { argocd: new ArgoCDRegistry([target.client]), auditStore: audit };
  });
  afterEach(() => target.close());

  it('refuses apps whose project is neither in the import nor in the instance, naming it, and writes nothing', async () => {
    await expect(
      importObjects(deps, { instance: 'default', applications: [app('web', 'ghost'), app('api', 'ghost'), app('ok', 'default')] }, 't'),
    ).rejects.toThrow(/projects that are neither in the import nor in instance default: ghost \(argocd\/web, argocd\/api\); nothing was written/);
    expect(target.sim.requestsTo('POST')).toHaveLength(0);
    expect(target.sim.size).toBe(0);
  });

  it('creates what is missing, then an identical re-import reads each object once and writes nothing', async () => {
    const first = await importObjects(deps, { instance: 'default', applications: [app('web', 'default'), app('api', 'default')] }, 't');
    expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 0, failed: 0 });
    expect(
      target.sim
        .requestsTo('POST', '/api/v1/applications')
        .map((r) => (r.body as CleanObject).metadata.name)
        .sort(),
    ).toEqual(['api', 'web']);
    expect(target.sim.getApp('web').metadata?.labels).toEqual({ team: 'shop' });

    target.sim.clearRequests();
    const again = await importObjects(deps, { instance: 'default', applications: [app('web', 'default'), app('api', 'default')] }, 't');
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 0 });
    const seen = target.sim.requestsTo();
    expect(seen.filter((r) => r.method !== 'GET')).toEqual([]);
    // One read per object plus the one project listing of the missing-project check.
    expect(seen.map((r) => r.path).sort()).toEqual(['/api/v1/applications/api', '/api/v1/applications/web', '/api/v1/projects']);
    expect(
      audit
        .records()
        .filter((r) => r.kind === 'dr.imported')
        .map((r) => r.outcome),
    ).toEqual(['success', 'success']);
  });

  it('check: exit-worthy findings name the field, the missing object and the object the export lacks; audited as dr.checked', async () => {
    await importObjects(deps, { instance: 'default', applications: [app('web', 'default'), app('api', 'default')] }, 't');
    const same = await checkObjects(
      deps,
      {
        instance: 'default',
        applications: [app('web', 'default'), app('api', 'default')],
        expect: { projects: ['argocd/default'], applications: ['argocd/web', 'argocd/api'] },
      },
      't',
    );
    expect(same).toMatchObject({ checked: 2, same: 2, different: 0, missing: 0, extra: 0, findings: [] });

    // Edit one app in the target, delete nothing, add one app the export does not know.
    const web = target.sim.getApp('web');
    target.sim.updateSpec(target.sim.findApp('web'), { ...web.spec!, source: { ...web.spec!.source!, targetRevision: 'hotfix' } });
    target.sim.createApp(cleanApplication({ ...app('stray', 'default'), metadata: { name: 'stray', namespace: 'argocd' } }));
    target.sim.clearRequests();
    const res = await checkObjects(
      deps,
      {
        instance: 'default',
        applications: [app('web', 'default'), app('gone', 'default')],
        expect: { applications: ['argocd/web', 'argocd/api', 'argocd/gone'] },
      },
      't',
    );
    expect(res).toMatchObject({ checked: 2, same: 0, different: 1, missing: 1, extra: 1 });
    expect(res.findings).toEqual([
      { kind: 'Application', namespace: 'argocd', name: 'web', status: 'different', diff: ['~ spec.source.targetRevision: "main" -> "hotfix"'] },
      { kind: 'Application', namespace: 'argocd', name: 'gone', status: 'missing' },
      { kind: 'Application', namespace: 'argocd', name: 'stray', status: 'extra' },
    ]);
    expect(target.sim.requestsTo().filter((r) => r.method !== 'GET')).toEqual([]);
    // The instance's apps are listed once, names only.
    expect(target.sim.requestsTo('GET', '/api/v1/applications').map((r) => r.query.fields)).toEqual(['items.metadata.name,items.metadata.namespace']);
    const checked = audit.records().filter((r) => r.kind === 'dr.checked');
    // Two records, possibly on two chains (records() lists chain by chain): find each by its outcome.
    expect(checked.map((r) => r.outcome).sort()).toEqual(['failure', 'success']);
    expect(checked.find((r) => r.outcome === 'success')!.details).toMatchObject({ different: 0, missing: 0 });
    expect(checked.find((r) => r.outcome === 'failure')!.details).toMatchObject({
      different: 1,
      missing: 1,
      extra: 1,
      objects: ['different Application argocd/web', 'missing Application argocd/gone', 'extra Application argocd/stray'],
    });
  });

  it('updates an existing project with PUT so labels and annotations land, and reports the diff read back', async () => {
    // The target has the project without metadata and with another description (as after an upsert-only restore).
    target.sim.addProject('shop', { description: 'old', sourceRepos: ['https://github.com/acme/*'] }, {}, false);
    const res = await importObjects(deps, { instance: 'default', projects: [shop] }, 't');
    expect(res).toMatchObject({ updated: 1, failed: 0 });
    const [put] = target.sim.requestsTo('PUT', '/api/v1/projects/shop');
    expect((put.body as { project: { metadata: { resourceVersion: string } } }).project.metadata.resourceVersion).toBeDefined();
    expect(target.sim.requestsTo('POST')).toHaveLength(0);
    const stored = target.sim.getProject('shop');
    expect(stored.metadata?.labels).toEqual({ team: 'shop' });
    expect(stored.metadata?.annotations).toEqual(shop.metadata.annotations);
    expect(stored.spec?.syncWindows).toEqual([{ ...window, timeZone: 'UTC' }]);
    expect(res.changes[0].diff).toEqual(
      expect.arrayContaining([
        '+ metadata.labels: {"team":"shop"}',
        '- spec.description: "old"',
        expect.stringMatching(/^\+ spec.syncWindows: .*"timeZone":"UTC"/),
      ]),
    );
  });

  it('re-reads and retries when the project changes between read and write (409), and the result is the export', async () => {
    target.sim.addProject('shop', { description: 'old' }, {}, false);
    // Hold the PUT in the simulator so another writer can change the project first.
    target.sim.injectFaults({ latencyQueue: [1500], method: 'PUT', pathPattern: '^/api/v1/projects/shop$' });
    const running = importObjects(deps, { instance: 'default', projects: [shop] }, 't');
    await waitFor(() => target.sim.requestsTo('PUT').length === 1, 'the first PUT');
    target.sim.createProject({ metadata: { name: 'shop' }, spec: { description: 'someone else' } }, true);
    const res = await running;
    expect(res.changes[0]).toMatchObject({ action: 'update', retries: 1 });
    expect(target.sim.requestsTo('PUT').map((r) => r.status)).toEqual([409, 200]);
    expect(target.sim.getProject('shop').metadata?.labels).toEqual({ team: 'shop' });
    expect(target.sim.getProject('shop').spec?.description).toBeUndefined();
  });

  it(`gives up after ${MAX_WRITE_ATTEMPTS} conflicting writes and reports the object as failed`, async () => {
    target.sim.addProject('shop', { description: 'old' }, {}, false);
    target.sim.injectFaults({ failNext: 100, failStatus: 409, method: 'PUT', pathPattern: '^/api/v1/projects/shop$' });
    const res = await importObjects(deps, { instance: 'default', projects: [shop] }, 't');
    expect(res.changes[0]).toMatchObject({
      action: 'failed',
      error: expect.stringMatching(new RegExp(`gave up after ${MAX_WRITE_ATTEMPTS} conflicting writes`)),
    });
    expect(target.sim.requestsTo('PUT')).toHaveLength(MAX_WRITE_ATTEMPTS);
    expect(target.sim.getProject('shop').spec?.description).toBe('old');
    expect(audit.records().find((r) => r.kind === 'dr.imported')?.outcome).toBe('failure');
  });

  it('compares in the normal form: an export without timeZone is the same as the stored window with UTC', async () => {
    // `shop` is written as a team would apply it: its window has no timeZone.
    await importObjects(deps, { instance: 'default', projects: [shop] }, 't');
    expect(target.sim.getProject('shop').spec?.syncWindows?.[0]?.timeZone).toBe('UTC');
    const res = await checkObjects(deps, { instance: 'default', projects: [shop] }, 't');
    expect(res).toMatchObject({ same: 1, different: 0 });
    target.sim.clearRequests();
    const again = await importObjects(deps, { instance: 'default', projects: [shop] }, 't');
    expect(again).toMatchObject({ unchanged: 1 });
    expect(target.sim.requestsTo().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
