/**
 * Server side of `sentinel import`: makes an instance hold the exported objects, or with
 * `dryRun` only reports what would change. Projects go first (applications reference them).
 *
 * Each object is read first and compared in ArgoCD's normal form: an equal one is left alone
 * (no write call), so importing the same export again writes nothing. A missing one is
 * created (`POST`, no upsert). A differing one is replaced with `PUT` on what was just read
 * (its `resourceVersion`), so labels, annotations, finalizers and spec all land: `POST` with
 * `upsert` replaces only a project's spec and merges an app's labels and annotations
 * (server/project/project.go `Create`, server/application/application.go `Create`/`updateApp`).
 * A conflict is re-read and retried, at most {@link MAX_WRITE_ATTEMPTS} times. What is
 * reported is what ArgoCD answered the write with (the stored object), and an object ArgoCD
 * stored differently from the export counts as failed. Each call is audited as `dr.imported`.
 */
import {
  ArgoCDBadRequestError,
  ArgoCDConflictError,
  ArgoCDFailedPreconditionError,
  type AppProject,
  type Application,
  type ArgoCDClient,
  type ArgoCDRegistry,
} from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { DROPPED_ANNOTATIONS, diffObjects, sameObject, toNormalForm, validateObject } from './clean';
import { DrValidationError } from './errors';
import { cleanOf, readLive, type LiveObject } from './live';
import type { CleanObject, ImportChange, ImportRequest, ImportResult } from './types';
import { mapLimit } from '../runtime/concurrency';

/** What the import needs. */
export interface ImportDeps {
  argocd: ArgoCDRegistry;
  auditStore: AuditStore;
}

/** Objects per import call at most (the CLI sends batches). */
export const MAX_IMPORT_BATCH = 500;
/** Write attempts per object when ArgoCD reports a conflict (someone else wrote in between). */
export const MAX_WRITE_ATTEMPTS = 5;
/** Objects read or written at once (the client's own concurrency bound still applies). */
const CONCURRENCY = 8;

/** Project names the applications reference (normal form: empty is `default`), with the apps. */
function referencedProjects(applications: CleanObject[]): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  for (const a of applications) {
    const p = (a.spec.project as string | undefined) || 'default';
    const apps = refs.get(p) ?? [];
    apps.push(`${a.metadata.namespace}/${a.metadata.name}`);
    refs.set(p, apps);
  }
  return refs;
}

/**
 * Apps of a batch whose project is neither in the batch nor in the instance: refused before
 * anything is written, naming the projects and (some of) their apps.
 */
async function refuseMissingProjects(client: ArgoCDClient, projects: CleanObject[], applications: CleanObject[]): Promise<void> {
  if (!applications.length) return;
  const refs = referencedProjects(applications);
  for (const p of projects) refs.delete(p.metadata.name);
  if (!refs.size) return;
  for (const p of await client.listProjects()) refs.delete(p.metadata?.name ?? '');
  if (!refs.size) return;
  const names = [...refs].map(([p, apps]) => `${p} (${apps.slice(0, 5).join(', ')}${apps.length > 5 ? `, ${apps.length - 5} more` : ''})`);
  throw new DrValidationError(
    'applications',
    `applications reference projects that are neither in the import nor in instance ${client.name}: ${names.join('; ')}; nothing was written`,
  );
}

/** Metadata to send: the export's labels, annotations and finalizers, plus the target's own dropped annotations. */
function metadataFor(obj: CleanObject, live: LiveObject | undefined): Record<string, unknown> {
  const kept = Object.entries(live?.raw.metadata?.annotations ?? {}).filter(([k]) => DROPPED_ANNOTATIONS.has(k));
  const annotations = { ...Object.fromEntries(kept), ...(obj.metadata.annotations ?? {}) };
  return {
    ...(live ? live.raw.metadata : {}),
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    labels: obj.metadata.labels,
    annotations: Object.keys(annotations).length ? annotations : undefined,
    finalizers: obj.metadata.finalizers,
  };
}

/** Keeps the target's issued-token records of roles that stay (an export has none: they are instance-specific). */
function specFor(obj: CleanObject, live: LiveObject | undefined): Record<string, unknown> {
  if (obj.kind !== 'AppProject' || !live) return obj.spec;
  const tokens = new Map(((live.raw as AppProject).spec?.roles ?? []).filter((r) => r.jwtTokens?.length).map((r) => [r.name, r.jwtTokens]));
  if (!tokens.size || !Array.isArray(obj.spec.roles)) return obj.spec;
  return {
    ...obj.spec,
    roles: (obj.spec.roles as Array<{ name?: string }>).map((r) => (r.name && tokens.has(r.name) ? { ...r, jwtTokens: tokens.get(r.name) } : r)),
  };
}

