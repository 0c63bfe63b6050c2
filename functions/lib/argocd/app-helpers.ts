/** Small pure helpers over the Application shape that every caller needs. */
import type { AppRef, Application, ApplicationSource } from './types';

/**
 * The {@link AppRef} of an Application listed from `instance`.
 * @param defaultNamespace namespace to assume when `metadata.namespace` is empty
 */
export function appRefOf(instance: string, app: Application, defaultNamespace = 'argocd'): AppRef {
  return { instance, namespace: app.metadata?.namespace || defaultNamespace, name: app.metadata?.name ?? '' };
}

/** `spec.sources` for multi-source apps, else `[spec.source]`, else `[]`. */
export function sourcesOf(app: Application): ApplicationSource[] {
  if (app.spec?.sources?.length) return app.spec.sources;
  return app.spec?.source ? [app.spec.source] : [];
}

/** True while an operation runs (`status.operationState.phase` is `Running` or `Terminating`). */
export function isOperationRunning(app: Application): boolean {
  const phase = app.status?.operationState?.phase;
  return phase === 'Running' || phase === 'Terminating';
}
