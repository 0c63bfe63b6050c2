/**
 * ArgoCD's normal form. Expected values come from reading ArgoCD's code (argoproj/argo-cd,
 * util/argo/argo.go NormalizeApplicationSpec/NormalizeSource, pkg/apis/application/v1alpha1
 * types.go SyncWindow.Validate and the IsZero methods, app_project_types.go NormalizePolicies).
 */
import fc from 'fast-check';
import { cleanApplication, cleanProject, normalizeApplicationSpec, normalizePolicy, normalizeProjectSpec } from '../../../functions/lib/dr';

describe('normalizeProjectSpec', () => {
  it('gives sync windows without a time zone, or with one Go cannot load, timeZone UTC', () => {
    const spec = normalizeProjectSpec({
      syncWindows: [
        { kind: 'deny', schedule: '0 22 * * *', duration: '1h', applications: ['*'] },
        { kind: 'allow', schedule: '0 6 * * *', duration: '2h', namespaces: ['a'], timeZone: '' },
        { kind: 'allow', schedule: '0 6 * * *', duration: '2h', namespaces: ['b'], timeZone: 'Mars/Olympus_Mons' },
        { kind: 'allow', schedule: '0 6 * * *', duration: '2h', namespaces: ['c'], timeZone: 'Europe/Berlin' },
      ],
    });
    expect((spec.syncWindows as Array<{ timeZone: string }>).map((w) => w.timeZone)).toEqual(['UTC', 'UTC', 'UTC', 'Europe/Berlin']);
  });

  it('rewrites role policies as NormalizePolicies does and drops an empty policy list', () => {
    const spec = normalizeProjectSpec({
      roles: [
        { name: 'ci', policies: ['p,proj:shop:ci, applications,get ,shop/*,allow', 'p, proj:shop:ci, applications, sync, shop/*, allow'] },
        { name: 'none', policies: [] },
        { name: 'groups-only', groups: ['ops'] },
      ],
    });
    expect(spec.roles).toEqual([
      { name: 'ci', policies: ['p, proj:shop:ci, applications, get, shop/*, allow', 'p, proj:shop:ci, applications, sync, shop/*, allow'] },
      { name: 'none' },
      { name: 'groups-only', groups: ['ops'] },
    ]);
  });

  it('keeps the first policy part as it is and trims only spaces from the others', () => {
    expect(normalizePolicy(' p ,a,\tb ')).toBe(' p , a, \tb');
  });

  it('takes parts as they are while the result is empty, as the Go loop does', () => {
    expect(normalizePolicy(',a, b')).toBe('a, b');
    expect(normalizePolicy(',, x ,y')).toBe(' x , y');
    expect(normalizePolicy('')).toBe('');
  });

  it('does not touch the input, and normalising twice equals normalising once', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.option(fc.string(), { nil: undefined })), (policies, zones) => {
        const input = {
          roles: [{ name: 'r', policies }],
          syncWindows: zones.map((timeZone) => ({ kind: 'allow', ...(timeZone === undefined ? {} : { timeZone }) })),
        };
        const copy = JSON.parse(JSON.stringify(input));
        const once = normalizeProjectSpec(input);
        expect(input).toEqual(copy);
        expect(normalizeProjectSpec(once)).toEqual(once);
      }),
    );
  });
});

describe('normalizeApplicationSpec', () => {
  it('sets an empty project to default and removes a zero syncPolicy', () => {
    expect(normalizeApplicationSpec({ project: '', syncPolicy: { syncOptions: [] }, destination: { namespace: 'x' } })).toEqual({
      project: 'default',
      destination: { namespace: 'x' },
    });
    expect(normalizeApplicationSpec({ syncPolicy: {} })).toEqual({ project: 'default' });
  });

  it('keeps a syncPolicy that has automated (even empty: auto-sync on), options, retry or managed namespace metadata', () => {
    for (const syncPolicy of [{ automated: {} }, { syncOptions: ['CreateNamespace=true'] }, { retry: {} }, { managedNamespaceMetadata: {} }]) {
      expect(normalizeApplicationSpec({ project: 'p', syncPolicy }).syncPolicy).toEqual(syncPolicy);
    }
  });

  it('removes zero helm, kustomize and directory blocks from the source', () => {
    const spec = normalizeApplicationSpec({
      project: 'p',
      source: {
        repoURL: 'r',
        path: 'x',
        helm: { valueFiles: [], passCredentials: false },
        kustomize: { forceCommonLabels: true },
        directory: { recurse: false, jsonnet: {} },
      },
    });
    expect(spec.source).toEqual({ repoURL: 'r', path: 'x' });
  });

  it('keeps a directory with only include/exclude as just those', () => {
    const spec = normalizeApplicationSpec({ project: 'p', source: { repoURL: 'r', directory: { recurse: false, include: '*.yaml', jsonnet: { libs: [] } } } });
    expect(spec.source).toEqual({ repoURL: 'r', directory: { include: '*.yaml' } });
  });

  it('keeps blocks that set something ArgoCD counts', () => {
    const source = { repoURL: 'r', helm: { values: 'a: 1' }, kustomize: { namePrefix: 'x-' }, directory: { recurse: true } };
    expect(normalizeApplicationSpec({ project: 'p', source }).source).toEqual(source);
    // valuesObject {} is not empty YAML ("{}"), so helm stays.
    expect(normalizeApplicationSpec({ project: 'p', source: { repoURL: 'r', helm: { valuesObject: {} } } }).source).toEqual({
      repoURL: 'r',
      helm: { valuesObject: {} },
    });
  });

  it('normalises every entry of sources and then leaves source alone', () => {
    const spec = normalizeApplicationSpec({
      project: 'p',
      sources: [
        { repoURL: 'a', helm: {} },
        { repoURL: 'b', kustomize: {} },
      ],
      source: { repoURL: 'c', helm: {} },
    });
    expect(spec).toEqual({ project: 'p', sources: [{ repoURL: 'a' }, { repoURL: 'b' }], source: { repoURL: 'c', helm: {} } });
  });
});

describe('export in the normal form', () => {
  it('cleanProject and cleanApplication write the normal form', () => {
    const p = cleanProject({
      metadata: { name: 'shop', annotations: { 'argocd.argoproj.io/tracking-id': 'x' } },
      spec: { syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] }] },
    });
    expect(p.spec).toEqual({ syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'], timeZone: 'UTC' }] });
    expect(p.metadata.annotations).toEqual({ 'argocd.argoproj.io/tracking-id': 'x' });
    const a = cleanApplication({ metadata: { name: 'web' }, spec: { source: { repoURL: 'r', helm: {} }, destination: {} } });
    expect(a.spec).toEqual({ project: 'default', source: { repoURL: 'r' }, destination: {} });
  });
});