/** One write: create when there is no live object, else replace the live one. Returns the stored object. */
async function write(client: ArgoCDClient, obj: CleanObject, live: LiveObject | undefined): Promise<AppProject | Application> {
  const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: metadataFor(obj, live), spec: specFor(obj, live) };
  if (obj.kind === 'AppProject') {
    if (!live) return client.createProject(body);
    return client.updateProject({ ...(live.raw as AppProject), ...body });
  }
  // validate=false: the repositories may not be registered yet in a freshly rebuilt ArgoCD.
  if (!live) return client.createApplication(body, { validate: false });
  return client.updateApplication(body, { validate: false, project: (live.clean.spec.project as string | undefined) || 'default' });
}

/**
 * Whether a failed write means someone else wrote the object between our read and our write:
 * a stale `resourceVersion` (409, code 10), or a create that found the object there
 * (code 6, or ArgoCD's "existing ... spec is different" refusal of a create without upsert).
 */
function isRace(error: unknown, creating: boolean): boolean {
  if (error instanceof ArgoCDFailedPreconditionError) return false;
  if (error instanceof ArgoCDConflictError) return true;
  return creating && error instanceof ArgoCDBadRequestError && /existing .*spec is different/i.test(error.message);
}

async function importOne(client: ArgoCDClient, input: CleanObject, dryRun: boolean): Promise<ImportChange> {
  const obj = toNormalForm(input);
  const id = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
  try {
    let live = await readLive(client, obj);
    const before = live?.clean;
    if (before && sameObject(before, obj)) return { ...id, action: 'unchanged' };
    const action: ImportChange['action'] = before ? 'update' : 'create';
    if (dryRun) return { ...id, action, ...(before ? { diff: diffObjects(before, obj) } : {}) };

    let stored: CleanObject | undefined;
    let retries = 0;
    while (!stored) {
      try {
        stored = cleanOf(client, obj.kind, await write(client, obj, live));
      } catch (error) {
        if (!isRace(error, !live)) throw error;
        if (++retries >= MAX_WRITE_ATTEMPTS)
          throw new Error(`gave up after ${MAX_WRITE_ATTEMPTS} conflicting writes: ${(error as Error).message}`, { cause: error });
        // Read again (in any project: a create refused as existing may be an app in another one).
        live = await readLive(client, obj, true);
        if (live && sameObject(live.clean, obj)) stored = live.clean;
      }
    }
    const extra = retries ? { retries } : {};
    if (!sameObject(stored, obj)) {
      return {
        ...id,
        action: 'failed',
        error: 'ArgoCD stored something other than the export holds (diff: export -> stored)',
        diff: diffObjects(obj, stored),
        ...extra,
      };
    }
    return { ...id, action, ...(before ? { diff: diffObjects(before, stored) } : {}), ...extra };
  } catch (error) {
    return { ...id, action: 'failed', error: error instanceof Error ? error.message.slice(0, 300) : 'error' };
  }
}

/**
 * Imports projects, then applications, into one instance.
 * @throws DrValidationError unknown instance, a malformed object, too many objects, or (not
 *   in a dry run) applications whose project is neither in the request nor in the instance
 */
export async function importObjects(deps: ImportDeps, request: ImportRequest, actor: string): Promise<ImportResult> {
  const instance = request?.instance;
  if (typeof instance !== 'string' || !deps.argocd.has(instance)) throw new DrValidationError('instance', `unknown ArgoCD instance "${String(instance)}"`);
  const dryRun = request.dryRun === true;
  const projects = (request.projects ?? []).map((p, i) => toNormalForm(validateObject(p, 'AppProject', `projects[${i}]`)));
  const applications = (request.applications ?? []).map((a, i) => toNormalForm(validateObject(a, 'Application', `applications[${i}]`)));
  if (projects.length + applications.length > MAX_IMPORT_BATCH)
    throw new DrValidationError('applications', `at most ${MAX_IMPORT_BATCH} objects per import call`);
  const client = deps.argocd.get(instance);
  // A dry run cannot know which projects earlier calls of the same import would create; the CLI checks the whole export.
  if (!dryRun) await refuseMissingProjects(client, projects, applications);

  const handle = (obj: CleanObject) => importOne(client, obj, dryRun);
  const changes = [...(await mapLimit(projects, CONCURRENCY, handle)), ...(await mapLimit(applications, CONCURRENCY, handle))];
  const count = (a: ImportChange['action']) => changes.filter((c) => c.action === a).length;
  const result: ImportResult = {
    instance,
    dryRun,
    created: count('create'),
    updated: count('update'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    changes,
  };
  const retried = changes.reduce((n, c) => n + (c.retries ?? 0), 0);
  await deps.auditStore.append({
    kind: 'dr.imported',
    outcome: result.failed ? 'failure' : dryRun ? 'info' : 'success',
    actor,
    instance,
    message:
      `${dryRun ? 'dry run: ' : ''}import into ${instance}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ` +
      `${result.failed} failed`,
    details: {
      dryRun,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      failed: result.failed,
      ...(retried ? { conflictRetries: retried } : {}),
      objects: changes
        .filter((c) => c.action !== 'unchanged')
        .slice(0, 100)
        .map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`),
    },
  });
  return result;
}
