/**
 * AppProjects: add (as `kubectl apply` would: stored as given), read, list, and the API's
 * write calls with ArgoCD's semantics (argoproj/argo-cd server/project/project.go):
 * - `POST /api/v1/projects` (`Create`): normalises the spec (role policies, sync window
 *   time zones), creates with the request's metadata; for an existing project, without
 *   `upsert` an equal spec returns it and a different one is refused, with `upsert` only the
 *   spec is replaced (`existing.Spec = q.GetProject().Spec`): labels, annotations and
 *   finalizers of the request are ignored;
 * - `PUT /api/v1/projects/{name}` (`Update`): normalises, then hands the whole object to
 *   Kubernetes, which checks `metadata.resourceVersion` (missing: 400 code 3; stale: 409 code
 *   10, as `kubeErrToGRPC` in util/grpc/errors.go maps Invalid and Conflict) and stores
 *   metadata, spec and status (the AppProject CRD has no status subresource).
 * The normal form is the one `functions/lib/dr/normal-form.ts` documents with its sources.
 */
import { randomUUID } from 'node:crypto';
import type { V1alpha1AppProject, V1alpha1AppProjectSpec, V1ObjectMeta } from '../../functions/lib/argocd/generated/models';
import { normalizeProjectSpec } from '../../functions/lib/dr/normal-form';
import { clone, deepEqual, forgetJson, SimError, type SimState } from './core';

/** What ArgoCD creates its `default` project with. */
const DEFAULT_PROJECT_SPEC = { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] };

/** Metadata a writer may set on a project. */
export interface ProjectMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

function userMetadata(meta: ProjectMetadata | undefined): ProjectMetadata {
  return {
    ...(meta?.labels && Object.keys(meta.labels).length ? { labels: clone(meta.labels) } : {}),
    ...(meta?.annotations && Object.keys(meta.annotations).length ? { annotations: clone(meta.annotations) } : {}),
    ...(meta?.finalizers?.length ? { finalizers: clone(meta.finalizers) } : {}),
  };
}

function touched(state: SimState, name: string): void {
  for (const sa of state.apps.values()) if (sa.app.spec?.project === name) forgetJson(sa);
}

function store(
  state: SimState,
  name: string,
  spec: V1alpha1AppProjectSpec,
  meta: ProjectMetadata | undefined,
  status: V1alpha1AppProject['status'] = {},
): V1alpha1AppProject {
  const project: V1alpha1AppProject = {
    metadata: {
      name,
      namespace: state.namespace,
      uid: randomUUID(),
      resourceVersion: state.nextResourceVersion(),
      creationTimestamp: state.now().toISOString(),
      ...userMetadata(meta),
    },
    spec: clone(spec),
    status: clone(status),
  };
  state.projects.set(name, project);
  touched(state, name);
  return project;
}

/**
 * Adds or replaces an AppProject as `kubectl apply` would: spec and metadata stored as given,
 * without the API's normalisation. `defaults` fills in the spec ArgoCD gives its `default`
 * project (used for `default` and for projects a seed app names without declaring them).
 */
export function addProject(state: SimState, name: string, spec: V1alpha1AppProjectSpec = {}, meta?: ProjectMetadata, defaults = true): V1alpha1AppProject {
  return store(state, name, { ...(defaults ? clone(DEFAULT_PROJECT_SPEC) : {}), ...clone(spec) }, meta);
}

/** One project, or a 404 SimError. */
export function getProject(state: SimState, name: string): V1alpha1AppProject {
  const p = state.projects.get(name);
  if (!p) throw new SimError(5, `appprojects.argoproj.io "${name}" not found`);
  return p;
}

function normalized(spec: V1alpha1AppProjectSpec | undefined): V1alpha1AppProjectSpec {
  return normalizeProjectSpec(clone((spec ?? {}) as Record<string, unknown>));
}

/** `POST /api/v1/projects` (see the module comment). */
export function createProject(state: SimState, project: V1alpha1AppProject, upsert = false): V1alpha1AppProject {
  if (!project || typeof project !== 'object') throw new SimError(3, "missing payload 'project' in request");
  const name = project.metadata?.name;
  if (!name) throw new SimError(3, 'project name is required');
  const spec = normalized(project.spec);
  const existing = state.projects.get(name);
  if (!existing) return store(state, name, spec, project.metadata);
  if (!upsert) {
    if (deepEqual(existing.spec, spec)) return existing;
    throw new SimError(3, 'existing project spec is different; use upsert flag to force update');
  }
  existing.spec = spec;
  existing.metadata!.resourceVersion = state.nextResourceVersion();
  touched(state, name);
  return existing;
}

/** `PUT /api/v1/projects/{name}`, body `{project}` (see the module comment). */
export function updateProject(state: SimState, name: string, project: V1alpha1AppProject): V1alpha1AppProject {
  if (!project || typeof project !== 'object') throw new SimError(3, "missing payload 'project' in request");
  // grpc-gateway fills project.metadata.name from the path.
  const existing = getProject(state, name);
  const meta = project.metadata ?? {};
  if (!meta.resourceVersion)
    throw new SimError(3, `appprojects.argoproj.io "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`);
  if (meta.resourceVersion !== existing.metadata?.resourceVersion) {
    throw new SimError(
      10,
      `Operation cannot be fulfilled on appprojects.argoproj.io "${name}": the object has been modified; please apply your changes to the latest version ` +
        `and try again`,
    );
  }
  const updated: V1alpha1AppProject = {
    metadata: { ...existing.metadata, ...userMetadataReplacing(meta), resourceVersion: state.nextResourceVersion() },
    spec: normalized(project.spec),
    status: clone(project.status ?? {}),
  };
  state.projects.set(name, updated);
  touched(state, name);
  return updated;
}

/** The writer's labels, annotations and finalizers, each absent one removed (an update replaces the object). */
function userMetadataReplacing(meta: V1ObjectMeta): V1ObjectMeta {
  const m = userMetadata(meta);
  return { labels: m.labels, annotations: m.annotations, finalizers: m.finalizers };
}
