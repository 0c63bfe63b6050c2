/**
 * `runDriftScan`: one pass over every configured ArgoCD instance. One list call per
 * instance (all instances at once), managed-resources details only for drifted apps
 * (bounded concurrency, capped per scan), the repair policy, repairs that re-apply the
 * last deployed revision, conditional state writes, audit records for transitions,
 * repairs and skips, a stored scan summary and per-scan metrics.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ArgoCDAuthError,
  ArgoCDForbiddenError,
  ArgoCDUnavailableError,
  Semaphore,
  appRefOf,
  type AppRef,
  type Application,
  type ArgoCDClient,
} from '../argocd/index';
import type { AuditInput } from '../audit/types';
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
import { RESOLVED_TTL_SECONDS, deleteAppState, driftSk, putAppState, putScanSummary, readInstanceState } from './state-store';
import type {
  AppDriftState,
  AppFinding,
  DriftCondition,
  DriftDeps,
  DriftDetails,
  DriftLogger,
  DriftScanOptions,
  DriftScanResult,
  RepairDecision,
  ResourceDrift,
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

interface AppWork {
  instance: string;
  client: ArgoCDClient;
  app: Application;
  ref: AppRef;
  project: string;
  condition: DriftCondition;
  syncStatus: string;
  healthStatus: string;
  prior?: AppDriftState;
  details?: DriftDetails;
  decision?: RepairDecision;
  target?: RepairTarget;
  flapping: boolean;
  newlyFlapping: boolean;
  transition?: 'found' | 'resolved';
  /** State written this scan (after the conditional write). */
  stored?: AppDriftState;
}

