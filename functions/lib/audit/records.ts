/**
 * Turning an `AuditInput` into a record: validation, normalisation, redaction, ids,
 * chain choice and the derived index attributes. Shared by every adapter so that all
 * of them chain and hash identically.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_ARGOCD_NAMESPACE, DEFAULT_INSTANCE_NAME } from '../config/defaults';
import { redact } from './redact';
import type { AuditInput, AuditRecord } from './types';

const PREFIX = '[gitops-sentinel/audit]';

/** Longest `message` kept; longer ones are cut and end in "…". */
export const MAX_MESSAGE_LENGTH = 4096;
/** Largest `details` kept, in bytes of JSON; larger ones are replaced by a marker. DynamoDB items stop at 400 KB. */
export const MAX_DETAILS_BYTES = 65536;
/** Chain name prefix of per-application chains. */
export const APP_CHAIN_PREFIX = 'app#';
/** Chain name prefix of the sharded per-day system chains. */
export const SYS_CHAIN_PREFIX = 'sys#';
/** Value of `chainIndex` on the first record (seq 0) of every chain. */
export const CHAIN_INDEX_VALUE = 'chains';

/** Settings that shape records, shared by all adapters. */
export interface RecordSettings {
  /** Instance name used for app records that name none. @default "default" */
  defaultInstance: string;
  /** Application namespace used for app records that name none. @default "argocd" */
  defaultNamespace: string;
  /** Number of system chains per UTC day. @default 16 */
  shards: number;
}

/** Defaults of {@link RecordSettings}. */
export const RECORD_DEFAULTS: RecordSettings = { defaultInstance: DEFAULT_INSTANCE_NAME, defaultNamespace: DEFAULT_ARGOCD_NAMESPACE, shards: 16 };

/** A validated record before it has a chain position. */
export type PreparedRecord = Omit<AuditRecord, 'chain' | 'seq' | 'prevHash' | 'hash'>;

/** Attributes stored beside a record only so the table's GSIs can find it. */
export interface IndexAttributes {
  appKey?: string;
  day: string;
  tsId: string;
  chainIndex?: string;
  /** `<project>#<yyyy-mm-dd>`, only on records with a project (by-project index). */
  projectDay?: string;
}

/** Names of {@link IndexAttributes}; they are not part of the record nor of its hash. */
export const INDEX_ATTRIBUTE_NAMES = ['appKey', 'day', 'tsId', 'chainIndex', 'projectDay'] as const;

