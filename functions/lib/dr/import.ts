/**
 * Server side of `sentinel import`: recreates clean objects in an instance with upsert, or
 * with `dryRun` only reports what would change. Projects go first (applications reference
 * them). Each call is audited as one `dr.imported` record.
 */
import { ArgoCDForbiddenError, ArgoCDNotFoundError, type AppProject, type Application, type ArgoCDClient, type ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { cleanApplication, cleanProject, diffObjects, sameObject, validateObject } from './clean';
import { DrValidationError } from './errors';
import type { CleanObject, ImportChange, ImportRequest, ImportResult } from './types';

/** What the import needs. */
export interface ImportDeps {
  argocd: ArgoCDRegistry;
  auditStore: AuditStore;
}

/** Objects per import call at most (the CLI sends batches). */
export const MAX_IMPORT_BATCH = 500;
/** Objects read or written at once (the client's own concurrency bound still applies). */
const CONCURRENCY = 8;

async function existingOf(client: ArgoCDClient, obj: CleanObject): Promise<CleanObject | undefined> {
  try {
    if (obj.kind === 'AppProject') return cleanProject(await client.getProject(obj.metadata.name), client.namespace);
    const app = await client.getApplication(
      { instance: client.name, namespace: obj.metadata.namespace, name: obj.metadata.name },
      { project: (obj.spec.project as string | undefined) || 'default' },
    );
    return cleanApplication(app, client.namespace);
  } catch (error) {
    // With a project, ArgoCD answers 404 for an unknown app (or one in another project).
    if (error instanceof ArgoCDNotFoundError || error instanceof ArgoCDForbiddenError) return undefined;
    throw error;
  }
}

async function apply(client: ArgoCDClient, obj: CleanObject): Promise<void> {
  if (obj.kind === 'AppProject') {
    await client.createProject(obj as unknown as AppProject, { upsert: true });
  } else {
    // validate=false: the repositories may not be registered yet in a freshly rebuilt ArgoCD.
    await client.createApplication(obj as unknown as Application, { upsert: true, validate: false });
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Imports (upserts) projects, then applications, into one instance.
 * @throws DrValidationError unknown instance, a malformed object or too many objects
 */
export async function importObjects(deps: ImportDeps, request: ImportRequest, actor: string): Promise<ImportResult> {
  const instance = request?.instance;
  if (typeof instance !== 'string' || !deps.argocd.has(instance)) throw new DrValidationError('instance', `unknown ArgoCD instance "${String(instance)}"`);
  const dryRun = request.dryRun === true;
  const projects = (request.projects ?? []).map((p, i) => validateObject(p, 'AppProject', `projects[${i}]`));
  const applications = (request.applications ?? []).map((a, i) => validateObject(a, 'Application', `applications[${i}]`));
  if (projects.length + applications.length > MAX_IMPORT_BATCH) throw new DrValidationError('applications', `at most ${MAX_IMPORT_BATCH} objects per import call`);
  const client = deps.argocd.get(instance);

  const handle = async (obj: CleanObject): Promise<ImportChange> => {
    const id = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
    try {
      const existing = await existingOf(client, obj);
      const action: ImportChange['action'] = !existing ? 'create' : sameObject(existing, obj) ? 'unchanged' : 'update';
      if (!dryRun && action !== 'unchanged') await apply(client, obj);
      return { ...id, action, ...(action === 'update' ? { diff: diffObjects(existing, obj) } : {}) };
    } catch (error) {
      return { ...id, action: 'failed', error: error instanceof Error ? error.message.slice(0, 300) : 'error' };
    }
  };
  const changes = [...(await mapLimited(projects, CONCURRENCY, handle)), ...(await mapLimited(applications, CONCURRENCY, handle))];
  const count = (a: ImportChange['action']) => changes.filter((c) => c.action === a).length;
  const result: ImportResult = { instance, dryRun, created: count('create'), updated: count('update'), unchanged: count('unchanged'), failed: count('failed'), changes };
  await deps.auditStore.append({
    kind: 'dr.imported',
    outcome: result.failed ? 'failure' : dryRun ? 'info' : 'success',
    actor,
    instance,
    message: `${dryRun ? 'dry run: ' : ''}import into ${instance}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.failed} failed`,
    details: {
      dryRun,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      failed: result.failed,
      objects: changes.filter((c) => c.action !== 'unchanged').slice(0, 100).map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`),
    },
  });
  return result;
}