function fillLogger(log: DriftLogger | undefined): Required<DriftLogger> {
  const noop = (): void => undefined;
  return {
    debug: log?.debug?.bind(log) ?? noop,
    info: log?.info?.bind(log) ?? noop,
    warn: log?.warn?.bind(log) ?? noop,
    error: log?.error?.bind(log) ?? noop,
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const sem = new Semaphore(Math.max(1, limit));
  return Promise.all(items.map((x) => sem.run(() => fn(x))));
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
  const parts = d.resources.slice(0, 3).map((r) => `${r.kind}/${r.name}${r.fields?.length ? ` (${r.fields.map((f) => f.path).slice(0, 3).join(', ')})` : ` (${r.change})`}`);
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
  const now = deps.now ?? (() => new Date());
  const log = fillLogger(deps.log);
  const cfg = deps.config.drift;
  const dryRun = options.dryRun ?? cfg.dryRun;
  const actor = options.actor ?? 'scheduler';
  const names = options.instances ?? deps.argocd.names;
  for (const n of names) deps.argocd.get(n); // TypeError naming the unknown instance
  const table = deps.tables.state;
  const startedAt = now();
  const t0 = performance.now();
  const scanId = randomUUID();
  const nowIso = startedAt.toISOString();
  let argocdCalls = 0;
  let auditFailures = 0;

  const auditSem = new Semaphore(WRITE_CONCURRENCY);
  const audits: Array<Promise<void>> = [];
  const audit = (input: Omit<AuditInput, 'actor' | 'ts'>): void => {
    audits.push(
      auditSem
        .run(() => deps.auditStore.append({ ...input, actor, ts: nowIso }))
        .then(
          () => undefined,
          (err: unknown) => {
            auditFailures++;
            log.error('drift: audit append failed', { kind: input.kind, error: errorMessage(err) });
          },
        ),
    );
  };

  // 1. One list call per instance, all instances at once, with the stored state.
  const unreachable: UnreachableInstance[] = [];
  const perInstance = await Promise.all(
    names.map(async (instance) => {
      const client = deps.argocd.get(instance);
      const [listed, prior] = await Promise.all([
        (async () => {
          argocdCalls++;
          try {
            return { apps: await client.listApplications() };
          } catch (err) {
            return { error: err };
          }
        })(),
        readInstanceState(deps.doc, table, instance),
      ]);
      if ('error' in listed) {
        const u: UnreachableInstance = { instance, reason: unreachableReason(listed.error), message: errorMessage(listed.error) };
        unreachable.push(u);
        log.warn('drift: instance unreachable', { ...u });
        audit({ kind: 'instance.unreachable', outcome: 'failure', instance, message: `ArgoCD instance unreachable (${u.reason}): ${u.message}`, details: { scanId, reason: u.reason } });
        return undefined;
      }
      return { instance, client, apps: listed.apps, prior };
    }),
  );

  // 2. Classify every app; compare with the stored state.
  const work: AppWork[] = [];
  const gone: AppDriftState[] = [];
  let apps = 0;
  let agree = 0;
  let unknown = 0;
  let degraded = 0;
  let missing = 0;
  for (const inst of perInstance) {
    if (!inst) continue;
    const seen = new Set<string>();
    for (const app of inst.apps) {
      apps++;
      const ref = appRefOf(inst.instance, app, inst.client.namespace);
      const key = driftSk(ref.namespace, ref.name);
      seen.add(key);
      const condition = conditionOf(app);
      const syncStatus = app.status?.sync?.status ?? 'Unknown';
      const healthStatus = app.status?.health?.status ?? 'Unknown';
      if (condition !== 'drifted' && syncStatus === 'Synced') agree++;
      if (syncStatus === 'Unknown') unknown++;
      if (healthStatus === 'Degraded') degraded++;
      if (healthStatus === 'Missing') missing++;
      const prior = inst.prior.get(key);
      if (condition === 'ok' && (!prior || (prior.condition === 'ok' && !flappingCleared(prior, startedAt, cfg.cooldownMinutes)))) continue;
      work.push({ instance: inst.instance, client: inst.client, app, ref, project: app.spec?.project ?? 'default', condition, syncStatus, healthStatus, prior, flapping: false, newlyFlapping: false });
    }
    for (const [key, state] of inst.prior) if (!seen.has(key)) gone.push(state);
  }
  const drifted = work.filter((w) => w.condition === 'drifted');

  // 3. Details for drifted apps only: newly drifted first, capped per scan, bounded per instance.
  const ordered = [...drifted].sort((a, b) => Number(a.prior?.condition === 'drifted') - Number(b.prior?.condition === 'drifted'));
  const withDetails = ordered.slice(0, Math.max(0, cfg.maxDetailsPerScan));
  const capped = ordered.slice(withDetails.length);
  const sems = new Map<string, Semaphore>();
  await Promise.all(
    withDetails.map((w) => {
      let sem = sems.get(w.instance);
      if (!sem) sems.set(w.instance, (sem = new Semaphore(Math.max(1, cfg.detailsConcurrency))));
      return sem.run(async () => {
        argocdCalls++;
        try {
          const items = await w.client.getManagedResources(w.ref, { project: w.project });
          const resources = items.map(resourceDriftOf).filter((r): r is ResourceDrift => !!r);
          w.details = { source: 'managed-resources', resources: resources.slice(0, DIFF_LIMITS.maxResources), ...(resources.length > DIFF_LIMITS.maxResources ? { truncated: true } : {}) };
        } catch (err) {
          w.details = detailsFromStatus(w.app, `managed-resources call failed: ${errorMessage(err)}`);
        }
      });
    }),
  );
  for (const w of capped) {
    // Beyond the cap, keep the field-level details an earlier scan fetched for this drift.
    w.details = w.prior?.condition === 'drifted' && w.prior.details?.source === 'managed-resources' ? w.prior.details : detailsFromStatus(w.app, 'maxDetailsPerScan reached');
  }

  // 4. Transitions, flapping, policy.
  const candidates: AppWork[] = [];
  for (const w of work) {
    const wasDrifted = w.prior?.condition === 'drifted';
    if (w.condition === 'drifted') {
      if (!wasDrifted) w.transition = 'found';
      w.flapping = isFlappingNow({ prior: w.prior, newlyDrifted: !wasDrifted, config: cfg, now: startedAt });
      w.newlyFlapping = w.flapping && !w.prior?.flapping;
      const d = evaluatePolicy({ instance: w.instance, app: w.app, prior: w.prior, newlyDrifted: !wasDrifted, config: cfg, now: startedAt });
      if (d) w.decision = d;
      else candidates.push(w);
    } else {
      if (wasDrifted) w.transition = 'resolved';
      w.flapping = !!w.prior?.flapping && !(w.condition === 'ok' && flappingCleared(w.prior, startedAt, cfg.cooldownMinutes));
    }
  }

  // 5. Repair candidates, in a stable order: at most maxRepairsPerScan; ask ArgoCD about windows.
  candidates.sort((a, b) => names.indexOf(a.instance) - names.indexOf(b.instance) || driftSk(a.ref.namespace, a.ref.name).localeCompare(driftSk(b.ref.namespace, b.ref.name)));
  let slots = Math.max(0, cfg.maxRepairsPerScan);
  let next = 0;
  while (next < candidates.length && slots > 0) {
    const batch = candidates.slice(next, next + slots);
    next += batch.length;
    await Promise.all(
      batch.map(async (w) => {
        argocdCalls++;
        try {
          const windows = await w.client.getSyncWindows(w.ref);
          if (!windows.canSync) {
            w.decision = decision('skip', 'sync-window');
            return;
          }
        } catch (err) {
          w.decision = decision('skip', 'sync-window', `could not read sync windows: ${errorMessage(err)}`);
          return;
        }
        w.target = lastDeployedTarget(w.app);
        w.decision = repairDecision(w.instance, w.app, cfg.rules, dryRun);
      }),
    );
    slots -= batch.filter((w) => w.decision?.action === 'repair' || w.decision?.reason === 'dry-run').length;
  }
  for (const w of candidates.slice(next)) w.decision = decision('skip', 'repair-cap', `${cfg.maxRepairsPerScan} per scan`);

  // 6. State writes (conditional), then the audit records they justify.
  const expires = Math.floor(startedAt.getTime() / 1000) + RESOLVED_TTL_SECONDS;
  const writeSem = new Semaphore(WRITE_CONCURRENCY);
  await Promise.all(
    work.map((w) =>
      writeSem.run(async () => {
        const p = w.prior;
        const same = p?.condition === w.condition;
        const repairing = w.decision?.action === 'repair';
        const state: AppDriftState = {
          instance: w.instance,
          namespace: w.ref.namespace,
          name: w.ref.name,
          project: w.project,
          condition: w.condition,
          syncStatus: w.syncStatus,
          healthStatus: w.healthStatus,
          ...(currentTarget(w.app) ? { targetRevision: currentTarget(w.app) } : {}),
          firstSeen: same && p ? p.firstSeen : nowIso,
          lastSeen: nowIso,
          consecutiveScans: same && p ? p.consecutiveScans + 1 : 1,
          ...(p?.lastRepairAt ? { lastRepairAt: p.lastRepairAt } : {}),
          ...(p?.lastRepairRevision ? { lastRepairRevision: p.lastRepairRevision } : {}),
          ...(p?.lastRepairOutcome ? { lastRepairOutcome: p.lastRepairOutcome } : {}),
          ...(repairing ? { lastRepairAt: nowIso, lastRepairRevision: describeTarget(w.target), lastRepairOutcome: 'started' as const } : {}),
          flapping: w.flapping,
          ...(w.flapping ? { flappingSince: w.newlyFlapping ? nowIso : p?.flappingSince ?? nowIso } : {}),
          ...(w.condition === 'ok' ? { resolvedAt: p?.condition === 'ok' ? p.resolvedAt ?? nowIso : nowIso } : {}),
          ...(w.decision ? { lastDecision: w.decision } : p?.lastDecision && w.condition !== 'ok' ? { lastDecision: p.lastDecision } : {}),
          ...(w.details ? { details: w.details } : {}),
          version: 0,
        };
        const stored = await putAppState(deps.doc, table, state, p?.version, w.condition === 'ok' ? expires : undefined);
        if (!stored) {
          log.info('drift: app state changed by a concurrent scan; leaving the app to it', { instance: w.instance, app: w.ref.name });
          if (w.decision) w.decision = decision('skip', 'concurrent-scan');
          w.transition = undefined;
          return;
        }
        w.stored = stored;
        const base = { instance: w.instance, namespace: w.ref.namespace, app: w.ref.name, project: w.project };
        if (w.transition === 'found') {
          audit({ ...base, kind: 'drift.found', outcome: 'info', revision: state.targetRevision, message: `drift found: ${summarizeDetails(w.details)}`, details: { scanId, syncStatus: w.syncStatus, healthStatus: w.healthStatus, drift: auditDetailsOf(w.details) } });
        } else if (w.transition === 'resolved') {
          audit({ ...base, kind: 'drift.resolved', outcome: 'info', revision: state.targetRevision, message: 'drift resolved: Git and live agree again', details: { scanId, driftedSince: p?.firstSeen, syncStatus: w.syncStatus } });
        }
        if (w.newlyFlapping) {
          audit({ ...base, kind: 'drift.flapping', outcome: 'info', message: `drifted again within ${cfg.cooldownMinutes} min of the repair at ${p?.lastRepairAt}; left for a human`, details: { scanId, lastRepairAt: p?.lastRepairAt } });
        }
        // A skip is audited when it starts or its reason changes, not again on every scan.
        if (w.decision?.action === 'skip' && (w.decision.reason === 'dry-run' || p?.lastDecision?.reason !== w.decision.reason || w.transition === 'found')) {
          audit({ ...base, kind: 'drift.skipped', outcome: 'skipped', revision: describeTarget(w.target), message: w.decision.message, details: { scanId, reason: w.decision.reason, dryRun, ...(w.target ? { wouldSyncTo: describeTarget(w.target) } : {}) } });
        }
      }),
    ),
  );
  await Promise.all(
    gone.map((s) =>
      writeSem.run(async () => {
        if (!(await deleteAppState(deps.doc, table, s))) return;
        if (s.condition === 'drifted') {
          audit({ instance: s.instance, namespace: s.namespace, app: s.name, project: s.project, kind: 'drift.resolved', outcome: 'info', message: 'drift resolved: the application no longer exists in ArgoCD', details: { scanId, driftedSince: s.firstSeen } });
        }
      }),
    ),
  );

  // 7. Repairs: the claimed apps only, to the revision they last deployed, never the branch head.
  let repaired = 0;
  let repairFailed = 0;
  const repairs = work.filter((w) => w.decision?.action === 'repair' && w.stored);
  await mapLimit(repairs, WRITE_CONCURRENCY, async (w) => {
    const target = w.target!;
    const automated = !!w.app.spec?.syncPolicy?.automated && w.app.spec.syncPolicy.automated.enabled !== false;
    const base = { instance: w.instance, namespace: w.ref.namespace, app: w.ref.name, project: w.project, revision: describeTarget(target) };
    argocdCalls++;
    try {
      // Under auto-sync ArgoCD only accepts the target revision; the policy checked that it
      // still resolves to the deployed one, so the sync carries none.
      await w.client.syncApplication(w.ref, {
        ...(automated ? {} : target.revisions ? { revisions: target.revisions, sourcePositions: target.sourcePositions } : { revision: target.revision }),
        prune: cfg.prune,
        project: w.project,
      });
      repaired++;
      audit({ ...base, kind: 'drift.repaired', outcome: 'success', message: `repair started: sync to the last deployed revision ${describeTarget(target)} (history id ${target.historyId})`, details: { scanId, reason: w.decision!.reason, historyId: target.historyId, prune: cfg.prune, drift: auditDetailsOf(w.details) } });
    } catch (err) {
      repairFailed++;
      const message = errorMessage(err);
      log.warn('drift: repair failed', { instance: w.instance, app: w.ref.name, error: message });
      audit({ ...base, kind: 'drift.repaired', outcome: 'failure', message: `repair failed: ${message}`, details: { scanId, reason: w.decision!.reason, historyId: target.historyId, error: err instanceof Error ? err.name : 'Error' } });
      const again = await putAppState(deps.doc, table, { ...w.stored!, lastRepairOutcome: 'failed' }, w.stored!.version);
      if (again) w.stored = again;
    }
  });

  await Promise.all(audits);
  const finishedAt = now();
  const durationMs = Math.round(performance.now() - t0);
  const decided = drifted.map((w) => w.decision);
  const skipped = decided.filter((d) => d?.action === 'skip').length;
  const summary: ScanSummary = {
    scanId,
    startedAt: nowIso,
    finishedAt: finishedAt.toISOString(),
    durationMs,
    dryRun,
    actor,
    instances: names.length,
    instancesScanned: names.length - unreachable.length,
    unreachable: [...unreachable].sort((a, b) => names.indexOf(a.instance) - names.indexOf(b.instance)),
    apps,
    drifted: drifted.length,
    unknown,
    degraded,
    missing,
    repaired,
    repairFailed,
    skipped,
    reportOnly: decided.filter((d) => d?.action === 'report').length,
    found: work.filter((w) => w.transition === 'found').length,
    resolved: work.filter((w) => w.transition === 'resolved').length,
    detailsFetched: withDetails.length,
    detailsSkipped: capped.length,
    consistencyPercent: apps ? Math.round((agree / apps) * 10_000) / 100 : 100,
    argocdCalls,
    auditFailures,
  };
  await putScanSummary(deps.doc, table, summary);
  await deps.auditStore
    .append({
      kind: 'scan.completed',
      outcome: unreachable.length === names.length && names.length > 0 ? 'failure' : 'success',
      actor,
      ts: summary.finishedAt,
      message: `scan: ${apps} apps on ${summary.instancesScanned}/${names.length} instances, ${drifted.length} drifted, ${repaired} repaired, ${skipped} skipped, ${unreachable.length} unreachable, ${summary.consistencyPercent}% consistent${dryRun ? ' (dry run)' : ''}`,
      details: { ...summary, unreachable: summary.unreachable.map((u) => ({ instance: u.instance, reason: u.reason })) },
    })
    .catch((err: unknown) => {
      summary.auditFailures++;
      log.error('drift: audit append failed', { kind: 'scan.completed', error: errorMessage(err) });
    });

  const m = deps.metrics;
  if (m) {
    m.addMetric(DRIFT_METRICS.driftedApps, 'Count', summary.drifted);
    m.addMetric(DRIFT_METRICS.repairs, 'Count', summary.repaired);
    m.addMetric(DRIFT_METRICS.skips, 'Count', summary.skipped);
    m.addMetric(DRIFT_METRICS.unreachableInstances, 'Count', unreachable.length);
    m.addMetric(DRIFT_METRICS.consistencyPercent, 'Percent', summary.consistencyPercent);
    m.addMetric(DRIFT_METRICS.scanDurationMs, 'Milliseconds', durationMs);
  }
  log.info('drift: scan completed', { scanId, apps, drifted: drifted.length, repaired, skipped, unreachable: unreachable.length, durationMs });

  const findings: AppFinding[] = work
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
  return { ...summary, findings };
}