/** The by-project index key of a project's records of one UTC day. */
export function projectDayKey(project: string, day: string): string {
  return `${project}#${day}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A sortable id: 10 Crockford base32 characters of milliseconds since the epoch, then
 * 16 of randomness (80 bits), ULID style. Ids of the same millisecond sort randomly.
 * @param ms the record's time in ms since the epoch
 */
export function newAuditId(ms: number): string {
  let t = Math.max(0, Math.floor(ms));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[bytes[i] % 32];
  return time + rand;
}

/** UTC calendar day (`yyyy-mm-dd`) of a normalised ISO timestamp. */
export function utcDay(ts: string): string {
  return ts.slice(0, 10);
}

/** The by-app index key of an application: `<instance>#<namespace>#<name>`. */
export function appKey(instance: string, namespace: string, app: string): string {
  return `${instance}#${namespace}#${app}`;
}

/**
 * Parses an ISO-8601 timestamp and returns it normalised (`toISOString`, ms precision,
 * UTC), so string order equals time order in every sort key.
 * @throws TypeError when it is not a date
 */
export function normalizeTs(ts: string, what = 'ts'): string {
  const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${PREFIX} ${what} is not an ISO-8601 timestamp: ${JSON.stringify(String(ts).slice(0, 40))}`);
  return new Date(ms).toISOString();
}

const OPTIONAL_STRINGS = ['instance', 'namespace', 'app', 'project', 'revision', 'repo', 'deliveryId'] as const;

/**
 * Validates and normalises what a writer supplied: required fields present, empty
 * optional strings dropped (GSI keys cannot be empty), `ts` normalised, `details`
 * redacted and size-capped, `message` length-capped, app records completed with the
 * default instance and namespace, and an id assigned.
 * @throws TypeError naming the field when the input is unusable
 */
export function prepareRecord(input: AuditInput, now: Date, settings: RecordSettings = RECORD_DEFAULTS): PreparedRecord {
  if (input === null || typeof input !== 'object') throw new TypeError(`${PREFIX} append needs an AuditInput object`);
  for (const field of ['kind', 'outcome', 'actor'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) throw new TypeError(`${PREFIX} ${field} must be a non-empty string`);
  }
  if (typeof input.message !== 'string') throw new TypeError(`${PREFIX} message must be a string`);
  const ts = normalizeTs(input.ts ?? now.toISOString());
  const record: PreparedRecord = {
    id: newAuditId(Date.parse(ts)),
    ts,
    kind: input.kind,
    outcome: input.outcome,
    actor: input.actor,
    message: input.message.length > MAX_MESSAGE_LENGTH ? `${input.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : input.message,
  };
  for (const field of OPTIONAL_STRINGS) {
    const value = input[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw new TypeError(`${PREFIX} ${field} must be a string`);
    record[field] = value;
  }
  if (record.app) {
    record.instance ??= settings.defaultInstance;
    record.namespace ??= settings.defaultNamespace;
  }
  const details = redact(input.details);
  if (details && Object.keys(details).length > 0) {
    const bytes = Buffer.byteLength(JSON.stringify(details), 'utf8');
    record.details = bytes > MAX_DETAILS_BYTES ? { truncated: true, bytes } : details;
  }
  return record;
}

/** FNV-1a, 32 bit: cheap, stable across processes and runtimes. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The chain a record belongs to. Records about an app go to that app's chain
 * (`app#<instance>#<namespace>#<name>`), so an app's history verifies on its own;
 * all others to one of `shards` system chains of their UTC day
 * (`sys#<yyyy-mm-dd>#<shard>`), so hundreds of deliveries a second do not queue on one chain head.
 *
 * The shard comes from the record's `id`, whose 80 random bits the writer draws itself, never
 * from the delivery id: that is a header anyone on the Internet chooses, and choosing it would
 * let them pile every record onto one chain head (contention, `AuditConflictError`, lost records)
 * or aim records at the chain of a delivery they want to bury. The records of one delivery are
 * found through the by-delivery index, not by sharing a chain.
 */
export function chainFor(record: PreparedRecord, shards: number = RECORD_DEFAULTS.shards): string {
  if (record.app) return `${APP_CHAIN_PREFIX}${appKey(record.instance ?? '', record.namespace ?? '', record.app)}`;
  const shard = fnv1a(record.id) % Math.max(1, Math.floor(shards));
  return `${SYS_CHAIN_PREFIX}${utcDay(record.ts)}#${shard}`;
}

/** The index attributes a stored record must carry (derived, never supplied by writers). */
export function indexAttributes(record: AuditRecord): IndexAttributes {
  const attrs: IndexAttributes = { day: utcDay(record.ts), tsId: `${record.ts}#${record.id}` };
  if (record.app) attrs.appKey = appKey(record.instance ?? '', record.namespace ?? '', record.app);
  if (record.seq === 0) attrs.chainIndex = CHAIN_INDEX_VALUE;
  if (record.project) attrs.projectDay = projectDayKey(record.project, attrs.day);
  return attrs;
}

/**
 * Why a stored record's index attributes or chain name disagree with its content, or
 * `undefined` when they agree. Catches a record hidden from queries by editing an
 * unhashed index attribute, or moved to another chain.
 */
export function indexMismatch(record: AuditRecord, stored: Partial<Record<(typeof INDEX_ATTRIBUTE_NAMES)[number], unknown>>): string | undefined {
  const expected = indexAttributes(record);
  for (const name of INDEX_ATTRIBUTE_NAMES) {
    // A missing projectDay is an unindexed record (see isUnindexed), judged by verify's UnindexedTally.
    if (name === 'projectDay' && stored[name] === undefined) continue;
    if (stored[name] !== expected[name])
      return `seq ${record.seq}: index attribute ${name} is ${JSON.stringify(stored[name])}, expected ${JSON.stringify(expected[name])}`;
  }
  const chainOk = record.app ? record.chain === `${APP_CHAIN_PREFIX}${expected.appKey}` : record.chain.startsWith(`${SYS_CHAIN_PREFIX}${expected.day}#`);
  if (!chainOk) return `seq ${record.seq}: record (id ${record.id}) does not belong in chain ${record.chain}`;
  return undefined;
}

/**
 * Whether a stored record lacks its `projectDay`: records written before the by-project index
 * existed do (not tampered: it is not hashed); `functions/lib/audit/index-backfill.ts` adds it.
 */
export function isUnindexed(record: AuditRecord, stored: { projectDay?: unknown }): boolean {
  return record.project !== undefined && stored.projectDay === undefined;
}

/** A short fingerprint of anything JSON-like (used to bind cursors to their query). */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}
