/** AppProjects: add, read, list, and `POST /api/v1/projects` semantics. */
import { randomUUID } from 'node:crypto';
import type { V1alpha1AppProject } from '../../functions/lib/argocd/generated/models';
import { clone, deepEqual, SimError, type SimState } from './core';

const DEFAULT_PROJECT_SPEC = { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] };

function normalizeProjectSpec(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}));
}

/** Adds or replaces an AppProject. */
export function addProject(state: SimState, name: string, spec: V1alpha1AppProject['spec'] = {}): V1alpha1AppProject {
  const project: V1alpha1AppProject = {
    metadata: { name, namespace: state.namespace, uid: randomUUID(), resourceVersion: state.nextResourceVersion(), creationTimestamp: state.now().toISOString() },
    spec: { ...clone(DEFAULT_PROJECT_SPEC), ...clone(spec) },
    status: {},
  };
  state.projects.set(name, project);
  for (const sa of state.apps.values()) if (sa.app.spec?.project === name) sa.json = undefined;
  return project;
}

/** One project, or a 404 SimError. */
export function getProject(state: SimState, name: string): V1alpha1AppProject {
  const p = state.projects.get(name);
  if (!p) throw new SimError(5, `appprojects.argoproj.io "${name}" not found`);
  return p;
}

/** Creates a project as `POST /api/v1/projects` does. */
export function createProject(state: SimState, project: V1alpha1AppProject, upsert = false): V1alpha1AppProject {
  const name = project?.metadata?.name;
  if (!name) throw new SimError(3, 'project name is required');
  const existing = state.projects.get(name);
  if (existing && !upsert) {
    if (deepEqual(normalizeProjectSpec(existing.spec), normalizeProjectSpec({ ...DEFAULT_PROJECT_SPEC, ...project.spec }))) return existing;
    throw new SimError(3, 'existing project spec is different, use upsert flag to force update');
  }
  return addProject(state, name, project.spec);
}
