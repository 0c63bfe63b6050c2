/**
 * `runDriftScan`: one pass over every configured ArgoCD instance, as a sequence of phases,
 * each a function with its inputs and outputs:
 *
 * 1. {@link listInstances}: one projected list call per instance (all at once) with the stored state;
 * 2. {@link classifyApps}: each app's condition, compared with its stored state;
 * 3. {@link fetchDetails}: managed-resources details for drifted apps only (capped, bounded);
 * 4. {@link assessApps}: transitions, flapping and the repair policy (pure);
 * 5. {@link chooseRepairs}: for candidates only, the app in full (its history), sync windows, and the per-scan repair cap;
 * 6. {@link writeStates}: conditional writes of the states that changed, then the audit records they justify;
 * 7. {@link startRepairs}: syncs to the last deployed revision for the claimed apps;
 * 8. {@link markInstances}: each listed instance's scan mark, which confirms the states found unchanged;
 * 9. {@link recordScan}: the stored summary, its audit record, metrics.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ArgoCDAuthError,
  ArgoCDForbiddenError,
  ArgoCDUnavailableError,
  DRIFT_SCAN_FIELDS,
  appRefOf,
  isAutoSyncOn,
  type AppRef,
  type Application,
  type ArgoCDClient,
} from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { canonicalJson } from '../audit/hash-chain';
import type { AuditInput } from '../audit/types';
import type { DriftConfig } from '../config/types';
import { completeLogger, type SimpleLogger } from '../observability/simple-logger';
import { Semaphore, mapLimit } from '../runtime/concurrency';
import { DIFF_LIMITS, resourceDriftOf } from './diff';
import {
  currentTarget,
  decision,
  describeTarget,
  evaluatePolicy,
  flappingCleared,
  isFlappingNow,
  lastDeployedTarget,
  repairDecision,
  type RepairTarget,
} from './repair-policy';
import { RESOLVED_TTL_SECONDS, driftSk } from './state-store';
import type {
  AppDriftState,
  AppFinding,
  DriftCondition,
  DriftDeps,
  DriftDetails,
  DriftScanOptions,
  DriftScanResult,
  RepairDecision,
  ResourceDrift,
  ScanMark,
  ScanSummary,
  UnreachableInstance,
} from './types';

/** Concurrent DynamoDB writes and audit appends per scan. */
const WRITE_CONCURRENCY = 16;

/** Names of the metrics a scan emits (namespace `GitOpsSentinel` in Lambda). */
export const DRIFT_METRICS = {
  driftedApps: 'DriftedApps',
  repairs: 'Repairs',
  skips: 'Skips',
  unreachableInstances: 'UnreachableInstances',
  consistencyPercent: 'ConsistencyPercent',
  scanDurationMs: 'ScanDurationMs',
} as const;

/** Audit appends of one scan: queued with bounded concurrency, failures counted and logged, never thrown. */
class ScanAudit {
  failures = 0;
  readonly #pending: Array<Promise<void>> = [];
  readonly #semaphore = new Semaphore(WRITE_CONCURRENCY);

  constructor(
    private readonly store: Pick<AuditStore, 'append'>,
    private readonly actor: string,
    private readonly ts: string,
    private readonly log: SimpleLogger,
  ) {}

  add(input: Omit<AuditInput, 'actor' | 'ts'>): void {
    const append = () => this.store.append({ ...input, actor: this.actor, ts: this.ts });
    this.#pending.push(
      this.#semaphore.run(append).then(
        () => undefined,
        (err: unknown) => this.failed(input.kind, err),
      ),
    );
  }

  /** Waits for every queued append. */
  async drain(): Promise<void> {
    await Promise.all(this.#pending);
  }

  failed(kind: string, err: unknown): void {
    this.failures++;
    this.log.error('drift: audit append failed', { kind, error: errorMessage(err) });
  }
}

/** What every phase of one scan shares: fixed at its start, plus the call counter and the audit queue. */
interface ScanRun {
  deps: DriftDeps;
  cfg: DriftConfig;
  log: SimpleLogger;
  dryRun: boolean;
  actor: string;
  /** Instances to scan, in configuration order. */
  names: string[];
  scanId: string;
  startedAt: Date;
  nowIso: string;
  /** `performance.now()` at the start. */
  t0: number;
  audit: ScanAudit;
  /** ArgoCD calls made so far (lists + details + window checks + syncs). */
  calls: { argocd: number };
}

/** An instance listed successfully, with its stored app states and scan mark. */
interface ListedInstance {
  instance: string;
  client: ArgoCDClient;
  apps: Application[];
  prior: Map<string, AppDriftState>;
  /** The instance's scan mark when the scan read its states. */
  mark?: ScanMark;
  /** This scan's number for the instance: the mark's, plus one. */
  seq: number;
}

