/**
 * Health over time: after a sync succeeds, an app is `Progressing` for `healthyAfterMs` (its
 * pods rolling out) and then settles `Healthy`, or `Degraded` when its outcome says so; an
 * operation can also be made to fail. Outcomes are set per app through `/__sim/outcome`, so
 * deployment tracking can be exercised against every ending locally.
 */
import { SimError, type SimApp, type SimOutcome, type SimResource, type SimState } from './core';
import { recompute } from './status';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'Job', 'CronJob']);

/** The resource an outcome applies to: the first workload, else the first resource. */
export function primaryResource(sa: SimApp): SimResource | undefined {
  return sa.resources.find((r) => WORKLOAD_KINDS.has(r.kind)) ?? sa.resources[0];
}

/** Sets what the app's next operation does (or every following one, when sticky). */
export function setOutcome(sa: SimApp, outcome: SimOutcome): void {
  if (!['fail', 'degrade', 'succeed'].includes(outcome?.kind)) throw new SimError(3, 'outcome must be fail, degrade or succeed');
  sa.outcome = {
    kind: outcome.kind,
    ...(outcome.message ? { message: String(outcome.message).slice(0, 500) } : {}),
    ...(outcome.sticky ? { sticky: true } : {}),
  };
}

/** Takes the outcome for the operation finishing now (a non-sticky one is used up). */
export function takeOutcome(sa: SimApp): SimOutcome | undefined {
  const o = sa.outcome;
  if (o && !o.sticky) sa.outcome = undefined;
  return o;
}

/**
 * Sets the app's health now (and its primary resource's, with a message), as a cluster
 * event would: `Degraded` after a crash, `Healthy` after recovery.
 */
export function setHealth(state: SimState, sa: SimApp, health: string, message?: string): void {
  sa.health = health;
  const r = primaryResource(sa);
  if (r) {
    r.health = health;
    r.healthMessage = health === 'Healthy' ? undefined : message;
  }
  recompute(state, sa);
}

/**
 * After an operation succeeded: `Progressing` for `healthyAfterMs`, then the outcome's health
 * (`Degraded` for `degrade`, `Healthy` for `succeed`, unchanged otherwise).
 */
export function settleAfterSync(state: SimState, sa: SimApp, outcome: SimOutcome | undefined): void {
  clearTimeout(sa.settleTimer);
  const settle = () => {
    sa.settleTimer = undefined;
    sa.progressingUntil = undefined;
    if (outcome?.kind === 'degrade')
      setHealth(state, sa, 'Degraded', outcome.message ?? `Deployment "${primaryResource(sa)?.name}" exceeded its progress deadline`);
    else if (outcome?.kind === 'succeed') setHealth(state, sa, 'Healthy');
    else recompute(state, sa);
  };
  const ms = state.settings.healthyAfterMs;
  if (ms <= 0 || state.closed) return settle();
  sa.progressingUntil = Date.now() + ms;
  recompute(state, sa);
  sa.settleTimer = setTimeout(settle, ms);
}
