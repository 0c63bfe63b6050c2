/**
 * Field-level diff of ArgoCD's managed-resources states. ArgoCD sends each state as a
 * JSON string; we compare `normalizedLiveState` (or `liveState`) with
 * `predictedLiveState` (or `targetState`) and keep paths plus short values, except for
 * Secrets, whose values are never kept: only the paths that differ.
 */
import type { ResourceDiff } from '../argocd/index';
import type { FieldDiff, ResourceDrift } from './types';

/** Limits that keep a state item far below DynamoDB's 400 KB. */
export const DIFF_LIMITS = {
  /** Fields kept per resource. */
  maxFields: 20,
  /** Characters kept per value. */
  maxValueChars: 120,
  /** Resources kept per app. */
  maxResources: 25,
} as const;

/** Kinds whose values must never be stored (Secret data is base64, not encryption). */
const SECRET_KINDS = new Set(['Secret']);

/** Set by the API server or the cluster, never by Git: not drift. */
const IGNORED_PATHS = new Set([
  'status',
  'metadata.managedFields',
  'metadata.resourceVersion',
  'metadata.uid',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.selfLink',
  'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
]);

/** Whether a resource kind is a Secret (values never stored). */
export function isSecretKind(kind: string | undefined): boolean {
  return !!kind && SECRET_KINDS.has(kind);
}

function parseState(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function keyPath(base: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  return s.length > DIFF_LIMITS.maxValueChars ? `${s.slice(0, DIFF_LIMITS.maxValueChars)}…` : s;
}

/**
 * Paths where `live` and `desired` differ. With `oneSided`, only paths present in
 * `desired` count (comparing against the raw `targetState`, where the live object
 * carries defaulted fields Git never set).
 * @returns `[path, live, desired]` triples, at most `limit` of them
 */
export function diffValues(live: unknown, desired: unknown, options: { oneSided?: boolean; limit?: number } = {}): Array<[string, unknown, unknown]> {
  const out: Array<[string, unknown, unknown]> = [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length > limit) return;
    if (IGNORED_PATHS.has(path)) return;
    // An object on one side only is walked too, so the paths name leaves (`data.password`).
    const objA = isObject(a) || (a === undefined && isObject(b));
    const objB = isObject(b) || (b === undefined && isObject(a));
    if (objA && objB) {
      const ra = a ?? {};
      const rb = b ?? {};
      const keys = new Set([...Object.keys(rb), ...(options.oneSided ? [] : Object.keys(ra))]);
      for (const k of [...keys].sort()) walk(ra[k], rb[k], keyPath(path, k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`));
      return;
    }
    if (b === undefined && options.oneSided) return;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push([path || '.', a, b]);
  };
  walk(live, desired, '');
  return out;
}

/**
 * Turns one managed-resources item into a {@link ResourceDrift}, or `undefined` when live
 * and desired agree. Secrets keep paths only.
 */
export function resourceDriftOf(item: ResourceDiff): ResourceDrift | undefined {
  const kind = item.kind ?? '';
  const normalized = parseState(item.normalizedLiveState);
  const live = normalized !== undefined ? normalized : parseState(item.liveState);
  const predicted = parseState(item.predictedLiveState);
  const desired = predicted !== undefined && predicted !== null ? predicted : parseState(item.targetState);
  const base = { ...(item.group ? { group: item.group } : {}), kind, ...(item.namespace ? { namespace: item.namespace } : {}), name: item.name ?? '' };
  if (item.hook) return undefined;
  if ((live === null || live === undefined) && desired !== null && desired !== undefined) return { ...base, change: 'missing', fields: [] };
  if ((desired === null || desired === undefined) && live !== null && live !== undefined) return { ...base, change: 'extra', fields: [] };
  if (item.modified === false) return undefined;
  const oneSided = predicted === undefined || predicted === null;
  const triples = diffValues(live, desired, { oneSided, limit: DIFF_LIMITS.maxFields });
  if (!triples.length) return item.modified ? { ...base, change: 'modified', fields: [] } : undefined;
  const secret = isSecretKind(kind);
  const fields: FieldDiff[] = triples.slice(0, DIFF_LIMITS.maxFields).map(([path, a, b]) =>
    // A Secret's values are never stored, not even truncated: base64 is not encryption.
    secret ? { path } : { path, ...(a !== undefined ? { live: short(a) } : {}), ...(b !== undefined ? { desired: short(b) } : {}) },
  );
  return { ...base, change: 'modified', fields, ...(triples.length > DIFF_LIMITS.maxFields ? { fieldsTruncated: true } : {}) };
}
