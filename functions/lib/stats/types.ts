import type { AuditStore } from '../audit/audit-store';

/** One drift scan as statistics need it (a subset of drift's `ScanSummary`). */
export interface ScanPoint {
  startedAt: string;
  /** Share of apps where Git and live agree, 0..100. */
  consistencyPercent: number;
  apps?: number;
  drifted?: number;
}

/** What `computeStats` needs. */
export interface StatsDeps {
  auditStore: AuditStore;
  /** Scan summaries in a time range (drift's `listScans`); without it, `scan.completed` audit records are used. */
  listScans?: (options: { from: string; to: string; limit: number }) => Promise<ScanPoint[]>;
  /**
   * Refused webhook requests per UTC day, provider and reason in a time range (intake's
   * `listRefusals`); without it the report has no `refused` section.
   */
  listRefusals?: (options: { from: string; to: string }) => Promise<Array<{ day: string; provider: string; reason: string; count: number }>>;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Refused webhook requests (never in the audit trail: counted instead), per UTC day of the
 * range: by reason, by provider and reason, and per day.
 */
export interface RefusedStats {
  total: number;
  byReason: Record<string, number>;
  byProvider: Record<string, Record<string, number>>;
  days: Array<{ day: string; total: number }>;
}

/** Options of `computeStats`. */
export interface StatsOptions {
  /** First UTC day (`yyyy-mm-dd`) or ISO time. @default 7 days before `to` */
  from?: string;
  /** Last UTC day (inclusive) or ISO time. @default now */
  to?: string;
  /** Only this app (with `instance`/`namespace`): the by-app Query instead of the by-day one. */
  app?: string;
  instance?: string;
  namespace?: string;
  /** Longest range in days. @default 31 */
  maxDays?: number;
}

/** Counters shared by the per-day, per-app and total figures. */
export interface StatsCounters {
  /** `webhook.received` records (pushes accepted); per app: distinct deliveries that reached it. */
  pushes: number;
  /** `app.refreshed` records. */
  refreshes: number;
  /** `app.synced` records. */
  syncs: number;
  /** Refreshes/syncs that failed (`app.failed`, or outcome `failure`). */
  failed: number;
  /** succeeded / (succeeded + failed), 0..1; null with no actions. */
  successRate: number | null;
  /** Median time from webhook received to ArgoCD accepting the refresh/sync, ms. */
  latencyP50Ms: number | null;
  /** 95th percentile of the same, ms. */
  latencyP95Ms: number | null;
  /** Samples behind the percentiles. */
  latencySamples: number;
  /** `drift.found` records. */
  driftFound: number;
  /** `drift.repaired` records with outcome success (repairs started). */
  driftRepaired: number;
  /** `drift.resolved` records (Git and live agree again). */
  driftResolved: number;
  /** Mean time from `drift.found` to the following `drift.resolved` of the same app, ms (episodes closed in range). */
  mttrMs: number | null;
  /** `app.rolledback` records with outcome success. */
  rollbacks: number;
  /** Tracked deployments that ended (`deploy.succeeded`, `failed`, `degraded`, `timeout`). */
  deployments: number;
  /** `deploy.succeeded` records. */
  deploySucceeded: number;
  /** `deploy.failed`, `deploy.degraded` and `deploy.timeout` records. */
  deployFailed: number;
  /** `deploy.superseded` records (a newer push came first; neither success nor failure). */
  deploySuperseded: number;
  /** deploySucceeded / deployments, 0..1; null with no deployments. */
  deploySuccessRate: number | null;
  /** Median lead time, push (or repair/rollback request) to Synced and Healthy, ms. */
  leadTimeP50Ms: number | null;
  /** 95th percentile of the lead time, ms. */
  leadTimeP95Ms: number | null;
  /** Succeeded deployments behind the lead-time percentiles. */
  leadTimeSamples: number;
}

/** Figures of one UTC day. */
export interface DayStats extends StatsCounters {
  day: string;
  /** Scans started that day. */
  scans: number;
  /** Mean consistency share of that day's scans, 0..100. */
  consistencyPercent: number | null;
  /** Lowest consistency share of that day's scans. */
  minConsistencyPercent: number | null;
}

/** Figures of one app. */
export interface AppStats extends StatsCounters {
  instance: string;
  namespace: string;
  app: string;
}

/** What `GET /api/stats` answers. */
export interface StatsReport {
  from: string;
  to: string;
  /** Audit records read (each from a Query page, never a Scan). */
  records: number;
  totals: StatsCounters & { scans: number; consistencyPercent: number | null };
  days: DayStats[];
  apps: AppStats[];
  /** Consistency share per scan, oldest first. */
  scans: ScanPoint[];
  /** Refused webhook requests, when the caller may see them (whole UTC days of the range). */
  refused?: RefusedStats;
}