/** An app the scan looks at further: its condition now and its stored state. */
interface ObservedApp {
  instance: string;
  client: ArgoCDClient;
  app: Application;
  ref: AppRef;
  project: string;
  condition: DriftCondition;
  syncStatus: string;
  healthStatus: string;
  prior?: AppDriftState;
  /** The instance's {@link ListedInstance.seq}, stored with the app's state when it is written. */
  scanSeq: number;
}

/** Counts over every listed app (summary figures). */
interface AppTally {
  apps: number;
  /** Synced and not drifted. */
  agree: number;
  unknown: number;
  degraded: number;
  missing: number;
}

/** An observed app after details and policy. */
interface AssessedApp extends ObservedApp {
  details?: DriftDetails;
  transition?: 'found' | 'resolved';
  flapping: boolean;
  newlyFlapping: boolean;
  /** The policy's answer; absent for a repair candidate until {@link chooseRepairs}. */
  decision?: RepairDecision;
  /** Drifted and the policy did not rule it out. */
  candidate: boolean;
  target?: RepairTarget;
}

/** An assessed app after its state write. */
interface WrittenApp extends AssessedApp {
  /** State stored this scan (written, or confirmed unchanged); absent when a concurrent scan changed it first. */
  stored?: AppDriftState;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why an instance could not be listed, from the client's typed error. */
export function unreachableReason(err: unknown): UnreachableInstance['reason'] {
  if (err instanceof ArgoCDAuthError) return 'unauthorized';
  if (err instanceof ArgoCDForbiddenError) return 'forbidden';
  if (err instanceof ArgoCDUnavailableError) return err.reason === 'timeout' ? 'timeout' : 'unavailable';
  return 'error';
}

/** Drifted when the app or any of its resources is OutOfSync; else Unknown, else unhealthy, else ok. */
export function conditionOf(app: Application): DriftCondition {
  const sync = app.status?.sync?.status ?? 'Unknown';
  if (sync === 'OutOfSync' || (app.status?.resources ?? []).some((r) => r.status === 'OutOfSync')) return 'drifted';
  if (sync !== 'Synced') return 'unknown';
  const health = app.status?.health?.status;
  if (health === 'Degraded' || health === 'Missing') return 'unhealthy';
  return 'ok';
}

/** Which resources differ according to `status.resources` (no call needed; no fields). */
function detailsFromStatus(app: Application, note?: string): DriftDetails {
  const out = (app.status?.resources ?? []).filter((r) => r.status === 'OutOfSync');
  const resources: ResourceDrift[] = out.slice(0, DIFF_LIMITS.maxResources).map((r) => ({
    ...(r.group ? { group: r.group } : {}),
    kind: r.kind ?? '',
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name ?? '',
    change: r.health?.status === 'Missing' ? 'missing' : 'modified',
  }));
  return { source: 'status', resources, ...(out.length > resources.length ? { truncated: true } : {}), ...(note ? { note } : {}) };
}

function summarizeDetails(d: DriftDetails | undefined): string {
  if (!d?.resources.length) return 'no resource details';
  const parts = d.resources.slice(0, 3).map(
    (r) =>
      `${r.kind}/${r.name}${
        r.fields?.length
          ? ` (${r.fields
              .map((f) => f.path)
              .slice(0, 3)
              .join(', ')})`
          : ` (${r.change})`
      }`,
  );
  return `${d.resources.length}${d.truncated ? '+' : ''} resource(s) differ: ${parts.join('; ')}${d.resources.length > 3 ? '; …' : ''}`;
}

/** Paths only (no values) for audit records: compact and free of cluster data. */
function auditDetailsOf(d: DriftDetails | undefined): Record<string, unknown> | undefined {
  if (!d) return undefined;
  return {
    source: d.source,
    resources: d.resources.map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, change: r.change, fields: r.fields?.map((f) => f.path) })),
    ...(d.truncated ? { truncated: true } : {}),
  };
}

/** The run every phase shares; throws TypeError naming an unknown instance. */
function startRun(deps: DriftDeps, options: DriftScanOptions): ScanRun {
  const names = options.instances ?? deps.argocd.names;
  for (const n of names) deps.argocd.get(n); // TypeError naming the unknown instance
  const startedAt = (deps.now ?? (() => new Date()))();
  const log = completeLogger(deps.log);
  const actor = options.actor ?? 'scheduler';
  return {
    deps,
    cfg: deps.config.drift,
    log,
    dryRun: options.dryRun ?? deps.config.drift.dryRun,
    actor,
    names,
    scanId: randomUUID(),
    startedAt,
    nowIso: startedAt.toISOString(),
    t0: performance.now(),
    audit: new ScanAudit(deps.auditStore, actor, startedAt.toISOString(), log),
    calls: { argocd: 0 },
  };
}

