/**
 * The human side of flapping: an app that drifted again right after a repair is marked
 * `flapping` and left alone by the scan until someone has looked at it. `clearFlapping`
 * is that someone saying so: the mark goes, the next scan treats the app like any other
 * drifted app again (cooldown included), and the audit trail records who cleared it.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditStore } from '../audit/audit-store';
import type { TableNames } from '../config/tables';
import type { AppRef } from '../matching/types';
import { driftPk, driftSk, putAppState, RESOLVED_TTL_SECONDS } from './state-store';
import type { AppDriftState } from './types';

/** What {@link clearFlapping} needs. */
export interface ClearFlappingDeps {
  doc: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'state'>;
  auditStore: Pick<AuditStore, 'append'>;
  now?: () => Date;
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
    const res = await deps.doc.send(new GetCommand({ TableName: deps.tables.state, Key: { pk: driftPk(ref.instance), sk: driftSk(ref.namespace, ref.name) }, ConsistentRead: true }));
    if (!res.Item) throw new DriftStateNotFoundError(ref);
    const { pk: _pk, sk: _sk, expiresAt, ...item } = res.Item as AppDriftState & { pk: string; sk: string; expiresAt?: number };
    const current: AppDriftState = { ...item, flapping: item.flapping === true, version: typeof item.version === 'number' ? item.version : 0 };
    if (!current.flapping) return { cleared: false, state: current };
    const { flappingSince, ...rest } = current;
    const next: AppDriftState = { ...rest, flapping: false };
    const resolvedExpiry = current.condition === 'ok' && current.resolvedAt ? Math.floor(Date.parse(current.resolvedAt) / 1000) + RESOLVED_TTL_SECONDS : undefined;
    const stored = await putAppState(deps.doc, deps.tables.state, next, current.version, expiresAt ?? resolvedExpiry);
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
    return { cleared: true, state: stored };
  }
}
