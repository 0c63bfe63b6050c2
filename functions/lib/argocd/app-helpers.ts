/**
 * Small pure helpers over the Application shape that every caller needs. No client imports:
 * the simulator and the matching module use these without bundling the client.
 */
import { DEFAULT_ARGOCD_NAMESPACE } from '../config/defaults';
import type { AppRef, Application, ApplicationSource } from './types';

/**
 * The {@link AppRef} of an Application listed from `instance`.
 * @param defaultNamespace namespace to assume when `metadata.namespace` is empty
 */
export function appRefOf(instance: string, app: Application, defaultNamespace = DEFAULT_ARGOCD_NAMESPACE): AppRef {
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

/**
 * The part of an Application the auto-sync helpers read. Structural, so the matching module's
 * own Application shape and the simulator's fit as well as the client's.
 */
export interface SyncPolicyHolder {
  spec?: { syncPolicy?: { automated?: AutomatedPolicy | null } | null } | null;
}

/** `spec.syncPolicy.automated` as ArgoCD stores it (only the fields read here are named). */
export interface AutomatedPolicy {
  /** `false` turns auto-sync off while keeping the rest of the block ("Enable allows apps to explicitly control automated sync", swagger). */
  enabled?: boolean;
  selfHeal?: boolean;
  prune?: boolean;
}

/**
 * `spec.syncPolicy.automated` when auto-sync is on, else undefined. On means the block is
 * present and not `enabled: false` (an absent `enabled` means on).
 */
export function autoSyncPolicy<P extends AutomatedPolicy>(app: { spec?: { syncPolicy?: { automated?: P | null } | null } | null }): P | undefined {
  const automated = app.spec?.syncPolicy?.automated;
  return automated && automated.enabled !== false ? automated : undefined;
}

/** Whether auto-sync is on (see {@link autoSyncPolicy}). */
export function isAutoSyncOn(app: SyncPolicyHolder): boolean {
  return autoSyncPolicy(app) !== undefined;
}

/** Whether ArgoCD's own self-heal repairs live drift: auto-sync on with `selfHeal: true`. */
export function hasSelfHeal(app: SyncPolicyHolder): boolean {
  return autoSyncPolicy(app)?.selfHeal === true;
}