/** Phase 1: one list call per instance, all instances at once, with the stored state. Unreachable ones are audited. */
async function listInstances(run: ScanRun): Promise<{ listed: ListedInstance[]; unreachable: UnreachableInstance[] }> {
  const unreachable: UnreachableInstance[] = [];
  const listOne = async (client: ArgoCDClient): Promise<{ apps: Application[] } | { error: unknown }> => {
    run.calls.argocd++;
    try {
      // Projected: only what detection and the policy read (a fraction of whole Applications).
      return { apps: await client.listApplications({ fields: DRIFT_SCAN_FIELDS }) };
    } catch (err) {
      return { error: err };
    }
  };
  const perInstance = await Promise.all(
    run.names.map(async (instance): Promise<ListedInstance | undefined> => {
      const client = run.deps.argocd.get(instance);
      const [listed, { states: prior, mark }] = await Promise.all([listOne(client), run.deps.driftState.readInstanceMarked(instance)]);
      if ('apps' in listed) return { instance, client, apps: listed.apps, prior, ...(mark ? { mark } : {}), seq: (mark?.seq ?? 0) + 1 };
      const u: UnreachableInstance = { instance, reason: unreachableReason(listed.error), message: errorMessage(listed.error) };
      unreachable.push(u);
      run.log.warn('drift: instance unreachable', { instance: u.instance, reason: u.reason, detail: u.message });
      run.audit.add({
        kind: 'instance.unreachable',
        outcome: 'failure',
        instance,
        message: `ArgoCD instance unreachable (${u.reason}): ${u.message}`,
        details: { scanId: run.scanId, reason: u.reason },
      });
      return undefined;
    }),
  );
  return { listed: perInstance.filter((i): i is ListedInstance => !!i), unreachable };
}

/**
 * Phase 2: every app's condition, compared with its stored state. An app that is ok and was
 * ok (or never drifted) needs nothing, unless its flapping mark is due to clear.
 * @returns the apps to look at further, the stored states of apps gone from ArgoCD, the counts
 */
function classifyApps(listed: ListedInstance[], run: ScanRun): { observed: ObservedApp[]; gone: AppDriftState[]; tally: AppTally } {
  const observed: ObservedApp[] = [];
  const gone: AppDriftState[] = [];
  const tally: AppTally = { apps: 0, agree: 0, unknown: 0, degraded: 0, missing: 0 };
  for (const inst of listed) {
    const seen = new Set<string>();
    for (const app of inst.apps) {
      const ref = appRefOf(inst.instance, app, inst.client.namespace);
      const key = driftSk(ref.namespace, ref.name);
      seen.add(key);
      const condition = conditionOf(app);
      const syncStatus = app.status?.sync?.status ?? 'Unknown';
      const healthStatus = app.status?.health?.status ?? 'Unknown';
      tally.apps++;
      if (condition !== 'drifted' && syncStatus === 'Synced') tally.agree++;
      if (syncStatus === 'Unknown') tally.unknown++;
      if (healthStatus === 'Degraded') tally.degraded++;
      if (healthStatus === 'Missing') tally.missing++;
      const prior = inst.prior.get(key);
      if (condition === 'ok' && (!prior || (prior.condition === 'ok' && !flappingCleared(prior, run.startedAt, run.cfg.cooldownMinutes)))) continue;
      observed.push({
        instance: inst.instance,
        client: inst.client,
        app,
        ref,
        project: app.spec?.project ?? 'default',
        condition,
        syncStatus,
        healthStatus,
        prior,
        scanSeq: inst.seq,
      });
    }
    for (const [key, state] of inst.prior) if (!seen.has(key)) gone.push(state);
  }
  return { observed, gone, tally };
}

/** Identity and kind of change of each differing resource, in a stable order (no fields). */
function driftShape(resources: ResourceDrift[]): string {
  return resources
    .map((r) => [r.group ?? '', r.kind, r.namespace ?? '', r.name, r.change === 'missing' ? 'missing' : 'present'].join('/'))
    .sort()
    .join('\n');
}

/**
 * Whether a drifted app's stored field-level details still describe it (`detailsRefresh:
 * on-change`): they came from managed-resources and were complete, the target revision is the
 * same, and `status.resources` names the same OutOfSync resources (and Missing ones) as they do.
 * Anything else (an `extra` resource, a failed or capped fetch, a new revision) fetches again.
 */
function storedDetailsHold(w: ObservedApp): boolean {
  const p = w.prior;
  const d = p?.details;
  if (p?.condition !== 'drifted' || d?.source !== 'managed-resources' || d.truncated || d.note) return false;
  if (d.resources.some((r) => r.change === 'extra') || p.targetRevision !== currentTarget(w.app)) return false;
  const now = detailsFromStatus(w.app);
  return !now.truncated && driftShape(now.resources) === driftShape(d.resources);
}

