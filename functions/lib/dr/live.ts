/**
 * Reading the live counterpart of an exported object, shared by import and check, and
 * small helpers both use.
 */
import { ArgoCDForbiddenError, ArgoCDNotFoundError, type AppProject, type Application, type ArgoCDClient } from '../argocd/index';
import { cleanApplication, cleanProject } from './clean';
import type { CleanObject } from './types';

/** An object as ArgoCD holds it: the raw answer (with `resourceVersion`) and its clean form. */
export interface LiveObject {
  raw: AppProject | Application;
  clean: CleanObject;
}

/** The clean form of what ArgoCD answered for an object of `kind`. */
export function cleanOf(client: ArgoCDClient, kind: CleanObject['kind'], raw: AppProject | Application): CleanObject {
  return kind === 'AppProject' ? cleanProject(raw as AppProject, client.namespace) : cleanApplication(raw as Application, client.namespace);
}

/**
 * The live object with the same kind, namespace and name, or undefined when there is none.
 * An app is read with its exported project, so an unknown app is a 404 rather than the 403
 * ArgoCD gives without one; `anyProject` reads without it (an app that exists in another
 * project, which ArgoCD answers 404 for when asked with the exported one).
 */
export async function readLive(client: ArgoCDClient, obj: CleanObject, anyProject = false): Promise<LiveObject | undefined> {
  try {
    const raw =
      obj.kind === 'AppProject'
        ? await client.getProject(obj.metadata.name)
        : await client.getApplication(
            { instance: client.name, namespace: obj.metadata.namespace, name: obj.metadata.name },
            anyProject ? {} : { project: (obj.spec.project as string | undefined) || 'default' },
          );
    return { raw, clean: cleanOf(client, obj.kind, raw) };
  } catch (error) {
    if (error instanceof ArgoCDNotFoundError || error instanceof ArgoCDForbiddenError) return undefined;
    throw error;
  }
}

/** `namespace/name`, how objects of one kind are keyed. */
export function keyOf(obj: Pick<CleanObject, 'metadata'>): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}
