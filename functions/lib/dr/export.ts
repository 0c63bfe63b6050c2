/**
 * Server side of `sentinel export`: one page of clean objects per call, so the response stays
 * far below API Gateway's 6 MB payload limit and the CLI writes each page to disk as it arrives.
 * ArgoCD's list call has no paging; the clean, sorted listing is kept in memory for a short time
 * (per warm Lambda container), so the following pages do not list the instance again.
 */
import { randomUUID } from 'node:crypto';
import type { ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { cleanApplication, cleanProject, objectFileName } from './clean';
import { DrValidationError } from './errors';
import type { CleanObject, ExportKind, ExportPage } from './types';

/** What the export needs. */
export interface ExportDeps {
  argocd: ArgoCDRegistry;
  auditStore: AuditStore;
}

/** Options of {@link exportPage}. */
export interface ExportPageOptions {
  instance: string;
  kind: ExportKind;
  /** @default 0 */
  offset?: number;
  /** Objects per page, at most {@link MAX_EXPORT_PAGE}. @default 500 */
  limit?: number;
  /** Snapshot id from the first page; when it is still cached, the page is cut from it. */
  snapshot?: string;
  /** Caller identity, for the `dr.exported` record (written on the first page). */
  actor: string;
}

/** Largest export page (about 1 KB per clean app keeps 1000 well below 6 MB). */
export const MAX_EXPORT_PAGE = 1000;
/** How long a listing is reused for the following pages. */
export const SNAPSHOT_TTL_MS = 120_000;

interface Snapshot {
  id: string;
  at: number;
  items: CleanObject[];
}

const snapshots = new Map<string, Snapshot>();

async function listClean(argocd: ArgoCDRegistry, instance: string, kind: ExportKind): Promise<CleanObject[]> {
  const client = argocd.get(instance);
  const items =
    kind === 'applications'
      ? (await client.listApplications()).map((a) => cleanApplication(a, client.namespace))
      : (await client.listProjects()).map((p) => cleanProject(p, client.namespace));
  // File order = sort order, so pages are stable and the CLI can write them as they come.
  const keyed = items.map((o) => [objectFileName(o), o] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, o]) => o);
}

/**
 * One page of an instance's Applications or AppProjects, clean (see `clean.ts`), sorted by
 * `<namespace>--<name>`. The first page (offset 0) is audited as `dr.exported`.
 * @throws DrValidationError unknown instance or bad paging parameters
 */
export async function exportPage(deps: ExportDeps, options: ExportPageOptions): Promise<ExportPage> {
  const { instance, kind } = options;
  if (!deps.argocd.has(instance)) throw new DrValidationError('instance', `unknown ArgoCD instance "${instance}"`);
  const offset = options.offset ?? 0;
  const limit = Math.min(MAX_EXPORT_PAGE, options.limit ?? 500);
  const key = `${instance}\0${kind}`;
  const now = Date.now();
  for (const [k, s] of snapshots) if (now - s.at > SNAPSHOT_TTL_MS) snapshots.delete(k);
  let snap = snapshots.get(key);
  if (!snap || offset === 0 || (options.snapshot && options.snapshot !== snap.id)) {
    snap = { id: randomUUID(), at: now, items: await listClean(deps.argocd, instance, kind) };
    snapshots.set(key, snap);
  }
  if (offset === 0) {
    await deps.auditStore.append({
      kind: 'dr.exported',
      outcome: 'success',
      actor: options.actor,
      instance,
      message: `export of ${snap.items.length} ${kind} of instance ${instance} started`,
      details: { objectKind: kind, total: snap.items.length, snapshot: snap.id },
    });
  }
  const items = snap.items.slice(offset, offset + limit);
  const page: ExportPage = { instance, kind, total: snap.items.length, offset, snapshot: snap.id, items };
  if (offset + items.length < snap.items.length) page.next = offset + items.length;
  return page;
}

/** Forgets cached listings (tests). */
export function clearExportSnapshots(): void {
  snapshots.clear();
}
