import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ExportWriter,
  ManifestMismatchError,
  checksumOf,
  cleanApplication,
  cleanProject,
  diffObjects,
  readInstanceBatches,
  readManifest,
  toYaml,
  validateObject,
  verifyInstanceDir,
} from '../../../functions/lib/dr';

const app = {
  metadata: {
    name: 'web',
    namespace: 'argocd',
    uid: 'u',
    resourceVersion: '9',
    generation: 3,
    creationTimestamp: 'x',
    managedFields: [{}],
    labels: { a: 'b' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
  },
  spec: { project: 'default', source: { repoURL: 'r', path: 'p', targetRevision: 'main' }, destination: { server: 's', namespace: 'n' } },
  status: { sync: { status: 'Synced' } },
  operation: { sync: {} },
};

describe('cleaning and comparing', () => {
  it('keeps name, namespace, labels, annotations and spec only', () => {
    expect(cleanApplication(app as never)).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', namespace: 'argocd', labels: { a: 'b' }, annotations: { keep: 'me' } },
      spec: app.spec,
    });
  });

  it('drops project JWT token records', () => {
    const p = cleanProject({ metadata: { name: 'p' }, spec: { roles: [{ name: 'ci', jwtTokens: [{ iat: 1 }] }] } });
    expect(p.spec).toEqual({ roles: [{ name: 'ci' }] });
    expect(p.metadata.namespace).toBe('argocd');
  });

  it('writes YAML with sorted keys so equal objects give equal files', () => {
    expect(toYaml({ b: 1, a: { d: 1, c: 2 } })).toBe(toYaml({ a: { c: 2, d: 1 }, b: 1 }));
  });

  it('diffs field by field', () => {
    expect(diffObjects({ spec: { a: 1, b: [1] } }, { spec: { a: 2, c: true, b: [1] } })).toEqual(['~ spec.a: 1 -> 2', '+ spec.c: true']);
  });

  it('refuses objects that are not clean objects of the kind, naming where', () => {
    expect(() => validateObject({ kind: 'Secret' }, 'Application', 'f.yaml')).toThrow(expect.objectContaining({ parameter: 'f.yaml' }));
    expect(() => validateObject({ ...cleanApplication(app as never), metadata: { name: '../x', namespace: 'argocd' } }, 'Application', 'f')).toThrow(
      /metadata.name/,
    );
  });
});

describe('export directory', () => {
  it('writes one file per object, a manifest with checksums, and detects edits', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dr-unit-')), 'out');
    const w = new ExportWriter(dir);
    w.write('prod', 'applications', cleanApplication(app));
    w.write('prod', 'projects', cleanProject({ metadata: { name: 'default' }, spec: {} }));
    const manifest = w.finish();
    expect(manifest).toMatchObject({ files: 2, instances: { prod: { applications: 1, projects: 1 } } });
    expect(readManifest(dir)).toEqual(manifest);
    expect(() => verifyInstanceDir(dir, 'prod', manifest)).not.toThrow();
    const batches = [...readInstanceBatches(dir, 'prod')];
    expect(batches.map((b) => `${b.kind}:${b.objects.length}`)).toEqual(['projects:1', 'applications:1']);
    writeFileSync(join(dir, 'prod/applications/argocd--web.yaml'), 'kind: Application\n');
    expect(() => verifyInstanceDir(dir, 'prod', manifest)).toThrow(ManifestMismatchError);
  });

  it('computes the checksum over sorted sha256sum lines', () => {
    expect(
      checksumOf([
        ['b', '2'],
        ['a', '1'],
      ]),
    ).toBe(
      checksumOf([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
  });
});