/**
 * Phase 3: details for drifted apps only, newly drifted first, at most `maxDetailsPerScan`
 * managed-resources calls, `detailsConcurrency` at once per instance. Beyond the cap an app
 * keeps the field-level details an earlier scan fetched for the same drift. With
 * `detailsRefresh: on-change` an app whose stored details still hold ({@link storedDetailsHold})
 * keeps them without a call: at 50,000 apps with 1,000 drifted, the re-fetches were half of a
 * steady scan's time, and 1,000 diffs per scan for Argo CD to compute.
 */
async function fetchDetails(drifted: ObservedApp[], run: ScanRun): Promise<{ details: Map<ObservedApp, DriftDetails>; fetched: number; capped: number }> {
  const details = new Map<ObservedApp, DriftDetails>();
  const toFetch: ObservedApp[] = [];
  for (const w of drifted) {
    if (run.cfg.detailsRefresh === 'on-change' && storedDetailsHold(w)) details.set(w, w.prior!.details!);
    else toFetch.push(w);
  }
  const ordered = toFetch.sort((a, b) => Number(a.prior?.condition === 'drifted') - Number(b.prior?.condition === 'drifted'));
  const withDetails = ordered.slice(0, Math.max(0, run.cfg.maxDetailsPerScan));
  const capped = ordered.slice(withDetails.length);
  const perInstance = new Map<string, Semaphore>();
  const limitOf = (instance: string): Semaphore => {
    let sem = perInstance.get(instance);
    if (!sem) perInstance.set(instance, (sem = new Semaphore(Math.max(1, run.cfg.detailsConcurrency))));
    return sem;
  };
  const fetchOne = async (w: ObservedApp): Promise<DriftDetails> => {
    run.calls.argocd++;
    try {
      const items = await w.client.getManagedResources(w.ref, { project: w.project });
      const resources = items.map(resourceDriftOf).filter((r): r is ResourceDrift => !!r);
      const kept = resources.slice(0, DIFF_LIMITS.maxResources);
      return { source: 'managed-resources', resources: kept, ...(resources.length > kept.length ? { truncated: true } : {}) };
    } catch (err) {
      return detailsFromStatus(w.app, `managed-resources call failed: ${errorMessage(err)}`);
    }
  };
  await Promise.all(withDetails.map((w) => limitOf(w.instance).run(async () => void details.set(w, await fetchOne(w)))));
  for (const w of capped) {
    const earlier = w.prior?.condition === 'drifted' && w.prior.details?.source === 'managed-resources' ? w.prior.details : undefined;
    details.set(w, earlier ?? detailsFromStatus(w.app, 'maxDetailsPerScan reached'));
  }
  return { details, fetched: withDetails.length, capped: capped.length };
}

/** Phase 4 (pure): transition, flapping and the policy's answer for each observed app. */
function assessApps(observed: ObservedApp[], details: Map<ObservedApp, DriftDetails>, run: Pick<ScanRun, 'cfg' | 'startedAt'>): AssessedApp[] {
  const { cfg, startedAt: now } = run;
  return observed.map((w): AssessedApp => {
    const wasDrifted = w.prior?.condition === 'drifted';
    const base = { ...w, ...(details.has(w) ? { details: details.get(w) } : {}) };
    if (w.condition !== 'drifted') {
      const flapping = !!w.prior?.flapping && !(w.condition === 'ok' && flappingCleared(w.prior, now, cfg.cooldownMinutes));
      return { ...base, ...(wasDrifted ? { transition: 'resolved' as const } : {}), flapping, newlyFlapping: false, candidate: false };
    }
    const flapping = isFlappingNow({ prior: w.prior, newlyDrifted: !wasDrifted, config: cfg, now });
    // The listed app has no history (projected list): candidates are read in full in chooseRepairs.
    const policy = evaluatePolicy({ instance: w.instance, app: w.app, prior: w.prior, newlyDrifted: !wasDrifted, config: cfg, now, historyPending: true });
    return {
      ...base,
      ...(wasDrifted ? {} : { transition: 'found' as const }),
      flapping,
      newlyFlapping: flapping && !w.prior?.flapping,
      ...(policy ? { decision: policy } : {}),
      candidate: !policy,
    };
  });
}

/** A candidate's decision, its repair target, and the app as read in full (when it was). */
type CandidateOutcome = Pick<AssessedApp, 'decision' | 'target'> & { app?: Application };

/**
 * The decision for one candidate. The list was projected and ArgoCD cannot project
 * `status.history`, so the app is read in full here, for candidates only (the apps the scan
 * will repair, or would in a dry run): the policy runs again on it with the history (no
 * deployed revision, auto-sync target moved), then ArgoCD says whether a sync window allows
 * a sync now.
 */
