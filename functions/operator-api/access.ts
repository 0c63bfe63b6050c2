/**
 * Access control of the operator API, in one place: every route in `routes.ts` declares the
 * action it needs and how its targets (instance, ArgoCD project) are found; `authorize` checks
 * them against the access policy before the route runs, answers a refusal with 403 and writes
 * an `access.denied` audit record. Filtered reads get the caller's scope and narrow their results.
 */
import { AccessDeniedError, AccessPolicy, type AccessAction, type AccessScope } from '../lib/access/index';
import type { SentinelConfig } from '../lib/config/types';
import type { CoreDeps } from '../lib/runtime/core-deps';

/** A thing a route acts on: an instance and project, or "some project of this instance". */
export interface RouteTarget {
  instance?: string;
  /** Undefined: the target spans every project (or its project is unknown). */
  project?: string;
  /** The caller needs the action on at least one project of `instance` (scan, export: results are filtered). */
  anyProject?: boolean;
  /** Names the target in the refusal, e.g. `prod/argocd/guestbook`. */
  label?: string;
  /** The app the target is, for the audit record of a refusal. */
  app?: { namespace: string; name: string };
}

/**
 * How a route is checked:
 * - `public`: no check (health);
 * - `scoped`: the caller needs the action somewhere; the route filters what it returns by `scope`;
 * - `global`: the caller needs the action on every instance and project;
 * - `targets`: `find` names what the request acts on; every target must be allowed.
 */
export type RouteAccess<C> =
  | { kind: 'public' }
  | { kind: 'scoped'; action: AccessAction }
  | { kind: 'global'; action: AccessAction }
  | { kind: 'targets'; action: AccessAction; find: (ctx: C) => Promise<RouteTarget[]> };

const policies = new WeakMap<SentinelConfig, AccessPolicy>();

/** The access policy of a configuration, built once per configuration object. */
export function policyOf(config: SentinelConfig): AccessPolicy {
  let policy = policies.get(config);
  if (!policy) policies.set(config, (policy = new AccessPolicy(config.access ?? { localTokens: [] })));
  return policy;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 300);
}

/**
 * Checks a route's access for a principal.
 * @returns the caller's scope for the route's action (everything for public and open policies)
 *   and the targets found (for `targets` routes), which the route acts on
 * @throws AccessDeniedError after writing the `access.denied` audit record
 */
export async function authorize<C>(
  access: RouteAccess<C>,
  principal: string,
  deps: CoreDeps,
  ctx: C,
  route: string,
): Promise<{ scope: AccessScope; targets: RouteTarget[] }> {
  const policy = policyOf(deps.config);
  if (access.kind === 'public') return { scope: { principal, action: 'read', all: true, grants: [] }, targets: [] };
  const { action } = access;
  let denied: { reason: string; target: RouteTarget } | undefined;
  let targets: RouteTarget[] = [];
  if (access.kind === 'scoped') {
    if (!policy.mayAtAll(principal, action))
      denied = { reason: `${principal} may not ${action} in any project: no rule grants this action to this principal`, target: {} };
  } else if (access.kind === 'global') {
    const decision = policy.check(principal, action, {});
    if (!decision.allowed) denied = { reason: decision.reason, target: {} };
  } else {
    targets = await access.find(ctx);
    for (const target of targets) {
      if (target.anyProject) {
        if (!target.instance || !policy.mayOnInstance(principal, action, target.instance)) {
          denied = { reason: `${principal} may not ${action} any project on instance "${target.instance}": no rule covers it`, target };
          break;
        }
        continue;
      }
      const decision = policy.check(principal, action, target);
      if (!decision.allowed) {
        const reason =
          target.project === undefined && target.label
            ? `${principal} may not ${action} ${target.label}: it was not found, or its project is not one of yours`
            : decision.reason;
        denied = { reason, target };
        break;
      }
    }
  }
  if (!denied) return { scope: policy.scope(principal, action), targets };
  const { reason, target } = denied;
  try {
    await deps.auditStore.append({
      kind: 'access.denied',
      outcome: 'refused',
      actor: principal,
      message: oneLine(reason),
      ...(target.instance ? { instance: target.instance } : {}),
      ...(target.app ? { namespace: target.app.namespace, app: target.app.name } : {}),
      ...(target.project ? { project: target.project } : {}),
      details: { action, route: oneLine(route) },
    });
  } catch (error) {
    // The refusal stands even when it cannot be recorded; the log says so.
    deps.log.error('could not audit an access refusal', { action, error: error instanceof Error ? error.name : 'Error' });
  }
  throw new AccessDeniedError(principal, action, target, reason);
}
