/**
 * The repair policy, as pure functions: who is opted in, what is never repaired, the
 * cooldown and flapping rules, and which revision a repair syncs to. The scan asks
 * ArgoCD about sync windows and applies the per-scan cap; everything else is decided here.
 */
import { hasSelfHeal, isAutoSyncOn } from '../argocd/app-helpers';
import { matchesSelector } from '../argocd/label-selector';
import type { Application } from '../argocd/types';
import type { DriftConfig, RepairRule } from '../config/types';
import type { AppDriftState, DecisionReason, RepairDecision } from './types';

/** Annotation that opts an app into auto-repair (value `"true"`). */
export const AUTO_REPAIR_ANNOTATION = 'gitops-sentinel/auto-repair';
/** Annotation that excludes an app from every automatic action (any value but `"false"`). */
export const IGNORE_ANNOTATION = 'gitops-sentinel/ignore';

/** The revision(s) a repair syncs to. */
export interface RepairTarget {
  /** Single-source apps: the commit (or chart version) last deployed. */
  revision?: string;
  /** Multi-source apps: one revision per source, in source order. */
  revisions?: string[];
  /** 1-based positions `revisions` apply to. */
  sourcePositions?: number[];
  /** ArgoCD history id of the entry the revision comes from. */
  historyId?: number;
}

/** What the policy needs to know beside the app. */
export interface PolicyInput {
  instance: string;
  app: Application;
  /** Stored state from earlier scans, if any. */
  prior?: AppDriftState;
  /** Whether the prior state marked the app drifted (false: this scan found it). */
  newlyDrifted: boolean;
  config: Pick<DriftConfig, 'cooldownMinutes' | 'rules'>;
  now: Date;
  /**
   * The app comes from a projected list, which cannot carry `status.history` (ArgoCD does
   * not project it): stop before the checks that need it. The scan gets the single app for
   * each candidate and evaluates again with the history. @default false
   */
  historyPending?: boolean;
}

/** Whether a config rule covers the app: every field the rule sets must match. */
export function ruleMatches(rule: RepairRule, instance: string, app: Application): boolean {
  if (rule.instance !== undefined && rule.instance !== instance) return false;
  if (rule.project !== undefined && rule.project !== (app.spec?.project ?? 'default')) return false;
  if (rule.selector !== undefined && !matchesSelector(app.metadata?.labels, rule.selector)) return false;
  return true;
}

/** How the app is opted into auto-repair, if it is. */
export function optInOf(instance: string, app: Application, rules: readonly RepairRule[]): 'annotation' | 'rule' | undefined {
  if (app.metadata?.annotations?.[AUTO_REPAIR_ANNOTATION] === 'true') return 'annotation';
  if (rules.some((r) => ruleMatches(r, instance, app))) return 'rule';
  return undefined;
}

/** Whether the app carries the ignore annotation. */
export function isIgnored(app: Application): boolean {
  const v = app.metadata?.annotations?.[IGNORE_ANNOTATION];
  return v !== undefined && v !== 'false';
}

/**
 * The revision the app last deployed: the newest `status.history` entry (highest id).
 * Never the branch head: a repair must not ship a commit nobody deployed.
 */
export function lastDeployedTarget(app: Application): RepairTarget | undefined {
  const history = app.status?.history ?? [];
  if (!history.length) return undefined;
  const newest = history.reduce((a, b) => ((b.id ?? -1) > (a.id ?? -1) ? b : a));
  if (newest.revisions?.length) {
    return { revisions: [...newest.revisions], sourcePositions: newest.revisions.map((_, i) => i + 1), historyId: newest.id };
  }
  if (newest.revision) return { revision: newest.revision, historyId: newest.id };
  return undefined;
}

/** `revision`, or the multi-source `revisions` joined with commas, for records. */
export function describeTarget(t: RepairTarget | undefined): string | undefined {
  if (!t) return undefined;
  return t.revision ?? t.revisions?.join(',');
}

/** The revision(s) ArgoCD compares the app against now (`status.sync`). */
export function currentTarget(app: Application): string | undefined {
  const s = app.status?.sync;
  return s?.revisions?.length ? s.revisions.join(',') : s?.revision;
}

/** Minutes since an ISO time, or Infinity when absent. */
function minutesSince(iso: string | undefined, now: Date): number {
  if (!iso) return Number.POSITIVE_INFINITY;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? (now.getTime() - t) / 60_000 : Number.POSITIVE_INFINITY;
}

/**
 * Flapping: drift found again within the cooldown after a repair. Such an app is left
 * for a human; it stays flapping until it has been seen in sync for a full cooldown
 * after being marked (see {@link flappingCleared}).
 */