async function decideCandidate(w: AssessedApp, run: ScanRun): Promise<CandidateOutcome> {
  run.calls.argocd++;
  let app: Application;
  try {
    app = await w.client.getApplication(w.ref, { project: w.project });
  } catch (err) {
    return { decision: decision('skip', 'app-unreadable', errorMessage(err)) };
  }
  const newlyDrifted = w.prior?.condition !== 'drifted';
  const policy = evaluatePolicy({ instance: w.instance, app, prior: w.prior, newlyDrifted, config: run.cfg, now: run.startedAt });
  if (policy) return { app, decision: policy };
  run.calls.argocd++;
  try {
    const windows = await w.client.getSyncWindows(w.ref, { project: w.project });
    if (!windows.canSync) return { app, decision: decision('skip', 'sync-window') };
  } catch (err) {
    return { app, decision: decision('skip', 'sync-window', `could not read sync windows: ${errorMessage(err)}`) };
  }
  return { app, target: lastDeployedTarget(app), decision: repairDecision(w.instance, app, run.cfg.rules, run.dryRun) };
}

/**
 * Phase 5: repair candidates in a stable order (instance order, then namespace/name), in
 * batches until `maxRepairsPerScan` repairs (or dry-run repairs) are decided; the rest are
 * skipped with `repair-cap`.
 * @returns every assessed app, candidates with their decision (and target)
 */
async function chooseRepairs(assessed: AssessedApp[], run: ScanRun): Promise<AssessedApp[]> {
  const sortKey = (w: AssessedApp) => driftSk(w.ref.namespace, w.ref.name);
  const candidates = assessed
    .filter((w) => w.candidate)
    .sort((a, b) => run.names.indexOf(a.instance) - run.names.indexOf(b.instance) || sortKey(a).localeCompare(sortKey(b)));
  const decided = new Map<AssessedApp, CandidateOutcome>();
  let slots = Math.max(0, run.cfg.maxRepairsPerScan);
  let next = 0;
  while (next < candidates.length && slots > 0) {
    const batch = candidates.slice(next, next + slots);
    next += batch.length;
    const outcomes = await Promise.all(batch.map((w) => decideCandidate(w, run)));
    batch.forEach((w, i) => decided.set(w, outcomes[i]));
    slots -= outcomes.filter((o) => o.decision?.action === 'repair' || o.decision?.reason === 'dry-run').length;
  }
  for (const w of candidates.slice(next)) decided.set(w, { decision: decision('skip', 'repair-cap', `${run.cfg.maxRepairsPerScan} per scan`) });
  return assessed.map((w) => (decided.has(w) ? { ...w, ...decided.get(w) } : w));
}

/** The state to store for one app this scan (pure). */
function nextState(w: AssessedApp, nowIso: string): AppDriftState {
  const p = w.prior;
  const same = p?.condition === w.condition;
  const target = currentTarget(w.app);
  return {
    instance: w.instance,
    namespace: w.ref.namespace,
    name: w.ref.name,
    project: w.project,
    condition: w.condition,
    syncStatus: w.syncStatus,
    healthStatus: w.healthStatus,
    ...(target ? { targetRevision: target } : {}),
    firstSeen: same && p ? p.firstSeen : nowIso,
    lastSeen: nowIso,
    consecutiveScans: same && p ? p.consecutiveScans + 1 : 1,
    ...(p?.lastRepairAt ? { lastRepairAt: p.lastRepairAt } : {}),
    ...(p?.lastRepairRevision ? { lastRepairRevision: p.lastRepairRevision } : {}),
    ...(p?.lastRepairOutcome ? { lastRepairOutcome: p.lastRepairOutcome } : {}),
    ...(w.decision?.action === 'repair' ? { lastRepairAt: nowIso, lastRepairRevision: describeTarget(w.target), lastRepairOutcome: 'started' as const } : {}),
    flapping: w.flapping,
    ...(w.flapping ? { flappingSince: w.newlyFlapping ? nowIso : (p?.flappingSince ?? nowIso) } : {}),
    ...(w.condition === 'ok' ? { resolvedAt: p?.condition === 'ok' ? (p.resolvedAt ?? nowIso) : nowIso } : {}),
    ...(w.decision ? { lastDecision: w.decision } : p?.lastDecision && w.condition !== 'ok' ? { lastDecision: p.lastDecision } : {}),
    ...(w.details ? { details: w.details } : {}),
    version: 0,
    scanSeq: w.scanSeq,
  };
}

/** What a scan sets on every pass; a state that differs from the stored one in these alone is not rewritten. */
function changingPart({ lastSeen: _seen, consecutiveScans: _count, version: _version, scanSeq: _seq, ...rest }: AppDriftState): string {
  return canonicalJson(rest);
}

/**
 * Whether the app can keep its stored state: not resolved, nothing but `lastSeen` and
 * `consecutiveScans` would change (the instance's scan mark advances those, {@link confirmedBy}),
 * no audit record and no repair to claim (those go through the version-conditional write, so
 * two scans at once still record and repair once). A state from before scan marks is rewritten once.
 */
