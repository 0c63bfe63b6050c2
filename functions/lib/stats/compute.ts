/**
 * Statistics from the audit trail and the scan summaries, per UTC day and per app. Every read
 * is a Query: the by-day index page by page (or the by-app index for one app) and the
 * state table's by-kind index for scans; never a Scan. Memory grows with the number of apps
 * and drift episodes in range, not with the number of records.
 */
import type { AuditRecord } from '../audit/types';
import { StatsRangeError } from './errors';
import type { AppStats, DayStats, RefusedStats, ScanPoint, StatsCounters, StatsDeps, StatsOptions, StatsReport } from './types';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** Audit page size used for the walk (the store's maximum). */
const PAGE = 1000;

/**
 * Nearest-rank percentile of an ascending array; null when empty.
 * @param p 0..100
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

interface Acc {
  pushes: number;
  deliveries: Set<string>;
  refreshes: number;
  syncs: number;
  succeeded: number;
  failed: number;
  latencies: number[];
  driftFound: number;
  driftRepaired: number;
  driftResolved: number;
  repairTimes: number[];
  rollbacks: number;
  deploySucceeded: number;
  deployFailed: number;
  deploySuperseded: number;
  leadTimes: number[];
}

function newAcc(): Acc {
  return {
    pushes: 0,
    deliveries: new Set(),
    refreshes: 0,
    syncs: 0,
    succeeded: 0,
    failed: 0,
    latencies: [],
    driftFound: 0,
    driftRepaired: 0,
    driftResolved: 0,
    repairTimes: [],
    rollbacks: 0,
    deploySucceeded: 0,
    deployFailed: 0,
    deploySuperseded: 0,
    leadTimes: [],
  };
}

function finish(acc: Acc, perApp: boolean): StatsCounters {
  const sorted = [...acc.latencies].sort((a, b) => a - b);
  const leads = [...acc.leadTimes].sort((a, b) => a - b);
  const deployments = acc.deploySucceeded + acc.deployFailed;
  const actions = acc.succeeded + acc.failed;
  return {
    pushes: perApp ? acc.deliveries.size : acc.pushes,
    refreshes: acc.refreshes,
    syncs: acc.syncs,
    failed: acc.failed,
    successRate: actions ? round(acc.succeeded / actions, 4) : null,
    latencyP50Ms: percentile(sorted, 50),
    latencyP95Ms: percentile(sorted, 95),
    latencySamples: sorted.length,
    driftFound: acc.driftFound,
    driftRepaired: acc.driftRepaired,
    driftResolved: acc.driftResolved,
    mttrMs: acc.repairTimes.length ? Math.round(acc.repairTimes.reduce((a, b) => a + b, 0) / acc.repairTimes.length) : null,
    rollbacks: acc.rollbacks,
    deployments,
    deploySucceeded: acc.deploySucceeded,
    deployFailed: acc.deployFailed,
    deploySuperseded: acc.deploySuperseded,
    deploySuccessRate: deployments ? round(acc.deploySucceeded / deployments, 4) : null,
    leadTimeP50Ms: percentile(leads, 50),
    leadTimeP95Ms: percentile(leads, 95),
    leadTimeSamples: leads.length,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Sums refusal counts by reason, by provider and reason, and by day. */
function summariseRefusals(counts: Array<{ day: string; provider: string; reason: string; count: number }>): RefusedStats {
  const out: RefusedStats = { total: 0, byReason: {}, byProvider: {}, days: [] };
  const days = new Map<string, number>();
  for (const c of counts) {
    out.total += c.count;
    out.byReason[c.reason] = (out.byReason[c.reason] ?? 0) + c.count;
    const p = (out.byProvider[c.provider] ??= {});
    p[c.reason] = (p[c.reason] ?? 0) + c.count;
    days.set(c.day, (days.get(c.day) ?? 0) + c.count);
  }
  out.days = [...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, total]) => ({ day, total }));
  return out;
}

