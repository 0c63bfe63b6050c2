/**
 * The export directory on disk: `DIR/<instance>/{applications,projects}/<namespace>--<name>.yaml`
 * and `DIR/manifest.yaml` with counts and checksums. Used by the CLI; memory stays bounded
 * (one page of objects plus one 64-byte hash per file) however many apps an instance holds.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { objectFileName, toYaml, validateObject } from './clean';
import { DrValidationError, ManifestMismatchError } from './errors';
import type { CleanObject, ExportKind, ExportManifest } from './types';

/** Name of the manifest file. */
export const MANIFEST_FILE = 'manifest.yaml';
const KINDS: ExportKind[] = ['projects', 'applications'];

/**
 * The checksum of a set of files: SHA-256 over `<sha256 hex>  <path>\n` lines sorted by path,
 * i.e. over the output of `sha256sum` run on the sorted paths.
 * @param files relative path → SHA-256 hex of the file's bytes
 */
export function checksumOf(files: Iterable<[string, string]>): string {
  const sorted = [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash('sha256');
  for (const [path, sha] of sorted) h.update(`${sha}  ${path}\n`);
  return h.digest('hex');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes an export directory one object at a time, then its manifest. */
export class ExportWriter {
  private readonly hashes = new Map<string, Map<string, string>>();
  private readonly counts = new Map<string, { applications: number; projects: number }>();

  /** @param dir the export directory (created if missing) */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Writes one object as `<instance>/<kind>/<namespace>--<name>.yaml`.
   * @throws DrValidationError when the object is not a clean object of that kind
   */
  write(instance: string, kind: ExportKind, obj: CleanObject): void {
    const clean = validateObject(obj, kind === 'applications' ? 'Application' : 'AppProject', `${instance}/${kind}`);
    const folder = join(this.dir, instance, kind);
    if (!this.hashes.has(instance)) {
      this.hashes.set(instance, new Map());
      this.counts.set(instance, { applications: 0, projects: 0 });
    }
    mkdirSync(folder, { recursive: true });
    const text = toYaml(clean);
    const name = objectFileName(clean);
    writeFileSync(join(folder, name), text);
    this.hashes.get(instance)!.set(`${kind}/${name}`, sha256(text));
    this.counts.get(instance)![kind]++;
  }

  /** Registers an instance that has no objects, so the manifest lists it with zero counts. */
  addInstance(instance: string): void {
    if (!this.hashes.has(instance)) {
      this.hashes.set(instance, new Map());
      this.counts.set(instance, { applications: 0, projects: 0 });
    }
  }

  /** Writes `manifest.yaml` and returns it. */
  finish(): ExportManifest {
    const instances: ExportManifest['instances'] = {};
    const all: Array<[string, string]> = [];
    for (const [instance, files] of [...this.hashes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      instances[instance] = { ...this.counts.get(instance)!, checksum: checksumOf(files) };
      for (const [p, s] of files) all.push([`${instance}/${p}`, s]);
    }
    const manifest: ExportManifest = {
      version: 1,
      tool: 'gitops-sentinel',
      checksumAlgorithm: 'sha256-of-sha256sum-lines',
      files: all.length,
      checksum: checksumOf(all),
      instances,
    };
    writeFileSync(join(this.dir, MANIFEST_FILE), toYaml(manifest));
    return manifest;
  }
}

/**
 * Reads and checks `manifest.yaml`.
 * @throws DrValidationError when it is missing or malformed
 */
export function readManifest(dir: string): ExportManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new DrValidationError(MANIFEST_FILE, `${path} not found: not an export directory`);
  const manifest = yaml.load(readFileSync(path, 'utf8')) as ExportManifest;
  if (!manifest || manifest.version !== 1 || typeof manifest.instances !== 'object' || typeof manifest.checksum !== 'string') {
    throw new DrValidationError(MANIFEST_FILE, `${path}: not a gitops-sentinel export manifest`);
  }
  return manifest;
}

function listYaml(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/**
 * Verifies one instance folder against the manifest: same files, same bytes.
 * @throws ManifestMismatchError naming what differs
 */
export function verifyInstanceDir(dir: string, instance: string, manifest: ExportManifest): void {
  const expected = manifest.instances[instance];
  if (!expected) throw new ManifestMismatchError(`instance ${instance} is not in the manifest (has: ${Object.keys(manifest.instances).join(', ') || 'none'})`);
  const files: Array<[string, string]> = [];
  const counts = { applications: 0, projects: 0 };
  for (const kind of KINDS) {
    for (const f of listYaml(join(dir, instance, kind))) {
      files.push([`${kind}/${f}`, sha256(readFileSync(join(dir, instance, kind, f)))]);
      counts[kind]++;
    }
  }
  if (counts.applications !== expected.applications || counts.projects !== expected.projects) {
    throw new ManifestMismatchError(
      `${instance}: the manifest lists ${expected.applications} applications and ${expected.projects} projects, the folder holds ${counts.applications} ` +
        `and ${counts.projects}`,
    );
  }
  if (checksumOf(files) !== expected.checksum) throw new ManifestMismatchError(`${instance}: checksum mismatch: files were changed since the export`);
}

/**
 * Reads one instance folder in batches (projects first, then applications), each object
 * validated. Memory: one batch at a time.
 * @param batchSize objects per yielded batch
 */
export function* readInstanceBatches(dir: string, instance: string, batchSize = 200): Generator<{ kind: ExportKind; objects: CleanObject[] }> {
  for (const kind of KINDS) {
    const folder = join(dir, instance, kind);
    let batch: CleanObject[] = [];
    for (const f of listYaml(folder)) {
      const where = `${instance}/${kind}/${f}`;
      let value: unknown;
      try {
        value = yaml.load(readFileSync(join(folder, f), 'utf8'));
      } catch (error) {
        throw new DrValidationError(where, `${where}: not valid YAML`, { cause: error });
      }
      batch.push(validateObject(value, kind === 'applications' ? 'Application' : 'AppProject', where));
      if (batch.length >= batchSize) {
        yield { kind, objects: batch };
        batch = [];
      }
    }
    if (batch.length) yield { kind, objects: batch };
  }
}

/**
 * Projects that the exported applications of one instance folder reference but the folder
 * does not hold (an empty `spec.project` is `default`), each with its apps (`namespace/name`).
 * Reads every file once, keeping only names.
 */
export function missingProjects(dir: string, instance: string): Array<{ project: string; apps: string[] }> {
  const have = new Set<string>();
  const wanted = new Map<string, string[]>();
  for (const batch of readInstanceBatches(dir, instance, 500)) {
    for (const obj of batch.objects) {
      if (batch.kind === 'projects') have.add(obj.metadata.name);
      else {
        const p = (obj.spec.project as string | undefined) || 'default';
        const apps = wanted.get(p) ?? [];
        apps.push(`${obj.metadata.namespace}/${obj.metadata.name}`);
        wanted.set(p, apps);
      }
    }
  }
  return [...wanted].filter(([p]) => !have.has(p)).map(([project, apps]) => ({ project, apps }));
}