function keepsStoredState(w: AssessedApp, next: AppDriftState, run: ScanRun): boolean {
  const p = w.prior;
  if (!p || p.scanSeq === undefined || w.condition === 'ok' || w.decision?.action === 'repair') return false;
  return changingPart(next) === changingPart(p) && auditsOf({ ...w, stored: next }, run).length === 0;
}

/** Audit records a stored state justifies: transition, newly flapping, a skip that started or changed reason. */
function auditsOf(w: WrittenApp, run: ScanRun): Array<Omit<AuditInput, 'actor' | 'ts'>> {
  const out: Array<Omit<AuditInput, 'actor' | 'ts'>> = [];
  const p = w.prior;
  const { scanId, cfg } = run;
  const base = { instance: w.instance, namespace: w.ref.namespace, app: w.ref.name, project: w.project };
  const revision = w.stored?.targetRevision;
  if (w.transition === 'found') {
    const details = { scanId, syncStatus: w.syncStatus, healthStatus: w.healthStatus, drift: auditDetailsOf(w.details) };
    out.push({ ...base, kind: 'drift.found', outcome: 'info', revision, message: `drift found: ${summarizeDetails(w.details)}`, details });
  } else if (w.transition === 'resolved') {
    const details = { scanId, driftedSince: p?.firstSeen, syncStatus: w.syncStatus };
    out.push({ ...base, kind: 'drift.resolved', outcome: 'info', revision, message: 'drift resolved: Git and live agree again', details });
  }
  if (w.newlyFlapping) {
    const message = `drifted again within ${cfg.cooldownMinutes} min of the repair at ${p?.lastRepairAt}; left for a human`;
    out.push({ ...base, kind: 'drift.flapping', outcome: 'info', message, details: { scanId, lastRepairAt: p?.lastRepairAt } });
  }
  // A skip is audited when it starts or its reason changes, not again on every scan.
  const d = w.decision;
  if (d?.action === 'skip' && (d.reason === 'dry-run' || p?.lastDecision?.reason !== d.reason || w.transition === 'found')) {
    const details = { scanId, reason: d.reason, dryRun: run.dryRun, ...(w.target ? { wouldSyncTo: describeTarget(w.target) } : {}) };
    out.push({ ...base, kind: 'drift.skipped', outcome: 'skipped', revision: describeTarget(w.target), message: d.message, details });
  }
  return out;
}

/**
 * Phase 6: conditional writes of the states that changed (a concurrent scan that wrote first
 * keeps the app: no transition, no repair here), the audit records they justify, and deletes
 * for apps gone from ArgoCD. A state found unchanged is not rewritten ({@link keepsStoredState}):
 * at 50,000 apps a steady scan would otherwise rewrite every drifted app on every pass.
 */
async function writeStates(assessed: AssessedApp[], gone: AppDriftState[], run: ScanRun): Promise<WrittenApp[]> {
  const store = run.deps.driftState;
  const expires = Math.floor(run.startedAt.getTime() / 1000) + RESOLVED_TTL_SECONDS;
  const writeOne = async (w: AssessedApp): Promise<WrittenApp> => {
    const next = nextState(w, run.nowIso);
    if (keepsStoredState(w, next, run)) return { ...w, stored: { ...next, version: w.prior!.version } };
    const stored = await store.putApp(next, w.prior?.version, w.condition === 'ok' ? expires : undefined);
    if (!stored) {
      run.log.info('drift: app state changed by a concurrent scan; leaving the app to it', { instance: w.instance, app: w.ref.name });
      return { ...w, transition: undefined, ...(w.decision ? { decision: decision('skip', 'concurrent-scan') } : {}) };
    }
    const written: WrittenApp = { ...w, stored };
    for (const record of auditsOf(written, run)) run.audit.add(record);
    return written;
  };
  const deleteOne = async (s: AppDriftState): Promise<void> => {
    if (!(await store.deleteApp(s)) || s.condition !== 'drifted') return;
    const base = { instance: s.instance, namespace: s.namespace, app: s.name, project: s.project };
    run.audit.add({
      ...base,
      kind: 'drift.resolved',
      outcome: 'info',
      message: 'drift resolved: the application no longer exists in ArgoCD',
      details: { scanId: run.scanId, driftedSince: s.firstSeen },
    });
  };
  const written = await mapLimit(assessed, WRITE_CONCURRENCY, writeOne);
  await mapLimit(gone, WRITE_CONCURRENCY, deleteOne);
  return written;
}