/** Resolves `from`/`to` (days or ISO times) to an inclusive ISO range. */
export function statsRange(options: StatsOptions, now: Date): { from: string; to: string } {
  const parse = (v: string, end: boolean, name: string): number => {
    const ms = DATE_ONLY.test(v) ? Date.parse(`${v}T00:00:00.000Z`) + (end ? DAY_MS - 1 : 0) : Date.parse(v);
    if (!Number.isFinite(ms)) throw new StatsRangeError(name, `${name} must be a date (yyyy-mm-dd) or an ISO-8601 time`);
    return ms;
  };
  const to = options.to ? parse(options.to, true, 'to') : now.getTime();
  const from = options.from ? parse(options.from, false, 'from') : Date.parse(new Date(to - 6 * DAY_MS).toISOString().slice(0, 10));
  if (from > to) throw new StatsRangeError('from', 'from must not be after to');
  const maxDays = options.maxDays ?? 31;
  if (to - from > maxDays * DAY_MS) throw new StatsRangeError('from', `the range may span at most ${maxDays} days`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

function appKeyOf(r: AuditRecord): string | undefined {
  return r.app ? `${r.instance ?? ''}\0${r.namespace ?? ''}\0${r.app}` : undefined;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The accumulators of one walk over the audit records of a range: totals, per day and per app,
 * plus what needs a second pass (actions whose latency comes from their delivery's
 * `webhook.received`, drift events that form episodes) and the `scan.completed` points.
 */
class StatsWalk {
  readonly total = newAcc();
  readonly days = new Map<string, Acc>();
  readonly apps = new Map<string, { instance: string; namespace: string; app: string; acc: Acc }>();
  readonly scanRecords: ScanPoint[] = [];
  records = 0;
  readonly #received = new Map<string, number>();
  readonly #pending: Array<{ deliveryId: string; at: number; day: string; appKey: string }> = [];
  readonly #driftEvents = new Map<string, Array<{ at: number; kind: string }>>();

  dayAcc(day: string): Acc {
    return this.days.get(day) ?? (this.days.set(day, newAcc()), this.days.get(day)!);
  }

  #appAcc(r: AuditRecord, key: string): Acc {
    let a = this.apps.get(key);
    if (!a) this.apps.set(key, (a = { instance: r.instance ?? '', namespace: r.namespace ?? '', app: r.app!, acc: newAcc() }));
    return a.acc;
  }

  /** Counts one record in the totals, its day and its app (an app is listed once it has any record). */
  add(r: AuditRecord): void {
    this.records++;
    const day = r.ts.slice(0, 10);
    const key = appKeyOf(r);
    const targets = [this.total, this.dayAcc(day), ...(key ? [this.#appAcc(r, key)] : [])];
    const at = Date.parse(r.ts);
    switch (r.kind) {
      case 'webhook.received':
        for (const t of targets) t.pushes++;
        if (r.deliveryId) this.#received.set(r.deliveryId, at);
        break;
      case 'app.refreshed':
      case 'app.synced':
        this.#addAction(r, targets, { at, day, key });
        break;
      case 'app.failed':
        for (const t of targets) {
          t.failed++;
          if (r.deliveryId) t.deliveries.add(r.deliveryId);
        }
        break;
      case 'drift.found':
      case 'drift.resolved':
      case 'drift.repaired':
        this.#addDrift(r, targets, at, key);
        break;
      case 'app.rolledback':
        if (r.outcome === 'success') for (const t of targets) t.rollbacks++;
        break;
      default:
        if (r.kind.startsWith('deploy.')) addDeploy(r, targets);
        else if (r.kind === 'scan.completed') this.#addScan(r);
    }
  }

  /** A refresh or sync: counted, and its latency from `details.latencyMs` or, later, from its delivery. */
  #addAction(r: AuditRecord, targets: Acc[], where: { at: number; day: string; key: string | undefined }): void {
    const ok = r.outcome !== 'failure';
    for (const t of targets) {
      if (r.kind === 'app.refreshed') t.refreshes++;
      else t.syncs++;
      if (ok) t.succeeded++;
      else t.failed++;
      if (r.deliveryId) t.deliveries.add(r.deliveryId);
    }
    if (!ok) return;
    const latency = (r.details as { latencyMs?: unknown } | undefined)?.latencyMs;
    if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) {
      for (const t of targets) t.latencies.push(latency);
    } else if (r.deliveryId) {
      this.#pending.push({ deliveryId: r.deliveryId, at: where.at, day: where.day, appKey: where.key ?? '' });
    }
  }

  #addDrift(r: AuditRecord, targets: Acc[], at: number, key: string | undefined): void {
    if (r.kind === 'drift.found') for (const t of targets) t.driftFound++;
    if (r.kind === 'drift.resolved') for (const t of targets) t.driftResolved++;
    if (r.kind === 'drift.repaired' && r.outcome === 'success') for (const t of targets) t.driftRepaired++;
    if (key && r.kind !== 'drift.repaired')
      (this.#driftEvents.get(key) ?? (this.#driftEvents.set(key, []), this.#driftEvents.get(key)!)).push({ at, kind: r.kind });
  }

  #addScan(r: AuditRecord): void {
    const d = r.details as { consistencyPercent?: unknown; apps?: unknown; drifted?: unknown } | undefined;
    if (typeof d?.consistencyPercent !== 'number') return;
    this.scanRecords.push({
      startedAt: r.ts,
      consistencyPercent: d.consistencyPercent,
      ...(typeof d.apps === 'number' ? { apps: d.apps } : {}),
      ...(typeof d.drifted === 'number' ? { drifted: d.drifted } : {}),
    });
  }

  /** Latency without details.latencyMs: from the delivery's webhook.received record in range. */
  addDeliveryLatencies(): void {
    for (const p of this.#pending) {
      const start = this.#received.get(p.deliveryId);
      if (start === undefined || p.at < start) continue;
      const ms = p.at - start;
      this.total.latencies.push(ms);
      this.dayAcc(p.day).latencies.push(ms);
      if (p.appKey) this.apps.get(p.appKey)?.acc.latencies.push(ms);
    }
  }

  /** Drift episodes: the first drift.found after the last resolution opens one, drift.resolved closes it. */
  addDriftEpisodes(): void {
    for (const [key, events] of this.#driftEvents) {
      events.sort((a, b) => a.at - b.at);
      let open: number | undefined;
      for (const e of events) {
        if (e.kind === 'drift.found') open ??= e.at;
        else if (open !== undefined) {
          const ms = e.at - open;
          this.total.repairTimes.push(ms);
          this.dayAcc(dayOf(e.at)).repairTimes.push(ms);
          this.apps.get(key)?.acc.repairTimes.push(ms);
          open = undefined;
        }
      }
    }
  }

  /** Per-app figures, sorted by instance/namespace/app. */
  appStats(): AppStats[] {
    return [...this.apps.values()]
      .map((a) => ({ instance: a.instance, namespace: a.namespace, app: a.app, ...finish(a.acc, true) }))
      .sort((a, b) => `${a.instance}/${a.namespace}/${a.app}`.localeCompare(`${b.instance}/${b.namespace}/${b.app}`));
  }
}

/** Deployment outcomes; lead time from `details.leadTimeMs` of `deploy.succeeded`. Other `deploy.*` kinds count nowhere. */
function addDeploy(r: AuditRecord, targets: Acc[]): void {
  switch (r.kind) {
    case 'deploy.succeeded': {
      const lead = (r.details as { leadTimeMs?: unknown } | undefined)?.leadTimeMs;
      for (const t of targets) {
        t.deploySucceeded++;
        if (typeof lead === 'number' && Number.isFinite(lead) && lead >= 0) t.leadTimes.push(lead);
      }
      break;
    }
    case 'deploy.failed':
    case 'deploy.degraded':
    case 'deploy.timeout':
      for (const t of targets) t.deployFailed++;
      break;
    case 'deploy.superseded':
      for (const t of targets) t.deploySuperseded++;
      break;
    default:
      break;
  }
}

/** Feeds every audit record of the range (and of the app/instance/namespace filter) to `walk`, page by page. */
async function walkAudit(deps: StatsDeps, options: StatsOptions, range: { from: string; to: string }, walk: StatsWalk): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await deps.auditStore.query({
      ...range,
      limit: PAGE,
      cursor,
      ...(options.app ? { app: options.app } : {}),
      ...(options.instance ? { instance: options.instance } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
    for (const r of page.items) walk.add(r);
    cursor = page.cursor;
  } while (cursor);
}

/** Scan points in start order: the scan summaries when the caller has them (and no app filter), else the audit's `scan.completed`. */
async function scanPoints(deps: StatsDeps, options: StatsOptions, range: { from: string; to: string }, fromAudit: ScanPoint[]): Promise<ScanPoint[]> {
  return (deps.listScans && !options.app ? await deps.listScans({ ...range, limit: 1000 }) : fromAudit)
    .map((s) => ({
      startedAt: s.startedAt,
      consistencyPercent: s.consistencyPercent,
      ...(s.apps !== undefined ? { apps: s.apps } : {}),
      ...(s.drifted !== undefined ? { drifted: s.drifted } : {}),
    }))
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

const mean = (xs: number[] | undefined) => (xs?.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length, 2) : null);

/** One row per UTC day of the range (days without records included), with that day's scans. */
function dayStatsOf(walk: StatsWalk, scans: ScanPoint[], range: { from: string; to: string }): DayStats[] {
  const scansByDay = new Map<string, number[]>();
  for (const s of scans) {
    const d = s.startedAt.slice(0, 10);
    (scansByDay.get(d) ?? (scansByDay.set(d, []), scansByDay.get(d)!)).push(s.consistencyPercent);
  }
  const allDays: string[] = [];
  for (let t = Date.parse(range.from.slice(0, 10)); t <= Date.parse(range.to); t += DAY_MS) allDays.push(dayOf(t));
  return allDays.map((day) => {
    const c = scansByDay.get(day);
    return {
      day,
      ...finish(walk.days.get(day) ?? newAcc(), false),
      scans: c?.length ?? 0,
      consistencyPercent: mean(c),
      minConsistencyPercent: c?.length ? Math.min(...c) : null,
    };
  });
}

/**
 * Computes per-day and per-app figures for a range (default: the last 7 days).
 * Latency is `details.latencyMs` of `app.refreshed`/`app.synced` records when present, else the
 * time from the delivery's `webhook.received` record to the action record. Lead time is
 * `details.leadTimeMs` of `deploy.succeeded` records (push received to Synced and Healthy),
 * counted on the day the deployment ended.
 * @throws StatsRangeError on an unusable range
 */
export async function computeStats(deps: StatsDeps, options: StatsOptions = {}): Promise<StatsReport> {
  const now = (deps.now ?? (() => new Date()))();
  const range = statsRange(options, now);
  const walk = new StatsWalk();
  await walkAudit(deps, options, range, walk);
  walk.addDeliveryLatencies();
  walk.addDriftEpisodes();
  const scans = await scanPoints(deps, options, range, walk.scanRecords);
  const days = dayStatsOf(walk, scans, range);
  const apps = walk.appStats();
  const refused = deps.listRefusals && !options.app ? summariseRefusals(await deps.listRefusals(range)) : undefined;
  return {
    ...(refused ? { refused } : {}),
    from: range.from,
    to: range.to,
    records: walk.records,
    totals: { ...finish(walk.total, false), scans: scans.length, consistencyPercent: mean(scans.map((s) => s.consistencyPercent)) },
    days,
    apps,
    scans,
  };
}
