/**
 * Domain types of drift detection and repair: scan options and results, the per-app
 * drift state kept in the STATE table, scan summaries, and the metrics sink.
 */
import type { ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import type { SentinelConfig } from '../config/types';
import type { PartialLogger } from '../observability/simple-logger';
import type { DriftStateStore } from './state-store';
import type { DeploymentStarter } from '../deploy/types';

/** Units the drift scan reports metrics in (a subset of Powertools' `MetricUnit`). */
export type DriftMetricUnit = 'Count' | 'Percent' | 'Milliseconds';

/**
 * Where per-scan metrics go. A Powertools `Metrics` instance fits as is; tests pass
 * nothing. The scan only adds metrics: flushing (`publishStoredMetrics`) is the caller's.
 */
export interface DriftMetricsSink {
  addMetric(name: string, unit: DriftMetricUnit, value: number): unknown;
}

/** What {@link runDriftScan} needs (a subset of `CoreDeps`, plus an optional metrics sink). */
export interface DriftDeps {
  config: Pick<SentinelConfig, 'drift'>;
  driftState: DriftStateStore;
  auditStore: AuditStore;
  argocd: ArgoCDRegistry;
  /** Missing methods: see `completeLogger`. */
  log?: PartialLogger;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Per-scan metrics (Powertools EMF in Lambda). @default none */
  metrics?: DriftMetricsSink;
  /** Follows each started repair to its outcome (`deploy.*` records). @default no tracking */
  deployments?: DeploymentStarter;
}

/** What the read functions ({@link getDriftState}, {@link listScans}) need. */
export interface DriftReadDeps {
  driftState: DriftStateStore;
  /** Instance names to read when no instance is given; the registry's names. */
  argocd: Pick<ArgoCDRegistry, 'names'>;
}

/** Options of one scan. */
export interface DriftScanOptions {
  /** Report what would be repaired and change nothing in ArgoCD. @default config.drift.dryRun */
  dryRun?: boolean;
  /** Scan only these instances. @default every configured instance */
  instances?: string[];
  /** Who asked: `scheduler` for the schedule, the caller's identity for `POST /api/drift/scan`. @default "scheduler" */
  actor?: string;
}

/** How an app compares to Git, as the list call reports it. */
export type DriftCondition = 'drifted' | 'unknown' | 'unhealthy' | 'ok';

/** Why a drifted app was or was not repaired. */
export type DecisionReason =
  | 'not-opted-in'
  | 'ignored'
  | 'self-heal'
  | 'flapping'
  | 'cooldown'
  | 'operation-running'
  | 'repair-cap'
  | 'sync-window'
  | 'no-deployed-revision'
  | 'auto-sync-target-moved'
  | 'dry-run'
  | 'opted-in-annotation'
  | 'opted-in-rule'
  | 'concurrent-scan'
  | 'app-unreadable';

/** What the scan did with a drifted app. `report`: not a repair candidate (not audited as a skip). */
export type DecisionAction = 'repair' | 'skip' | 'report';

/** The decision on one drifted app. */
export interface RepairDecision {
  action: DecisionAction;
  reason: DecisionReason;
  /** Human-readable explanation, as audited. */
  message: string;
}

/** One field that differs between live and desired state. */
export interface FieldDiff {
  /** Path such as `spec.replicas` or `spec.template.spec.containers[0].image`. */
  path: string;
  /** Live value (JSON, truncated); never present for Secrets. */
  live?: string;
  /** Desired value (JSON, truncated); never present for Secrets. */
  desired?: string;
}

/** One resource that differs. */
export interface ResourceDrift {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  /** `modified`: fields differ; `missing`: not in the cluster; `extra`: in the cluster, not in Git. */
  change: 'modified' | 'missing' | 'extra';
  /** Differing fields (absent when no managed-resources details were fetched). */
  fields?: FieldDiff[];
  /** More fields differed than are kept. */
  fieldsTruncated?: boolean;
}

/** What differs in a drifted app. */
export interface DriftDetails {
  /** Whether field-level details come from the managed-resources diff this scan. */
  source: 'managed-resources' | 'status';
  resources: ResourceDrift[];
  /** More resources differed than are kept. */
  truncated?: boolean;
  /** Why details are only from `status.resources` (cap reached, call failed). */
  note?: string;
}

/** One app's drift state, as stored per app and returned by {@link getDriftState}. */
export interface AppDriftState {
  instance: string;
  namespace: string;
  name: string;
  project: string;
  /** Current condition; `ok` means Git and live agree again (drift resolved). */
  condition: DriftCondition;
  /** `status.sync.status` at the last scan. */
  syncStatus: string;
  /** `status.health.status` at the last scan. */
  healthStatus: string;
  /** Revision ArgoCD compares against (`status.sync.revision`, or `revisions` joined). */
  targetRevision?: string;
  /** ISO time this drift (or condition) was first seen. */
  firstSeen: string;
  /** ISO time of the last scan that saw the app. */
  lastSeen: string;
  /** Scans in a row that found the app in this condition. */
  consecutiveScans: number;
  /** ISO time of the last repair attempt. */
  lastRepairAt?: string;
  /** Revision(s) the last repair synced to. */
  lastRepairRevision?: string;
  /** Outcome of the last repair attempt. */
  lastRepairOutcome?: 'started' | 'failed';
  /** Drifted again within the cooldown after a repair: left for a human. */
  flapping: boolean;
  /** ISO time the app was marked flapping. */
  flappingSince?: string;
  /** ISO time the drift was resolved (condition became `ok`). */
  resolvedAt?: string;
  /** The last decision taken for this app. */
  lastDecision?: RepairDecision;
  /** What differs (drifted apps). */
  details?: DriftDetails;
  /** Optimistic-locking counter for conditional writes. */
  version: number;
  /**
   * Bookkeeping, not shown by {@link getDriftState}: the instance's scan number ({@link ScanMark})
   * this state is current at. A scan that finds an app as it was does not rewrite it: the
   * instance's mark moving past this number is what advances `lastSeen` and `consecutiveScans`
   * (the store applies it on every read). Absent on states written before scan marks existed.
   */
  scanSeq?: number;
}

/**
 * Per instance: which scan last listed it in full, so that apps found unchanged need no write.
 * `seq` counts the instance's completed scans; `at` is that scan's start (the `lastSeen` it confirms).
 */
export interface ScanMark {
  seq: number;
  at: string;
}

/** One instance's stored app states, applied to its scan mark, and the mark, from one read. */
export interface MarkedInstanceState {
  /** By `<namespace>/<name>`, as {@link DriftStateStore.readInstance} returns them. */
  states: Map<string, AppDriftState>;
  /** Absent before the instance's first marked scan. */
  mark?: ScanMark;
}

/** One drifted (or otherwise reported) app in a scan result. */
export interface AppFinding {
  instance: string;
  namespace: string;
  name: string;
  project: string;
  condition: DriftCondition;
  syncStatus: string;
  healthStatus: string;
  /** Present for drifted apps. */
  decision?: RepairDecision;
  /** Revision(s) a repair synced to (or would, in a dry run). */
  repairRevision?: string;
  details?: DriftDetails;
  /** Transition this scan: newly drifted, or drift resolved. */
  transition?: 'found' | 'resolved';
  flapping?: boolean;
}

/** An instance that could not be listed. */
export interface UnreachableInstance {
  instance: string;
  /** `unauthorized` (401 after one token refresh), `forbidden`, `timeout`, `unavailable` or `error`. */
  reason: 'unauthorized' | 'forbidden' | 'timeout' | 'unavailable' | 'error';
  /** The error's message (the client scrubs tokens from it). */
  message: string;
}

/** The per-scan summary stored with kind `scan` and returned by {@link listScans}. */
export interface ScanSummary {
  scanId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  dryRun: boolean;
  actor: string;
  /** Instances asked for. */
  instances: number;
  /** Instances listed successfully. */
  instancesScanned: number;
  unreachable: UnreachableInstance[];
  /** Apps on reachable instances. */
  apps: number;
  drifted: number;
  /** Apps whose sync status is `Unknown`. */
  unknown: number;
  /** Apps whose health is `Degraded`. */
  degraded: number;
  /** Apps whose health is `Missing`. */
  missing: number;
  /** Repairs started. */
  repaired: number;
  /** Repairs ArgoCD refused or that failed. */
  repairFailed: number;
  /** Repair candidates not repaired (with a reason). */
  skipped: number;
  /** Drifted apps that were not repair candidates (not opted in). */
  reportOnly: number;
  /** Drift newly found / resolved this scan. */
  found: number;
  resolved: number;
  /** Managed-resources calls made; drifted apps beyond `maxDetailsPerScan` get none. */
  detailsFetched: number;
  detailsSkipped: number;
  /** Share of apps (reachable instances) where Git and live agree, 0..100. */
  consistencyPercent: number;
  /** ArgoCD calls this scan made (lists + details + window checks + syncs; client retries not counted). */
  argocdCalls: number;
  /** Audit records that could not be written (logged; the scan goes on). */
  auditFailures: number;
}

/** What {@link runDriftScan} returns: the summary and the findings behind it. */
export interface DriftScanResult extends ScanSummary {
  /** Drifted, unknown and unhealthy apps, plus apps whose drift was resolved this scan. */
  findings: AppFinding[];
}

/** Options of {@link getDriftState}. */
export interface GetDriftStateOptions {
  /** Only this instance. @default every configured instance */
  instance?: string;
  /** Include apps whose drift was resolved (kept for cooldown and flapping). @default true */
  includeResolved?: boolean;
}

/** Options of {@link listScans}. */
export interface ListScansOptions {
  /** Inclusive ISO lower bound on the scan start. */
  from?: string;
  /** Inclusive ISO upper bound on the scan start. */
  to?: string;
  /** At most this many, newest first. @default 20 */
  limit?: number;
}