/** Repairs one claimed app; a failure is audited and marked on its state. @returns whether the sync started */
async function repairOne(w: WrittenApp, run: ScanRun): Promise<boolean> {
  const target = w.target!;
  const { cfg, scanId } = run;
  const base = { instance: w.instance, namespace: w.ref.namespace, app: w.ref.name, project: w.project, revision: describeTarget(target) };
  run.calls.argocd++;
  try {
    // Under auto-sync ArgoCD only accepts the target revision; the policy checked that it
    // still resolves to the deployed one, so the sync carries none.
    const revision = isAutoSyncOn(w.app)
      ? {}
      : target.revisions
        ? { revisions: target.revisions, sourcePositions: target.sourcePositions }
        : { revision: target.revision };
    await w.client.syncApplication(w.ref, { ...revision, prune: cfg.prune, project: w.project });
    const message = `repair started: sync to the last deployed revision ${describeTarget(target)} (history id ${target.historyId})`;
    const details = { scanId, reason: w.decision!.reason, historyId: target.historyId, prune: cfg.prune, drift: auditDetailsOf(w.details) };
    run.audit.add({ ...base, kind: 'drift.repaired', outcome: 'success', message, details });
    if (run.deps.deployments) {
      // The repair is a deployment too: followed to Healthy (or not) like a push.
      const acceptedAt = (run.deps.now ?? (() => new Date()))().toISOString();
      await run.deps.deployments
        .start({
          ref: w.ref,
          project: w.project,
          cause: 'repair',
          action: 'sync',
          expectedRevision: describeTarget(target),
          actor: run.actor,
          startedAt: acceptedAt,
          acceptedAt,
        })
        .catch((err: unknown) => run.log.warn('drift: repair not tracked', { instance: w.instance, app: w.ref.name, error: errorMessage(err) }));
    }
    return true;
  } catch (err) {
    const message = errorMessage(err);
    run.log.warn('drift: repair failed', { instance: w.instance, app: w.ref.name, error: message });
    const details = { scanId, reason: w.decision!.reason, historyId: target.historyId, error: err instanceof Error ? err.name : 'Error' };
    run.audit.add({ ...base, kind: 'drift.repaired', outcome: 'failure', message: `repair failed: ${message}`, details });
    await run.deps.driftState.putApp({ ...w.stored!, lastRepairOutcome: 'failed' }, w.stored!.version);
    return false;
  }
}

/** Phase 7: repairs, the claimed apps only, to the revision they last deployed, never the branch head. */
async function startRepairs(written: WrittenApp[], run: ScanRun): Promise<{ repaired: number; repairFailed: number }> {
  const claimed = written.filter((w) => w.decision?.action === 'repair' && w.stored);
  const started = await mapLimit(claimed, WRITE_CONCURRENCY, (w) => repairOne(w, run));
  const repaired = started.filter(Boolean).length;
  return { repaired, repairFailed: started.length - repaired };
}

/**
 * Phase 8: each listed instance's scan mark moves to this scan's number, once every changed
 * state of it is written: from then on, reads see the states this scan left alone as seen by
 * it ({@link confirmedBy}). A concurrent scan that moved the mark first confirmed the same
 * apps; a failed write leaves the mark where it was (those apps show the scan before), logged.
 */
async function markInstances(listed: ListedInstance[], run: ScanRun): Promise<void> {
  await Promise.all(
    listed.map(async (inst) => {
      try {
        await run.deps.driftState.putScanMark(inst.instance, { seq: inst.seq, at: run.nowIso }, inst.mark?.seq);
      } catch (err) {
        run.log.warn('drift: scan mark not written', { instance: inst.instance, error: errorMessage(err) });
      }
    }),
  );
}

/** The summary of a scan from what the phases returned. */
function summarize(
  run: ScanRun,
  phases: {
    unreachable: UnreachableInstance[];
    tally: AppTally;
    written: WrittenApp[];
    details: { fetched: number; capped: number };
    repairs: { repaired: number; repairFailed: number };
  },
): ScanSummary {
  const { names } = run;
  const { unreachable, tally, written, repairs } = phases;
  const drifted = written.filter((w) => w.condition === 'drifted');
  const decided = drifted.map((w) => w.decision);
  return {
    scanId: run.scanId,
    startedAt: run.nowIso,
    finishedAt: (run.deps.now ?? (() => new Date()))().toISOString(),
    durationMs: Math.round(performance.now() - run.t0),
    dryRun: run.dryRun,
    actor: run.actor,
    instances: names.length,
    instancesScanned: names.length - unreachable.length,
    unreachable: [...unreachable].sort((a, b) => names.indexOf(a.instance) - names.indexOf(b.instance)),
    apps: tally.apps,
    drifted: drifted.length,
    unknown: tally.unknown,
    degraded: tally.degraded,
    missing: tally.missing,
    repaired: repairs.repaired,
    repairFailed: repairs.repairFailed,
    skipped: decided.filter((d) => d?.action === 'skip').length,
    reportOnly: decided.filter((d) => d?.action === 'report').length,
    found: written.filter((w) => w.transition === 'found').length,
    resolved: written.filter((w) => w.transition === 'resolved').length,
    detailsFetched: phases.details.fetched,
    detailsSkipped: phases.details.capped,
    consistencyPercent: tally.apps ? Math.round((tally.agree / tally.apps) * 10_000) / 100 : 100,
    argocdCalls: run.calls.argocd,
    auditFailures: run.audit.failures,
  };
}

