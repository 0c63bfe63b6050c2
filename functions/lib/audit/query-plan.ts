/**
 * Turning an `AuditQuery` into one access path plus filters, shared by the adapters so
 * that they page, bound and filter identically.
 */
import { appKey, fingerprint, normalizeTs, type RecordSettings } from './records';
import { canonicalJson } from './hash-chain';
import type { AuditQuery, AuditRecord } from './types';

/** Projects a scoped time-range query merges at most; more are filtered on the by-day path. */
export const MAX_MERGED_PROJECTS = 25;

/** Default page size. */
export const DEFAULT_LIMIT = 50;
/** Largest page size; larger requests are capped. */
export const MAX_LIMIT = 1000;
/** Days the by-day path looks back when the query gives no `from`. */
export const DEFAULT_QUERY_DAYS = 7;

/**
 * The access paths, each one GSI. `project` is the time range of a caller scoped to some
 * projects: one partition per project and day, merged newest first.
 */
export type AccessPath = 'delivery' | 'revision' | 'app' | 'day' | 'project';

/** Record attributes a query may filter on beyond its key. */
export type FilterField = 'kind' | 'instance' | 'namespace' | 'app' | 'revision';

/** A normalised query. */
export interface QueryPlan {
  path: AccessPath;
  /** Partition key value: delivery id, revision or app key; for `day`, unset (one partition per day). */
  key?: string;
  /** Inclusive lower bound (normalised ISO), if any. For `day` always set. */
  from?: string;
  /** Inclusive upper bound (normalised ISO), if any. For `day` always set. */
  to?: string;
  /** Equality filters not covered by the key. */
  filters: Partial<Record<FilterField, string>>;
  /** Membership filters (the caller's scope): the record's attribute must be one of the values. */
  within: { project?: string[]; instance?: string[] };
  /** For `project`: the projects whose partitions are merged. */
  projects?: string[];
  limit: number;
  /** Binds cursors to this plan. */
  fingerprint: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Chooses the access path: `deliveryId`, else `revision`, else `app` (with its instance
 * and namespace, defaulted like records are), else the time range across apps. Every
 * other given field becomes a filter, so no filter is ever silently ignored.
 * A date-only `to` (`2024-05-01`) means the end of that UTC day.
 * @throws TypeError on a bad limit or timestamp
 */
export function planQuery(
  query: AuditQuery,
  now: Date,
  settings: Pick<RecordSettings, 'defaultInstance' | 'defaultNamespace'>,
  defaultDays = DEFAULT_QUERY_DAYS,
): QueryPlan {
  const q = query ?? {};
  const limitIn = q.limit ?? DEFAULT_LIMIT;
  if (typeof limitIn !== 'number' || !Number.isFinite(limitIn) || limitIn < 1) throw new TypeError('[gitops-sentinel/audit] limit must be a number >= 1');
  const limit = Math.min(MAX_LIMIT, Math.floor(limitIn));
  let from = q.from ? normalizeTs(q.from, 'from') : undefined;
  let to = q.to ? normalizeTs(DATE_ONLY.test(q.to) ? `${q.to}T23:59:59.999Z` : q.to, 'to') : undefined;
  // Cursors bind the bounds as given: a defaulted `to` (now) moves between two pages, and the
  // cursor's position already keeps the next page before where the last one ended.
  const given = { from, to };

  const filters: QueryPlan['filters'] = {};
  const pick = (...fields: FilterField[]) => {
    for (const f of fields) {
      const v = q[f];
      if (v !== undefined && v !== '') filters[f] = v;
    }
  };
  let path: AccessPath;
  let key: string | undefined;
  if (q.deliveryId) {
    path = 'delivery';
    key = q.deliveryId;
    pick('kind', 'instance', 'namespace', 'app', 'revision');
  } else if (q.revision) {
    path = 'revision';
    key = q.revision;
    pick('kind', 'instance', 'namespace', 'app');
  } else if (q.app) {
    path = 'app';
    key = appKey(q.instance || settings.defaultInstance, q.namespace || settings.defaultNamespace, q.app);
    pick('kind');
  } else {
    to ??= now.toISOString();
    from ??= new Date(Date.parse(to) - defaultDays * 86_400_000).toISOString();
    pick('kind', 'instance', 'namespace');
    const scoped = q.within?.projects;
    // A caller scoped to a few projects reads their partitions instead of filtering every day's
    // records: one project out of 50 would otherwise read 50 records for each one returned.
    path = scoped && scoped.length <= MAX_MERGED_PROJECTS ? 'project' : 'day';
  }
  const within: QueryPlan['within'] = {};
  if (q.within?.projects) within.project = [...new Set(q.within.projects)].sort();
  if (q.within?.instances) within.instance = [...new Set(q.within.instances)].sort();
  const projects = path === 'project' ? within.project : undefined;
  // The project path's key already restricts the project.
  if (path === 'project') delete within.project;
  const fp = fingerprint(canonicalJson({ path, key, from: given.from, to: given.to, filters, within, projects, binding: q.binding ?? '' }));
  return { path, key, from, to, filters, within, ...(projects ? { projects } : {}), limit, fingerprint: fp };
}

/** True when a record passes a plan's membership filters (`within`, and `projects` of the project path). */
export function withinPlan(record: AuditRecord, plan: QueryPlan): boolean {
  if (plan.within.project && !(record.project !== undefined && plan.within.project.includes(record.project))) return false;
  if (plan.within.instance && !(record.instance !== undefined && plan.within.instance.includes(record.instance))) return false;
  if (plan.projects && !(record.project !== undefined && plan.projects.includes(record.project))) return false;
  return true;
}

/** True when a record passes a plan's filters and bounds (used by in-memory adapters and tests). */
export function matchesPlan(record: AuditRecord, plan: QueryPlan): boolean {
  if (plan.from && record.ts < plan.from) return false;
  if (plan.to && record.ts > plan.to) return false;
  for (const [field, value] of Object.entries(plan.filters)) {
    if (record[field as FilterField] !== value) return false;
  }
  if (!withinPlan(record, plan)) return false;
  switch (plan.path) {
    case 'delivery':
      return record.deliveryId === plan.key;
    case 'revision':
      return record.revision === plan.key;
    case 'app':
      return record.app !== undefined && appKey(record.instance ?? '', record.namespace ?? '', record.app) === plan.key;
    default:
      return true;
  }
}
