/**
 * Audit record kinds: every decision the sentinel makes.
 */
export type AuditKind =
  | 'webhook.received'
  | 'webhook.refused'
  | 'webhook.ignored'
  | 'webhook.duplicate'
  | 'push.stale'
  | 'app.refreshed'
  | 'app.synced'
  | 'app.skipped'
  | 'app.failed'
  | 'drift.found'
  | 'drift.resolved'
  | 'drift.repaired'
  | 'drift.skipped'
  | 'drift.flapping'
  | 'drift.flapping.cleared'
  | 'scan.completed'
  | 'instance.unreachable'
  | 'app.rolledback'
  | 'app.autosync.disabled'
  | 'dr.exported'
  | 'dr.imported'
  | 'dr.checked'
  | 'access.denied'
  | 'config.changed'
  | 'audit.anchored'
  | 'audit.index-backfilled'
  | 'deploy.succeeded'
  | 'deploy.failed'
  | 'deploy.degraded'
  | 'deploy.timeout'
  | 'deploy.superseded'
  | 'deploy.gone'
  | 'notify.failed'
  | 'appset.forwarded'
  | 'appset.forward-failed'
  | 'commit-status.failed'
  | 'commit-status.refused';

/** Outcome of the decision a record describes. */
export type AuditOutcome = 'success' | 'failure' | 'skipped' | 'refused' | 'info';

/**
 * What a writer supplies. The store adds `id`, `ts` (unless given), `chain`, `seq`,
 * `prevHash` and `hash`.
 */
export interface AuditInput {
  kind: AuditKind;
  outcome: AuditOutcome;
  message: string;
  /** ArgoCD instance name (`default` for the env-configured instance). */
  instance?: string;
  /** Application namespace (ArgoCD's `appNamespace`); defaults to the instance's control-plane namespace. */
  namespace?: string;
  app?: string;
  project?: string;
  /** Commit sha (or the pushed ref's target revision). */
  revision?: string;
  repo?: string;
  deliveryId?: string;
  /** Who or what caused it: `webhook:github:<pusher>`, `scheduler`, an IAM ARN, `local:<user>`. */
  actor: string;
  /** Structured details; must never contain secrets or whole payloads. */
  details?: Record<string, unknown>;
  /** ISO-8601 timestamp; defaults to now. */
  ts?: string;
}

/** A stored, chained audit record. */
export interface AuditRecord extends AuditInput {
  id: string;
  ts: string;
  /** Hash-chain partition this record belongs to. */
  chain: string;
  /** Position in its chain, from 0. */
  seq: number;
  /** `hash` of the previous record in the chain ("" for seq 0). */
  prevHash: string;
  /** SHA-256 (hex) over the canonical record (without `hash`) and `prevHash`. */
  hash: string;
}

/** Filters for `AuditStore.query`. Exactly one access path is chosen from them. */
export interface AuditQuery {
  instance?: string;
  namespace?: string;
  app?: string;
  kind?: AuditKind;
  /** Inclusive ISO-8601 lower bound. */
  from?: string;
  /** Inclusive ISO-8601 upper bound. */
  to?: string;
  deliveryId?: string;
  revision?: string;
  /** Page size. @default 50 */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /**
   * Only records within these projects and/or instances (the caller's access scope). A
   * record without the attribute is left out when the list is given. Without `app`,
   * `deliveryId` or `revision`, a `projects` list is served by the `by-project` index.
   */
  within?: AuditWithin;
  /**
   * Bound into the cursor with the filters (e.g. the caller's principal), so a cursor handed
   * out for one binding is refused under another.
   */
  binding?: string;
}

/** Restriction of a query to some projects and/or instances. */
export interface AuditWithin {
  projects?: string[];
  instances?: string[];
}

/** One page of records, newest first. */
export interface AuditPage {
  items: AuditRecord[];
  /** Present when more records may follow. */
  cursor?: string;
}

/** A break found by `verify`. */
export interface ChainBreak {
  /** The chain, or `digests` for a break in the digest chain (then `seq` is the digest's seq). */
  chain: string;
  seq: number;
  /**
   * `hash-mismatch`: the record's content no longer matches its hash (altered).
   * `prev-hash-mismatch`: it does not link to its predecessor (replaced or inserted).
   * `gap`: seqs are missing (deleted). `missing-start`: seq 0 is missing, or a named chain is empty.
   * `index-mismatch`: an unhashed index attribute or the chain name disagrees with the record
   * (hidden from queries or moved).
   * `anchor-mismatch`: the record at a position a signed digest anchored has another hash
   * (edited, even with every later hash recomputed). `anchor-truncated`: the chain ends before
   * the anchored position (records deleted, the newest included).
   * `digest-missing`: a digest of the digest chain is gone. `digest-edited`: a digest does not
   * hash to what its successor names (edited or replaced). `digest-signature`: its signature does
   * not verify with the anchor key (edited, or signed with another key). `digest-invalid`: not
   * JSON, an unknown version, or misnamed: reported, never skipped.
   */
  reason:
    | 'hash-mismatch'
    | 'prev-hash-mismatch'
    | 'gap'
    | 'missing-start'
    | 'index-mismatch'
    | 'anchor-mismatch'
    | 'anchor-truncated'
    | 'digest-missing'
    | 'digest-edited'
    | 'digest-signature'
    | 'digest-invalid';
  message: string;
}

/** Records that lack an index attribute added after they were written (`projectDay`). */
export interface UnindexedSummary {
  records: number;
  chains: number;
  /** `ts` of the oldest and newest such record. */
  oldest?: string;
  newest?: string;
  /** What they are and what to do about them. */
  hint: string;
}

/** Result of walking every chain. */
export interface VerifyReport {
  chains: number;
  records: number;
  ok: boolean;
  breaks: ChainBreak[];
  /**
   * Records with a project but no `projectDay` index attribute: written before the by-project
   * index existed (not a break: the attribute is not hashed) until an index backfill completes;
   * after one, each is also an `index-mismatch` break. See `index-backfill.ts`.
   */
  unindexed?: UnindexedSummary;
}