export function isFlappingNow(input: Pick<PolicyInput, 'prior' | 'newlyDrifted' | 'config' | 'now'>): boolean {
  if (input.prior?.flapping) return true;
  return input.newlyDrifted && minutesSince(input.prior?.lastRepairAt, input.now) < input.config.cooldownMinutes;
}

/** Whether a flapping mark can be dropped: the app is in sync a full cooldown after it was marked. */
export function flappingCleared(prior: AppDriftState | undefined, now: Date, cooldownMinutes: number): boolean {
  return !!prior?.flapping && minutesSince(prior.flappingSince, now) >= cooldownMinutes;
}

const MESSAGES: Record<DecisionReason, string> = {
  'not-opted-in': 'not opted into auto-repair (annotation or config rule); reported only',
  ignored: `annotated ${IGNORE_ANNOTATION}; never repaired`,
  'self-heal': "ArgoCD's self-heal (spec.syncPolicy.automated.selfHeal) repairs this app itself",
  flapping: 'drifted again within the cooldown after a repair; marked flapping and left for a human',
  cooldown: 'repaired within the cooldown; not repaired again yet',
  'operation-running': 'an ArgoCD operation is running on the app',
  'repair-cap': 'the per-scan repair limit (maxRepairsPerScan) is reached',
  'sync-window': 'a sync window forbids syncing now (ArgoCD says canSync=false)',
  'no-deployed-revision': 'the app has no deployment history, so there is no revision to re-apply',
  'auto-sync-target-moved': "auto-sync is on and Git moved past the deployed revision; ArgoCD's auto-sync will deploy it",
  'dry-run': 'dry run: would repair, changed nothing',
  'opted-in-annotation': `repair: opted in by ${AUTO_REPAIR_ANNOTATION}`,
  'opted-in-rule': 'repair: opted in by a config rule',
  'concurrent-scan': 'another scan updated this app at the same time; left to it',
  'app-unreadable': 'could not read the app (and its deployment history) from ArgoCD; not repaired',
};

/** A decision with its standard message. */
export function decision(action: RepairDecision['action'], reason: DecisionReason, extra?: string): RepairDecision {
  return { action, reason, message: extra ? `${MESSAGES[reason]} (${extra})` : MESSAGES[reason] };
}

/**
 * The policy for one drifted app, before the per-scan cap and the sync-window check
 * (both need the scan's context or a call to ArgoCD). Order: not a candidate (not opted
 * in and not ignored) → report; then ignore, self-heal, flapping, cooldown, operation
 * running, no deployed revision, auto-sync target moved (these two need `status.history`;
 * see {@link PolicyInput.historyPending}). `undefined` means: a candidate.
 */
export function evaluatePolicy(input: PolicyInput): RepairDecision | undefined {
  const { app, instance, config, now, prior } = input;
  const optIn = optInOf(instance, app, config.rules);
  const ignored = isIgnored(app);
  if (!optIn && !ignored) return decision('report', hasSelfHeal(app) ? 'self-heal' : 'not-opted-in');
  if (ignored) return decision('skip', 'ignored');
  if (hasSelfHeal(app)) return decision('skip', 'self-heal');
  if (isFlappingNow(input)) return decision('skip', 'flapping');
  const since = minutesSince(prior?.lastRepairAt, now);
  if (since < config.cooldownMinutes) return decision('skip', 'cooldown', `last repair ${Math.floor(since)} of ${config.cooldownMinutes} min ago`);
  if (app.status?.operationState?.phase === 'Running' || app.status?.operationState?.phase === 'Terminating' || app.operation) {
    return decision('skip', 'operation-running');
  }
  if (input.historyPending) return undefined;
  const target = lastDeployedTarget(app);
  if (!target) return decision('skip', 'no-deployed-revision');
  // Under auto-sync ArgoCD refuses a sync to any revision but the target (code 9), so such
  // a repair carries no revision; that is only safe while the target still resolves to
  // what was last deployed. Otherwise auto-sync is about to deploy the new commit anyway.
  if (isAutoSyncOn(app) && currentTarget(app) !== describeTarget(target)) return decision('skip', 'auto-sync-target-moved');
  return undefined;
}

/** The decision for a candidate that passed every rule. */
export function repairDecision(instance: string, app: Application, rules: readonly RepairRule[], dryRun: boolean): RepairDecision {
  if (dryRun) return decision('skip', 'dry-run');
  return decision('repair', optInOf(instance, app, rules) === 'rule' ? 'opted-in-rule' : 'opted-in-annotation');
}
