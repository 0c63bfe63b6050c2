/**
 * Server side of `sentinel dr check`: compares exported objects with what an instance holds
 * now, object by object and field by field, in ArgoCD's normal form. Nothing is written to
 * ArgoCD. The CLI sends the export in batches, then the keys of every exported object so the
 * server can name live objects the export lacks. Each call is audited as `dr.checked` with
 * its result.
 */
import type { ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { diffObjects, sameObject, toNormalForm, validateObject } from './clean';
import { DrValidationError } from './errors';
import { keyOf, readLive } from './live';
import type { CheckFinding, CheckRequest, CheckResult, CleanObject } from './types';
import { mapLimit } from '../runtime/concurrency';

/** What the check needs. */
export interface CheckDeps {
  argocd: ArgoCDRegistry;
  auditStore: AuditStore;
}

/** Objects per check call at most. */
export const MAX_CHECK_BATCH = 500;
/** Keys per kind in `expect` at most (a key is `namespace/name`, at most ~500 bytes). */
export const MAX_CHECK_KEYS = 100_000;
const CONCURRENCY = 8;

function keysOf(value: unknown, field: string): Set<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((k) => typeof k !== 'string'))
    throw new DrValidationError(field, `${field} must be a list of namespace/name strings`);
  if (value.length > MAX_CHECK_KEYS) throw new DrValidationError(field, `${field}: at most ${MAX_CHECK_KEYS} keys`);
  return new Set(value as string[]);
}

/**
 * Compares the given objects with the live ones (`different` with a field diff export -> live,
 * `missing` when the instance has none), and, for each kind listed in `expect`, names every
 * live object whose key is not listed (`extra`).
 * @throws DrValidationError unknown instance, a malformed object, or too many objects or keys
 */
export async function checkObjects(deps: CheckDeps, request: CheckRequest, actor: string): Promise<CheckResult> {
  const instance = request?.instance;
  if (typeof instance !== 'string' || !deps.argocd.has(instance)) throw new DrValidationError('instance', `unknown ArgoCD instance "${String(instance)}"`);
  const projects = (request.projects ?? []).map((p, i) => toNormalForm(validateObject(p, 'AppProject', `projects[${i}]`)));
  const applications = (request.applications ?? []).map((a, i) => toNormalForm(validateObject(a, 'Application', `applications[${i}]`)));
  if (projects.length + applications.length > MAX_CHECK_BATCH) throw new DrValidationError('applications', `at most ${MAX_CHECK_BATCH} objects per check call`);
  const expectProjects = keysOf(request.expect?.projects, 'expect.projects');
  const expectApps = keysOf(request.expect?.applications, 'expect.applications');
  const client = deps.argocd.get(instance);

  const compare = async (obj: CleanObject): Promise<CheckFinding | undefined> => {
    const live = await readLive(client, obj);
    const id = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
    if (!live) return { ...id, status: 'missing' };
    return sameObject(obj, live.clean) ? undefined : { ...id, status: 'different', diff: diffObjects(obj, live.clean) };
  };
  const compared = [...(await mapLimit(projects, CONCURRENCY, compare)), ...(await mapLimit(applications, CONCURRENCY, compare))];
  const findings = compared.filter((f): f is CheckFinding => f !== undefined);

  if (expectProjects) {
    for (const p of await client.listProjects()) {
      const key = `${p.metadata?.namespace || client.namespace}/${p.metadata?.name}`;
      if (!expectProjects.has(key))
        findings.push({ kind: 'AppProject', namespace: p.metadata?.namespace || client.namespace, name: p.metadata?.name ?? '', status: 'extra' });
    }
  }
  if (expectApps) {
    // Names only: ArgoCD's list has no paging, so the projection keeps a large instance's answer small.
    for (const a of await client.listApplications({ fields: ['items.metadata.name', 'items.metadata.namespace'] })) {
      const obj = { metadata: { namespace: a.metadata?.namespace || client.namespace, name: a.metadata?.name ?? '' } };
      if (!expectApps.has(keyOf(obj))) findings.push({ kind: 'Application', ...obj.metadata, status: 'extra' });
    }
  }

  const count = (s: CheckFinding['status']) => findings.filter((f) => f.status === s).length;
  const result: CheckResult = {
    instance,
    checked: compared.length,
    same: compared.length - count('different') - count('missing'),
    different: count('different'),
    missing: count('missing'),
    extra: count('extra'),
    findings,
  };
  await deps.auditStore.append({
    kind: 'dr.checked',
    outcome: findings.length ? 'failure' : 'success',
    actor,
    instance,
    message:
      `check of ${result.checked} exported objects against ${instance}: ${result.same} same, ${result.different} different, ${result.missing} ` +
      `missing, ${result.extra} not in the export`,
    details: {
      ...(request.checkId ? { checkId: String(request.checkId).slice(0, 64) } : {}),
      checked: result.checked,
      same: result.same,
      different: result.different,
      missing: result.missing,
      extra: result.extra,
      objects: findings.slice(0, 100).map((f) => `${f.status} ${f.kind} ${f.namespace}/${f.name}`),
    },
  });
  return result;
}
