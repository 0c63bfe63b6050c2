/**
 * Turning live Applications and AppProjects into clean, stable objects for export, and
 * comparing them. Clean means: no `status`, no `operation`, none of the metadata the API
 * server manages (uid, resourceVersion, generation, creationTimestamp, managedFields, ...),
 * no `kubectl.kubernetes.io/last-applied-configuration`, no project JWT token records, and
 * the spec in ArgoCD's normal form (`normal-form.ts`), so it is what ArgoCD stores on import.
 * Secrets (repository and cluster credentials) are Kubernetes Secrets, never Applications or
 * AppProjects, so an export cannot contain them.
 */
import yaml from 'js-yaml';
import type { AppProject, Application } from '../argocd/index';
import { canonicalJson } from '../audit/hash-chain';
import { DEFAULT_ARGOCD_NAMESPACE } from '../config/defaults';
import { DrValidationError } from './errors';
import { normalizeApplicationSpec, normalizeProjectSpec } from './normal-form';
import type { CleanObject } from './types';

/** API version of both kinds. */
export const ARGOPROJ_API_VERSION = 'argoproj.io/v1alpha1';
/**
 * Annotations an export leaves out: they record how the instance itself was written to
 * (kubectl's last applied object), not what the object is. Import keeps the target's own.
 */
export const DROPPED_ANNOTATIONS: ReadonlySet<string> = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
/** Kubernetes object names and namespaces (DNS-1123 subdomain), so file names are safe. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function cleanMetadata(meta: Application['metadata'], defaultNamespace: string): CleanObject['metadata'] {
  const out: CleanObject['metadata'] = { name: meta?.name ?? '', namespace: meta?.namespace || defaultNamespace };
  if (meta?.labels && Object.keys(meta.labels).length) out.labels = { ...meta.labels };
  const annotations = Object.fromEntries(Object.entries(meta?.annotations ?? {}).filter(([k]) => !DROPPED_ANNOTATIONS.has(k)));
  if (Object.keys(annotations).length) out.annotations = annotations;
  if (meta?.finalizers?.length) out.finalizers = [...meta.finalizers];
  return out;
}

/** Plain JSON copy without `undefined` members (so YAML and comparisons are stable). */
function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * A clean Application: apiVersion, kind, metadata (name, namespace, labels, annotations,
 * finalizers) and the spec in ArgoCD's normal form.
 * @param defaultNamespace namespace for an app whose `metadata.namespace` is empty (the instance's)
 */
export function cleanApplication(app: Application, defaultNamespace = DEFAULT_ARGOCD_NAMESPACE): CleanObject {
  return {
    apiVersion: ARGOPROJ_API_VERSION,
    kind: 'Application',
    metadata: cleanMetadata(app.metadata, defaultNamespace),
    spec: normalizeApplicationSpec(plain((app.spec ?? {}) as Record<string, unknown>)),
  };
}

/**
 * A clean AppProject, spec in ArgoCD's normal form; `spec.roles[].jwtTokens` (issued-token
 * records, instance-specific) are dropped.
 */
export function cleanProject(project: AppProject, defaultNamespace = DEFAULT_ARGOCD_NAMESPACE): CleanObject {
  const spec = plain((project.spec ?? {}) as Record<string, unknown> & { roles?: Array<Record<string, unknown>> });
  if (Array.isArray(spec.roles)) spec.roles = spec.roles.map(({ jwtTokens: _dropped, ...role }) => role);
  return {
    apiVersion: ARGOPROJ_API_VERSION,
    kind: 'AppProject',
    metadata: cleanMetadata(project.metadata, defaultNamespace),
    spec: normalizeProjectSpec(spec),
  };
}

/**
 * A validated object from a file or request in the same clean normal form as an export
 * (an export written before the normal form existed, or edited by hand, compares equal to
 * what ArgoCD will store).
 */
export function toNormalForm(obj: CleanObject): CleanObject {
  return obj.kind === 'Application' ? cleanApplication(obj, obj.metadata.namespace) : cleanProject(obj, obj.metadata.namespace);
}

/** File name of an object inside its kind folder: `<namespace>--<name>.yaml`. */
export function objectFileName(obj: Pick<CleanObject, 'metadata'>): string {
  return `${obj.metadata.namespace}--${obj.metadata.name}.yaml`;
}

/** The stable YAML of an object: keys sorted at every depth, no line folding, no anchors. */
export function toYaml(obj: unknown): string {
  return yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/**
 * Checks that a value read from a file or a request body is a clean object of the expected kind.
 * @param where names the file or parameter in the error
 * @throws DrValidationError naming `where`
 */
export function validateObject(value: unknown, kind: CleanObject['kind'], where: string): CleanObject {
  const obj = value as CleanObject;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new DrValidationError(where, `${where}: expected an ${kind} object`);
  if (obj.kind !== kind) throw new DrValidationError(where, `${where}: kind must be ${kind}, got ${JSON.stringify(obj.kind)}`);
  if (obj.apiVersion !== ARGOPROJ_API_VERSION) throw new DrValidationError(where, `${where}: apiVersion must be ${ARGOPROJ_API_VERSION}`);
  const name = obj.metadata?.name;
  const namespace = obj.metadata?.namespace;
  if (typeof name !== 'string' || !K8S_NAME.test(name)) throw new DrValidationError(where, `${where}: metadata.name must be a Kubernetes object name`);
  if (typeof namespace !== 'string' || !K8S_NAME.test(namespace))
    throw new DrValidationError(where, `${where}: metadata.namespace must be a Kubernetes namespace`);
  if (!obj.spec || typeof obj.spec !== 'object' || Array.isArray(obj.spec)) throw new DrValidationError(where, `${where}: spec must be an object`);
  return obj;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Field-level differences from `before` to `after` as readable lines:
 * `~ spec.source.targetRevision: "main" -> "v2"`, `+ path: value`, `- path: value`.
 * Arrays compare as a whole. At most `max` lines (then a final `... N more`).
 */
export function diffObjects(before: unknown, after: unknown, max = 50): string[] {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
      const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (a === undefined && b === undefined) return;
    if (a === undefined) lines.push(`+ ${path}: ${show(b)}`);
    else if (b === undefined) lines.push(`- ${path}: ${show(a)}`);
    else if (canonicalJson(a) !== canonicalJson(b)) lines.push(`~ ${path}: ${show(a)} -> ${show(b)}`);
  };
  walk(before, after, '');
  return lines.length > max ? [...lines.slice(0, max), `... ${lines.length - max} more`] : lines;
}

/** Whether two clean objects are the same (canonical JSON). */
export function sameObject(a: CleanObject, b: CleanObject): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