/** Phase 9: the stored summary, its `scan.completed` audit record, the metrics and the log line. */
async function recordScan(summary: ScanSummary, run: ScanRun): Promise<void> {
  await run.deps.driftState.putScan(summary);
  const s = summary;
  const unreachable = s.unreachable.length;
  const message =
    `scan: ${s.apps} apps on ${s.instancesScanned}/${s.instances} instances, ${s.drifted} drifted, ${s.repaired} repaired, ` +
    `${s.skipped} skipped, ${unreachable} unreachable, ${s.consistencyPercent}% consistent${s.dryRun ? ' (dry run)' : ''}`;
  await run.deps.auditStore
    .append({
      kind: 'scan.completed',
      outcome: unreachable === s.instances && s.instances > 0 ? 'failure' : 'success',
      actor: run.actor,
      ts: s.finishedAt,
      message,
      details: { ...s, unreachable: s.unreachable.map((u) => ({ instance: u.instance, reason: u.reason })) },
    })
    .catch((err: unknown) => {
      summary.auditFailures++;
      run.log.error('drift: audit append failed', { kind: 'scan.completed', error: errorMessage(err) });
    });
  const m = run.deps.metrics;
  if (m) {
    m.addMetric(DRIFT_METRICS.driftedApps, 'Count', s.drifted);
    m.addMetric(DRIFT_METRICS.repairs, 'Count', s.repaired);
    m.addMetric(DRIFT_METRICS.skips, 'Count', s.skipped);
    m.addMetric(DRIFT_METRICS.unreachableInstances, 'Count', unreachable);
    m.addMetric(DRIFT_METRICS.consistencyPercent, 'Percent', s.consistencyPercent);
    m.addMetric(DRIFT_METRICS.scanDurationMs, 'Milliseconds', s.durationMs);
  }
  run.log.info('drift: scan completed', {
    scanId: s.scanId,
    apps: s.apps,
    drifted: s.drifted,
    repaired: s.repaired,
    skipped: s.skipped,
    unreachable,
    durationMs: s.durationMs,
  });
}

/** Drifted, unknown and unhealthy apps, plus apps whose drift was resolved this scan. */
function findingsOf(written: WrittenApp[]): AppFinding[] {
  return written
    .filter((w) => w.condition !== 'ok' || w.transition === 'resolved')
    .map((w) => ({
      instance: w.instance,
      namespace: w.ref.namespace,
      name: w.ref.name,
      project: w.project,
      condition: w.condition,
      syncStatus: w.syncStatus,
      healthStatus: w.healthStatus,
      ...(w.decision ? { decision: w.decision } : {}),
      ...(w.target && (w.decision?.action === 'repair' || w.decision?.reason === 'dry-run') ? { repairRevision: describeTarget(w.target) } : {}),
      ...(w.details ? { details: w.details } : {}),
      ...(w.transition ? { transition: w.transition } : {}),
      ...(w.flapping ? { flapping: true } : {}),
    }));
}

/**
 * Scans every configured instance (or `options.instances`) for drift, records state and
 * audit records, and repairs what the policy allows.
 *
 * An instance that is down, slow or refuses the token (after the client's one refresh)
 * is reported unreachable, audited, and its apps' stored state is left untouched; the
 * other instances are scanned as usual.
 *
 * @param deps `CoreDeps` fit; `metrics` optional
 * @param options dry run, instance subset, actor
 * @returns the stored summary plus the findings behind it
 * @throws TypeError when `options.instances` names an unknown instance
 * @example
 * const result = await runDriftScan(deps, { dryRun: true });
 * console.log(result.drifted, result.consistencyPercent);
 */
export async function runDriftScan(deps: DriftDeps, options: DriftScanOptions = {}): Promise<DriftScanResult> {
  const run = startRun(deps, options);
  const { listed, unreachable } = await listInstances(run);
  const { observed, gone, tally } = classifyApps(listed, run);
  const details = await fetchDetails(
    observed.filter((w) => w.condition === 'drifted'),
    run,
  );
  const decided = await chooseRepairs(assessApps(observed, details.details, run), run);
  const written = await writeStates(decided, gone, run);
  const repairs = await startRepairs(written, run);
  await markInstances(listed, run);
  await run.audit.drain();
  const summary = summarize(run, { unreachable, tally, written, details, repairs });
  await recordScan(summary, run);
  return { ...summary, findings: findingsOf(written) };
}
