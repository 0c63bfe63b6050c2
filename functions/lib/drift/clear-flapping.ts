/**
 * The human side of flapping: an app that drifted again right after a repair is marked
 * `flapping` and left alone by the scan until someone has looked at it. `clearFlapping`
 * is that someone saying so: the mark goes, the next scan treats the app like any other
 * drifted app again (cooldown included), and the audit trail records who cleared it.
 */
import type { AuditStore } from '../audit/audit-store';
import type { AppRef } from '../matching/types';
import { RESOLVED_TTL_SECONDS, shownState, type DriftStateStore } from './state-store';
import type { AppDriftState } from './types';

/** What {@link clearFlapping} needs. */
export interface ClearFlappingDeps {
  driftState: DriftStateStore;
  auditStore: Pick<AuditStore, 'append'>;
}

/** Answer of {@link clearFlapping}. */
export interface ClearFlappingResult {
  /** False when the app was not flapping (nothing written, nothing audited). */
  cleared: boolean;
  /** The app's drift state after the call. */
  state: AppDriftState;
}

/** The app has no drift state: it never drifted, or its resolved state expired. */
export class DriftStateNotFoundError extends Error {
  override readonly name = 'DriftStateNotFoundError';
  constructor(readonly ref: AppRef) {
    super(`no drift state for ${ref.instance}/${ref.namespace}/${ref.name}: it has not drifted (or its resolved state expired)`);
  }
}

const ATTEMPTS = 5;

/**
 * Clears an app's `flapping` mark with a version-conditional write (a scan writing the same
 * app at the same moment makes it read again and retry) and audits `drift.flapping.cleared`
 * with the caller.
 * @throws DriftStateNotFoundError when the app has no drift state
 * @example
 * await clearFlapping(deps, { ref: { instance: 'prod-eu', namespace: 'argocd', name: 'payments' }, actor, reason: 'fixed the HPA fighting the manifest' });
 */
export async function clearFlapping(deps: ClearFlappingDeps, input: { ref: AppRef; actor: string; reason?: string }): Promise<ClearFlappingResult> {
  const { ref, actor } = input;
  for (let attempt = 1; ; attempt++) {
    const current = await deps.driftState.readApp(ref);
    if (!current) throw new DriftStateNotFoundError(ref);
    if (!current.flapping) return { cleared: false, state: shownState(current) };
    const { flappingSince, ...rest } = current;
    const next: AppDriftState = { ...rest, flapping: false };
    // A resolved state keeps expiring (DynamoDB TTL) as the scan would have it.
    const expiresAt = current.condition === 'ok' && current.resolvedAt ? Math.floor(Date.parse(current.resolvedAt) / 1000) + RESOLVED_TTL_SECONDS : undefined;
    const stored = await deps.driftState.putApp(next, current.version, expiresAt);
    if (!stored) {
      if (attempt < ATTEMPTS) continue;
      throw new Error(`[gitops-sentinel/drift] the drift state of ${ref.instance}/${ref.namespace}/${ref.name} kept changing; try again`);
    }
    const reason = input.reason?.trim().slice(0, 500);
    await deps.auditStore.append({
      kind: 'drift.flapping.cleared',
      outcome: 'success',
      instance: ref.instance,
      namespace: ref.namespace,
      app: ref.name,
      project: current.project,
      actor,
      message: `flapping mark cleared by ${actor}${reason ? `: ${reason}` : ''}`,
      details: { flappingSince, lastRepairAt: current.lastRepairAt, condition: current.condition, ...(reason ? { reason } : {}) },
    });
    return { cleared: true, state: shownState(stored) };
  }
}
