/**
 * Drift state, the port: what the scan, `clearFlapping` and the operator API read and write
 * per app and per scan, whatever holds it. `DynamoDBDriftStateStore` keeps it in the STATE
 * table; tests use the in-memory double (`test/helpers/in-memory-drift-state-store.ts`).
 * Writes of app state are conditional on a `version` counter, so two scans running at once
 * (schedule + `POST /api/drift/scan`) cannot both audit the same transition or both repair
 * the same app.
 */
import type { AppRef } from '../matching/types';
import type { AppDriftState, DriftReadDeps, GetDriftStateOptions, ListScansOptions, MarkedInstanceState, ScanMark, ScanSummary } from './types';

/** Resolved app states expire (DynamoDB TTL) this long after resolution; they serve cooldown and flapping until then. */
export const RESOLVED_TTL_SECONDS = 30 * 86_400;
/** Scan summaries expire after this long. */
export const SCAN_TTL_SECONDS = 90 * 86_400;

/** Key of one app's state within its instance (`<namespace>/<name>`). */
export const driftSk = (namespace: string, name: string): string => `${namespace}/${name}`;

/** A scan-summary query, already bounded by {@link listScans}. */
export interface ScanQuery {
  /** Inclusive ISO lower bound on `startedAt`. */
  from?: string;
  /** Inclusive upper bound on `startedAt`; an ISO prefix (a day) covers the whole of it. */
  to?: string;
  /** At most this many (1..1000). */
  limit: number;
}

/**
 * An app's state as readers see it: a state the scan did not rewrite because it found the app
 * unchanged is confirmed by every later mark of its instance. Each mark past the state's
 * `scanSeq` is one more scan in a row that saw it (`consecutiveScans`), the last one at the
 * mark's time (`lastSeen`). Resolved states (`ok`) are not confirmed: the scan does not look at
 * apps that stay in sync, so their `lastSeen` stays the scan that resolved them, as before marks.
 * Both adapters apply it on every read, so what the API, the CLI and the flapping logic read is
 * what a write on every scan would have stored.
 */
export function confirmedBy(state: AppDriftState, mark: ScanMark | undefined): AppDriftState {
  if (!mark || state.scanSeq === undefined || mark.seq <= state.scanSeq || state.condition === 'ok') return state;
  return {
    ...state,
    lastSeen: mark.at > state.lastSeen ? mark.at : state.lastSeen,
    consecutiveScans: state.consecutiveScans + (mark.seq - state.scanSeq),
    scanSeq: mark.seq,
  };
}

/** The state without its bookkeeping (`scanSeq`), as the API and the CLI show it. */
export function shownState(state: AppDriftState): AppDriftState {
  const { scanSeq: _seq, ...shown } = state;
  return shown;
}

/** Where drift state lives. */
export interface DriftStateStore {
  /** Every stored app state of one instance, by {@link driftSk}, confirmed by its scan mark ({@link confirmedBy}). */
  readInstance(instance: string): Promise<Map<string, AppDriftState>>;
  /** {@link readInstance} and the instance's scan mark, from one read (what the scan starts from). */
  readInstanceMarked(instance: string): Promise<MarkedInstanceState>;
  /** One app's stored state, read consistently and confirmed by its instance's mark; undefined when it has none. */
  readApp(ref: AppRef): Promise<AppDriftState | undefined>;
  /**
   * Moves an instance's scan mark to `mark` if it is still at `expectedSeq` (`undefined`: no
   * mark yet). A scan calls it once it has written every app state of the instance that changed.
   * @returns false when another scan moved it first (that scan confirmed the same apps)
   */
  putScanMark(instance: string, mark: ScanMark, expectedSeq: number | undefined): Promise<boolean>;
  /**
   * Writes an app state if nobody changed it since `expectedVersion` was read (`undefined`: it
   * must not exist yet), storing `version = expectedVersion + 1`. `expiresAt` (epoch seconds)
   * lets resolved states expire.
   * @returns the stored state, or `undefined` when another writer got there first
   */
  putApp(state: AppDriftState, expectedVersion: number | undefined, expiresAt?: number): Promise<AppDriftState | undefined>;
  /**
   * Deletes an app's state (the app no longer exists in ArgoCD) if unchanged since read.
   * @returns false when another writer changed it first
   */
  deleteApp(state: AppDriftState): Promise<boolean>;
  /** Stores one scan summary (unconditional: scan ids are unique). */
  putScan(summary: ScanSummary): Promise<void>;
  /** Scan summaries with `startedAt` in range, newest first. */
  listScans(query: ScanQuery): Promise<ScanSummary[]>;
}

/**
 * The latest drift state per app: one read per instance (or just `instance`). Apps in sync
 * never drifted have no state; apps whose drift was resolved keep one with
 * `condition: "ok"` (for cooldown and flapping) until it expires.
 * @example
 * const states = await getDriftState(deps, { instance: 'default', includeResolved: false });
 */
export async function getDriftState(deps: DriftReadDeps, options: GetDriftStateOptions = {}): Promise<AppDriftState[]> {
  const instances = options.instance ? [options.instance] : deps.argocd.names;
  const maps = await Promise.all(instances.map((i) => deps.driftState.readInstance(i)));
  const all = maps.flatMap((m) => [...m.values()].map(shownState));
  const kept = options.includeResolved === false ? all.filter((s) => s.condition !== 'ok') : all;
  return kept.sort((a, b) => (a.instance + '\0' + a.namespace + '\0' + a.name).localeCompare(b.instance + '\0' + b.namespace + '\0' + b.name));
}

/**
 * Scan summaries, newest first, `startedAt` between `from` and `to` (inclusive; a day as
 * `to` covers the whole day), at most `limit` (1..1000, default 20).
 * @example
 * const last = await listScans(deps, { limit: 1 });
 */
export async function listScans(deps: Pick<DriftReadDeps, 'driftState'>, options: ListScansOptions = {}): Promise<ScanSummary[]> {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
  if (options.from && options.to && options.from > options.to) return [];
  return deps.driftState.listScans({ ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}), limit });
}
