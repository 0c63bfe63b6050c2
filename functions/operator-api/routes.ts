/**
 * The operator API's routes: each turns request input into one `functions/lib` call and its
 * result into a body. Validation errors throw `InvalidParameterError`; `responses.ts` maps errors.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { scopeAllows, scopeFilter, type AccessScope } from '../lib/access/index';
import {
  appRefOf,
  isAutoSyncOn,
  isOperationRunning,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  type Application,
  type ResourceNode,
} from '../lib/argocd/index';
import type { AuditStore } from '../lib/audit/audit-store';
import {
  AnchorNotConfiguredError,
  chainRecordsPage,
  digestPart,
  digestsPage,
  proofChains,
  publicKeyOf,
  verifyAnchored,
  PROOF_CHAINS_PAGE,
  VERIFY_PAGE_CHAINS,
  type AnchorService,
} from '../lib/anchor/index';
import { MAX_LIMIT } from '../lib/audit/query-plan';
import { APP_CHAIN_PREFIX, RECORD_DEFAULTS, appKey } from '../lib/audit/records';
import type { AuditKind, VerifyReport } from '../lib/audit/types';
import { heldChainsEvent, publishQuietly, verifyReportEvent } from '../lib/notify/events';
import { DynamoDBAuditStore } from '../lib/audit/dynamodb-audit-store';
import { INDEX_BACKFILL_DELIVERY, INDEX_BACKFILLED_KIND } from '../lib/audit/index-backfill';
import { checkObjects, exportPage, importObjects, MAX_EXPORT_PAGE, type CleanObject, type ExportKind } from '../lib/dr/index';
import { clearFlapping, getDriftState, listScans, runDriftScan, type DriftScanResult } from '../lib/drift/index';
import { rollbackApplication } from '../lib/rollback/index';
import { argocdFor, type CoreDeps } from '../lib/runtime/core-deps';
import { computeStats } from '../lib/stats/index';
import { listRefusals } from '../lib/intake/dynamodb-refusal-counter';
import type { RouteAccess, RouteTarget } from './access';
import { AUDIT_KINDS, InvalidParameterError, QueryParams, ResourceNotFoundError, auditFrom, bodyField, parseJsonBody } from './params';

/** Time one call of `POST /api/audit/backfill-index` works before it answers with a resume token. */
const BACKFILL_SLICE_MS = 20_000;

/** The event the routes read (HTTP API payload v2 with the IAM authorizer context). */
export type OperatorEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

/** What a route gets. */
export interface RouteContext {
  event: OperatorEvent;
  deps: CoreDeps;
  query: QueryParams;
  params: Record<string, string>;
  /** The caller: the IAM principal ARN deployed, the local token's principal locally. */
  actor: string;
}

/** What a route's `run` gets: the request plus the caller's scope for the route's action. */
export interface AuthorizedContext extends RouteContext {
  /** What the caller may see; filtered reads narrow their results to it. */
  scope: AccessScope;
  /** What the access check found the request acts on (`targets` routes), e.g. the app's project. */
  targets: RouteTarget[];
}

/**
 * A route: API Gateway route key parts, the access it needs (checked by the handler before
 * `run`, see access.ts) and the function answering it (status 200 with its result).
 */
export interface OperatorRoute {
  method: 'GET' | 'POST';
  /** Path with `{param}` placeholders, as in API Gateway route keys. */
  path: string;
  /** The action the route needs and how its targets are found. */
  access: RouteAccess<RouteContext>;
  run(ctx: AuthorizedContext): Promise<unknown>;
}

/** The app named by a route's path parameters. */
function appParams(params: Record<string, string>) {
  return { instance: params.instance, namespace: params.namespace, name: params.name };
}

/**
 * The target of an app route: its project as ArgoCD reports it (read with the operator token).
 * An app ArgoCD does not show is a target without a project, which only a caller over every
 * project of the instance passes (the route then answers 404).
 */
async function appTarget({ deps, params }: RouteContext): Promise<RouteTarget[]> {
  const ref = appParams(params);
  const label = `${ref.instance}/${ref.namespace}/${ref.name}`;
  const base = { instance: ref.instance, label, app: { namespace: ref.namespace, name: ref.name } };
  if (!deps.argocd.has(ref.instance)) return [{ ...base }];
  try {
    const app = await deps.argocd.get(ref.instance).getApplication({ instance: ref.instance, namespace: ref.namespace, name: ref.name });
    return [{ ...base, project: app.spec?.project || 'default' }];
  } catch (error) {
    if (error instanceof ArgoCDNotFoundError || error instanceof ArgoCDForbiddenError) return [{ ...base }];
    throw error;
  }
}

/** An audit store that only returns what a scope may see, with cursors bound to the caller. */
function scopedAuditStore(store: AuditStore, scope: AccessScope, instanceNames: readonly string[]): AuditStore {
  const narrowed = scopeFilter(scope, instanceNames);
  return {
    append: (input) => store.append(input),
    verify: (options) => store.verify(options),
    query: async (q) => {
      const page = await store.query({ ...q, ...(Object.keys(narrowed).length ? { within: narrowed } : {}), binding: scope.principal });
      return { ...page, items: page.items.filter((r) => scopeAllows(scope, { instance: r.instance, project: r.project })) };
    },
  };
}

function anchorOf(deps: CoreDeps): AnchorService {
  if (!deps.anchor) throw new AnchorNotConfiguredError('audit anchoring is not configured for this deployment (no anchor bucket and key)');
  return deps.anchor;
}

function requireInstance(deps: CoreDeps, instance: string | undefined): string | undefined {
  if (instance !== undefined && !deps.argocd.has(instance)) {
    throw new ResourceNotFoundError('instance', `unknown ArgoCD instance "${instance.slice(0, 64)}" (configured: ${deps.argocd.names.join(', ') || 'none'})`);
  }
  return instance;
}

/** A row of `GET /api/apps`. */
export interface AppSummary {
  namespace: string;
  name: string;
  project?: string;
  sync?: string;
  health?: string;
  revision?: string;
  autoSync: boolean;
  operation?: string;
}

function summarize(instance: string, app: Application, ns: string): AppSummary {
  const ref = appRefOf(instance, app, ns);
  return {
    namespace: ref.namespace,
    name: ref.name,
    project: app.spec?.project,
    sync: app.status?.sync?.status,
    health: app.status?.health?.status,
    revision: app.status?.sync?.revision ?? app.status?.sync?.revisions?.join(','),
    autoSync: isAutoSyncOn(app),
    operation: isOperationRunning(app) ? 'Running' : app.status?.operationState?.phase,
  };
}

/** What a scan answers a caller scoped to some projects. */
export interface ScopedScanResult {
  scanId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  dryRun: boolean;
  actor: string;
  /** Marks the answer as cut to the caller's projects. */
  scope: 'projects';
  /** Counts over the caller's findings only (apps in its projects). */
  drifted: number;
  unknown: number;
  degraded: number;
  missing: number;
  found: number;
  resolved: number;
  /** Drifted apps the scan decided to repair / skipped / only reported. */
  repair: number;
  skip: number;
  report: number;
  findings: DriftScanResult['findings'];
}

/**
 * A scan as a caller scoped to some projects may see it: its own findings and counts over them.
 * The whole-instance aggregates (apps scanned, consistency, ArgoCD calls, unreachable instances)
 * describe other teams' apps too, so they are left out, as scan summaries are from `/api/drift`.
 */
function scopedScan(result: DriftScanResult, scope: AccessScope): ScopedScanResult {
  const findings = result.findings.filter((f) => scopeAllows(scope, { instance: f.instance, project: f.project }));
  const count = (p: (f: (typeof findings)[number]) => boolean) => findings.filter(p).length;
  return {
    scanId: result.scanId,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    dryRun: result.dryRun,
    actor: result.actor,
    scope: 'projects',
    drifted: count((f) => f.condition === 'drifted'),
    unknown: count((f) => f.syncStatus === 'Unknown'),
    degraded: count((f) => f.healthStatus === 'Degraded'),
    missing: count((f) => f.healthStatus === 'Missing'),
    found: count((f) => f.transition === 'found'),
    resolved: count((f) => f.transition === 'resolved'),
    repair: count((f) => f.decision?.action === 'repair'),
    skip: count((f) => f.decision?.action === 'skip'),
    report: count((f) => f.decision?.action === 'report'),
    findings,
  };
}

/** The ArgoCD project an exported or imported object belongs to (an AppProject is its own). */
function projectOfObject(o: Pick<CleanObject, 'kind' | 'metadata' | 'spec'>): string {
  if (o.kind === 'AppProject') return o.metadata.name;
  return typeof o.spec?.project === 'string' && o.spec.project ? o.spec.project : 'default';
}

async function importTargets({ deps, event }: RouteContext): Promise<RouteTarget[]> {
  const body = parseJsonBody(event.body, event.isBase64Encoded, true);
  const instance = typeof body.instance === 'string' ? body.instance : undefined;
  const objects = [
    ...(Array.isArray(body.projects) ? (body.projects as unknown[]) : []),
    ...(Array.isArray(body.applications) ? (body.applications as unknown[]) : []),
  ] as Array<Partial<CleanObject>>;
  const targets: RouteTarget[] = [{ instance, anyProject: true }];
  const named = objects.filter((o) => o && typeof o === 'object' && o.metadata && typeof o.metadata.name === 'string');
  for (const o of named) {
    targets.push({ instance, project: projectOfObject(o as CleanObject), label: `${o.kind ?? 'object'} ${o.metadata!.name}` });
  }
  // An import upserts: an existing app of another project would be taken over.
  const apps = named.filter((o) => o.kind !== 'AppProject');
  if (apps.length && instance && deps.argocd.has(instance)) {
    const client = deps.argocd.get(instance);
    const existing = new Map(
      (await client.listApplications()).map((a) => [`${a.metadata?.namespace ?? client.namespace}/${a.metadata?.name}`, a.spec?.project || 'default']),
    );
    for (const o of apps) {
      const current = existing.get(`${o.metadata!.namespace || client.namespace}/${o.metadata!.name}`);
      if (current !== undefined) targets.push({ instance, project: current, label: `existing Application ${o.metadata!.name} (project ${current})` });
    }
  }
  return targets;
}

/** One row of an app's resource tree, depth-first (children after their parent, `depth` 0 for managed resources). */
export interface TreeRow {
  depth: number;
  kind: string;
  name: string;
  namespace?: string;
  group?: string;
  /** Sync status, for resources the app manages (`status.resources`). */
  sync?: string;
  health?: string;
  message?: string;
}

/** What `GET /api/apps/{instance}/{namespace}/{name}` answers. */
export interface AppDetail extends AppSummary {
  instance: string;
  /** `status.history`, newest first (at most 10, as ArgoCD keeps). */
  history: Array<{ id?: number; revision?: string; deployedAt?: string }>;
  resources: TreeRow[];
  /** Set when the resource tree could not be read (the app itself could). */
  treeError?: string;
}

/** The resource tree as rows: roots (no parent in the tree) first, each followed by its children. */
export function treeRows(app: Application, nodes: readonly ResourceNode[]): TreeRow[] {
  const sync = new Map((app.status?.resources ?? []).map((r) => [`${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`, r.status]));
  const byUid = new Map(nodes.filter((n) => n.uid).map((n) => [n.uid!, n]));
  const children = new Map<string, ResourceNode[]>();
  const roots: ResourceNode[] = [];
  for (const n of nodes) {
    const parent = n.parentRefs?.find((p) => p.uid && byUid.has(p.uid));
    if (parent) (children.get(parent.uid!) ?? (children.set(parent.uid!, []), children.get(parent.uid!)!)).push(n);
    else roots.push(n);
  }
  const rows: TreeRow[] = [];
  const seen = new Set<ResourceNode>();
  const walk = (n: ResourceNode, depth: number) => {
    if (seen.has(n) || depth > 16) return;
    seen.add(n);
    const s = sync.get(`${n.group ?? ''}/${n.kind}/${n.namespace ?? ''}/${n.name}`);
    rows.push({
      depth,
      kind: n.kind ?? '',
      name: n.name ?? '',
      ...(n.namespace ? { namespace: n.namespace } : {}),
      ...(n.group ? { group: n.group } : {}),
      ...(s ? { sync: s } : {}),
      ...(n.health?.status ? { health: n.health.status } : {}),
      ...(n.health?.message ? { message: n.health.message.slice(0, 200) } : {}),
    });
    for (const c of children.get(n.uid ?? '') ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return rows;
}

/**
 * A page of `GET /api/audit/verify?after=` stops taking chains after this long, leaving the
 * rest of API Gateway's 29 s for the chains in flight and the answer.
 */
const VERIFY_PAGE_BUDGET_MS = 15_000;

/**
 * Queues `audit.verify-failed` when a verification found breaks (chain, position and kind of each,
 * never a record's content), then answers the report unchanged.
 */
async function notifyBroken<R extends VerifyReport & { breaksOmitted?: number }>(deps: CoreDeps, actor: string, report: R): Promise<R> {
  if (!report.ok) await publishQuietly(deps.notify, verifyReportEvent(report, actor, deps.now().toISOString()), deps.log);
  return report;
}

/** Every route, in matching order. */
export const OPERATOR_ROUTES: OperatorRoute[] = [
  {
    method: 'GET',
    path: '/healthz',
    access: { kind: 'public' },
    run: async ({ deps, query }) => {
      query.allowOnly();
      return { status: 'ok', instances: deps.argocd.names };
    },
  },
  {
    method: 'GET',
    path: '/api/audit',
    access: { kind: 'scoped', action: 'read' },
    run: async ({ deps, query, scope }) => {
      query.allowOnly('app', 'instance', 'namespace', 'kind', 'from', 'to', 'delivery', 'revision', 'limit', 'cursor');
      const kind = query.oneOf<AuditKind>('kind', AUDIT_KINDS);
      const from = auditFrom(query.time('from'));
      const to = query.time('to');
      const page = await scopedAuditStore(deps.auditStore, scope, deps.argocd.names).query({
        app: query.string('app'),
        instance: query.string('instance'),
        namespace: query.string('namespace'),
        kind,
        from,
        to,
        deliveryId: query.string('delivery'),
        revision: query.string('revision'),
        // Capped, not refused: a client asking for more simply gets the largest page.
        limit: query.int('limit', { min: 1, max: MAX_LIMIT, cap: true }),
        cursor: query.string('cursor'),
      });
      return { items: page.items, count: page.items.length, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  },
  {
    method: 'GET',
    path: '/api/audit/verify',
    // Chains span projects (system chains hold records of no project): every project is needed.
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query, actor }) => {
      query.allowOnly('chain', 'after', 'limit', 'digests');
      const chains = query.list('chain');
      const after = query.string('after');
      const limit = query.int('limit', { min: 1, max: VERIFY_PAGE_CHAINS, cap: true });
      const digests = query.string('digests');
      if (digests !== undefined && digests !== 'all' && digests !== 'checkpoint')
        throw new InvalidParameterError('digests', 'digests must be "checkpoint" or "all"');
      if (chains && (after !== undefined || limit !== undefined)) throw new InvalidParameterError('after', 'chain cannot be combined with after/limit');
      if (!deps.anchor) return notifyBroken(deps, actor, { ...(await deps.auditStore.verify(chains ? { chains } : {})), anchoring: 'not-configured' });
      const { reader, store } = deps.anchor;
      // A page (`after`, "" for the first) is cut short after VERIFY_PAGE_BUDGET_MS, so it answers
      // within API Gateway's 29 s whatever the chains hold; `next` says where to go on.
      const report = await verifyAnchored(
        { reader, store, publicKeyPem: await deps.anchor.publicKeyPem() },
        {
          ...(chains ? { chains } : {}),
          ...(after !== undefined ? { after, budgetMs: VERIFY_PAGE_BUDGET_MS } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(digests ? { digests } : {}),
        },
      );
      return notifyBroken(deps, actor, report);
    },
  },
  {
    method: 'POST',
    path: '/api/audit/anchor',
    // Anchoring names every chain's head, across projects, like verify.
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'checkpoint');
      const checkpoint = bodyField.bool(body, 'checkpoint');
      const result = await anchorOf(deps).anchorNow(checkpoint !== undefined ? { checkpoint } : {});
      await deps.auditStore.append({
        kind: 'audit.anchored',
        outcome: result.written ? 'success' : 'skipped',
        actor,
        message: result.written
          ? `digest ${result.seq} (${result.kind}) anchors ${result.chains} chain head(s), ${result.newRecords} new record(s)`
          : `digest ${result.seq} was written by another anchor run at the same time`,
        details: {
          name: result.name,
          seq: result.seq,
          kind: result.kind,
          chains: result.chains,
          newRecords: result.newRecords,
          recordsCovered: result.recordsCovered,
          held: result.held.length,
        },
      });
      await publishQuietly(deps.notify, heldChainsEvent(result.held, actor, deps.now().toISOString()), deps.log);
      return result;
    },
  },
  {
    method: 'POST',
    path: '/api/audit/backfill-index',
    // It writes to every chain (records of every project): an upgrade step for admins.
    access: { kind: 'global', action: 'admin' },
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'resume');
      if (body.resume !== undefined && typeof body.resume !== 'string')
        throw new InvalidParameterError('resume', 'resume must be the token of an earlier call');
      // The by-project index is the DynamoDB adapter's; a store without it has nothing to backfill.
      if (!(deps.auditStore instanceof DynamoDBAuditStore)) throw new InvalidParameterError('resume', 'this audit store has no by-project index to backfill');
      // A slice ends well inside API Gateway's 29 s; the caller (the CLI) continues with `resume`.
      const result = await deps.auditStore.backfillIndex({
        deadline: deps.now().getTime() + BACKFILL_SLICE_MS,
        ...(body.resume ? { resume: body.resume } : {}),
      });
      if (result.done) {
        // One record per completed pass; from now on verify treats a missing projectDay as a break.
        await deps.auditStore.append({
          kind: INDEX_BACKFILLED_KIND,
          outcome: 'success',
          actor,
          // Lets verify find it with one Query, whichever chains it walks.
          deliveryId: INDEX_BACKFILL_DELIVERY,
          message: `by-project index backfill complete: ${result.total.indexed} record(s) indexed, ${result.total.skipped} left for verify, ${result.total.records} read in ${result.total.chains} chain(s)`,
          details: { ...result.total },
        });
      }
      return result;
    },
  },
  {
    method: 'GET',
    path: '/api/audit/public-key',
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query }) => {
      query.allowOnly();
      const pem = await anchorOf(deps).publicKeyPem();
      return { pem, fingerprint: publicKeyOf(pem).fingerprint };
    },
  },
  {
    method: 'GET',
    path: '/api/audit/digests',
    // Digests name the heads of every chain, across projects.
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query }) => {
      query.allowOnly('after', 'limit', 'from');
      const from = query.string('from');
      if (from !== undefined && from !== 'checkpoint' && from !== 'all') throw new InvalidParameterError('from', 'from must be "checkpoint" or "all"');
      const anchor = anchorOf(deps);
      return digestsPage(anchor.store, {
        after: query.string('after'),
        limit: query.int('limit', { min: 1, max: 1000, cap: true }),
        ...(from === 'checkpoint' ? { from, publicKeyPem: await anchor.publicKeyPem() } : {}),
      });
    },
  },
  {
    method: 'GET',
    path: '/api/audit/digests/part',
    // A part of a big digest (heads in parts of at most 1 MB, so every answer stays under Lambda's 6 MB).
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query }) => {
      query.allowOnly('seq', 'hash');
      const seq = query.int('seq', { min: 0 });
      const hash = query.string('hash');
      if (seq === undefined) throw new InvalidParameterError('seq', 'seq is required');
      if (!hash || !/^[0-9a-f]{64}$/.test(hash)) throw new InvalidParameterError('hash', 'hash must be 64 lower-case hex digits');
      const part = await digestPart(anchorOf(deps).store, seq, hash);
      if (!part) throw new ResourceNotFoundError('digest part', `no part ${hash} of digest ${seq}`);
      return part;
    },
  },
  {
    method: 'GET',
    path: '/api/audit/proof/chains',
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query }) => {
      query.allowOnly('app', 'instance', 'namespace', 'from', 'to', 'after', 'limit');
      const app = query.string('app');
      const appChain = app
        ? `${APP_CHAIN_PREFIX}${appKey(query.string('instance') ?? RECORD_DEFAULTS.defaultInstance, query.string('namespace') ?? RECORD_DEFAULTS.defaultNamespace, app)}`
        : undefined;
      // `to` is accepted for the record but narrows nothing: a record is proven by the links from it to the anchored head.
      query.time('to');
      // Paged (`after`, `next`): 100,000 chain names would not fit in one answer.
      const page = await proofChains(anchorOf(deps), {
        appChain,
        from: query.time('from'),
        after: query.string('after'),
        limit: query.int('limit', { min: 1, max: PROOF_CHAINS_PAGE, cap: true }),
      });
      return { chains: page.chains.map((chain) => ({ chain, fromSeq: 0 })), ...(page.next !== undefined ? { next: page.next } : {}) };
    },
  },
  {
    method: 'GET',
    path: '/api/audit/proof/records',
    // Proof records are whole chains (system chains hold records of no project): as verify, every project.
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps, query }) => {
      query.allowOnly('chain', 'fromSeq', 'limit');
      const chain = query.string('chain');
      if (!chain) throw new InvalidParameterError('chain', 'chain is required');
      return chainRecordsPage(
        anchorOf(deps).reader,
        chain,
        query.int('fromSeq', { min: 0 }) ?? 0,
        query.int('limit', { min: 1, max: MAX_LIMIT, cap: true }) ?? MAX_LIMIT,
      );
    },
  },
  {
    method: 'GET',
    path: '/api/drift',
    access: { kind: 'scoped', action: 'read' },
    run: async ({ deps, query, scope }) => {
      query.allowOnly('instance', 'includeResolved');
      const instance = requireInstance(deps, query.string('instance'));
      const includeResolved = query.bool('includeResolved');
      const [apps, scans] = await Promise.all([
        getDriftState(deps, { ...(instance ? { instance } : {}), ...(includeResolved !== undefined ? { includeResolved } : {}) }),
        listScans(deps, { limit: 1 }),
      ]);
      const visible = apps.filter((a) => scopeAllows(scope, { instance: a.instance, project: a.project }));
      // A scan summary belongs to no project: only callers over every project see it.
      const lastScan = scopeAllows(scope, {}) ? scans[0] : undefined;
      return { apps: visible, drifted: visible.filter((a) => a.condition === 'drifted').length, lastScan };
    },
  },
  {
    method: 'POST',
    path: '/api/drift/scan',
    // A scan covers whole instances; the caller needs `scan` on some project of each, and sees
    // the findings of its own projects only.
    access: {
      kind: 'targets',
      action: 'scan',
      find: async ({ deps, event }) => {
        const instances = bodyField.strings(parseJsonBody(event.body, event.isBase64Encoded), 'instances') ?? deps.argocd.names;
        return instances.map((instance) => ({ instance, anyProject: true }));
      },
    },
    run: async ({ deps, event, actor, scope }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'dryRun', 'instances');
      const instances = bodyField.strings(body, 'instances');
      for (const i of instances ?? []) requireInstance(deps, i);
      const dryRun = bodyField.bool(body, 'dryRun');
      const result = await runDriftScan(
        { ...deps, argocd: argocdFor(deps, 'scanner') },
        { actor, ...(dryRun !== undefined ? { dryRun } : {}), ...(instances ? { instances } : {}) },
      );
      return scope.all ? result : scopedScan(result, scope);
    },
  },
  {
    method: 'GET',
    path: '/api/stats',
    access: { kind: 'scoped', action: 'read' },
    run: async ({ deps, query, scope }) => {
      query.allowOnly('from', 'to', 'app', 'instance', 'namespace');
      const everything = scopeAllows(scope, {});
      return computeStats(
        // Scan summaries and webhook refusals belong to no project: only callers over every project get them.
        {
          auditStore: scopedAuditStore(deps.auditStore, scope, deps.argocd.names),
          now: deps.now,
          ...(everything
            ? { listScans: (o) => listScans(deps, o), listRefusals: (o) => listRefusals({ doc: deps.doc, tableName: deps.tables.state }, o.from, o.to) }
            : {}),
        },
        { from: query.time('from'), to: query.time('to'), app: query.string('app'), instance: query.string('instance'), namespace: query.string('namespace') },
      );
    },
  },
  {
    method: 'GET',
    path: '/api/apps',
    access: { kind: 'scoped', action: 'read' },
    run: async ({ deps, query, scope }) => {
      query.allowOnly('instance');
      const only = requireInstance(deps, query.string('instance'));
      const narrowed = scopeFilter(scope, deps.argocd.names);
      const names = (only ? [only] : deps.argocd.names).filter((n) => !narrowed.instances || narrowed.instances.includes(n));
      const instances = await Promise.all(
        names.map(async (name) => {
          const client = deps.argocd.get(name);
          try {
            // ArgoCD filters by project itself when the caller is scoped to some projects.
            const listed = await client.listApplications(narrowed.projects ? { projects: narrowed.projects } : {});
            const apps = listed
              .filter((a) => scopeAllows(scope, { instance: name, project: a.spec?.project || 'default' }))
              .map((a) => summarize(name, a, client.namespace));
            apps.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
            return { name, reachable: true, apps };
          } catch (error) {
            return { name, reachable: false, error: error instanceof Error ? error.name : 'Error', apps: [] as AppSummary[] };
          }
        }),
      );
      return { instances };
    },
  },
  {
    method: 'GET',
    path: '/api/apps/{instance}/{namespace}/{name}',
    access: { kind: 'targets', action: 'read', find: appTarget },
    run: async ({ deps, query, params, targets }): Promise<AppDetail> => {
      query.allowOnly();
      const ref = appParams(params);
      requireInstance(deps, ref.instance);
      const client = deps.argocd.get(ref.instance);
      // With the project ArgoCD answers 404 for an unknown app; without one (no project seen) 403.
      const project = targets[0]?.project;
      let app: Application;
      try {
        app = await client.getApplication(ref, project ? { project } : {});
      } catch (error) {
        if (error instanceof ArgoCDNotFoundError || error instanceof ArgoCDForbiddenError)
          throw new ResourceNotFoundError('app', `no application ${ref.instance}/${ref.namespace}/${ref.name}`);
        throw error;
      }
      let resources: TreeRow[] = [];
      let treeError: string | undefined;
      try {
        resources = treeRows(app, (await client.getResourceTree(ref, project ? { project } : {})).nodes ?? []);
      } catch (error) {
        treeError = error instanceof Error ? error.name : 'Error';
      }
      const history = [...(app.status?.history ?? [])]
        .reverse()
        .map((h) => ({ id: h.id, revision: h.revision ?? h.revisions?.join(','), deployedAt: h.deployedAt }));
      return { instance: ref.instance, ...summarize(ref.instance, app, client.namespace), history, resources, ...(treeError ? { treeError } : {}) };
    },
  },
  {
    method: 'POST',
    path: '/api/apps/{instance}/{namespace}/{name}/rollback',
    access: { kind: 'targets', action: 'rollback', find: appTarget },
    run: async ({ deps, event, params, actor, targets }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded, true);
      bodyField.allowOnly(body, 'to', 'dryRun', 'prune', 'disableAutoSync', 'waitSeconds');
      // The project the caller was allowed for: ArgoCD is told it on every call, and refuses the
      // app should it have moved to another project in between.
      const project = targets[0]?.project;
      const to = body.to;
      if (!(typeof to === 'string' && to.trim()) && !(typeof to === 'number' && Number.isSafeInteger(to) && to >= 0)) {
        throw new InvalidParameterError('to', 'to is required: a commit sha or a history id');
      }
      return rollbackApplication(deps, {
        ref: appParams(params),
        to: String(to).trim(),
        dryRun: bodyField.bool(body, 'dryRun'),
        prune: bodyField.bool(body, 'prune'),
        disableAutoSync: bodyField.bool(body, 'disableAutoSync'),
        waitSeconds: bodyField.number(body, 'waitSeconds', 0, 25),
        actor,
        ...(project ? { project } : {}),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/apps/{instance}/{namespace}/{name}/clear-flapping',
    // The project comes from the app's drift state, which is what the route changes.
    access: {
      kind: 'targets',
      action: 'clear-flapping',
      find: async ({ deps, params }) => {
        const ref = appParams(params);
        const state = deps.argocd.has(ref.instance) ? await deps.driftState.readApp(ref) : undefined;
        return [
          {
            instance: ref.instance,
            project: state?.project,
            label: `${ref.instance}/${ref.namespace}/${ref.name}`,
            app: { namespace: ref.namespace, name: ref.name },
          },
        ];
      },
    },
    run: async ({ deps, event, params, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'reason');
      if (body.reason !== undefined && typeof body.reason !== 'string') throw new InvalidParameterError('reason', 'reason must be a string');
      requireInstance(deps, params.instance);
      return clearFlapping(deps, { ref: appParams(params), actor, ...(body.reason ? { reason: body.reason } : {}) });
    },
  },
  {
    method: 'GET',
    path: '/api/export',
    // The caller needs `export` on some project of the instance and gets only its projects' objects.
    access: { kind: 'targets', action: 'export', find: async ({ query }) => [{ instance: query.string('instance'), anyProject: true }] },
    run: async ({ deps, query, actor, scope }) => {
      query.allowOnly('instance', 'kind', 'offset', 'limit', 'snapshot');
      const instance = query.string('instance');
      if (!instance) throw new InvalidParameterError('instance', 'instance is required');
      requireInstance(deps, instance);
      const kind = query.oneOf<ExportKind>('kind', ['applications', 'projects']);
      if (!kind) throw new InvalidParameterError('kind', 'kind is required: applications or projects');
      const page = await exportPage(deps, {
        instance,
        kind,
        offset: query.int('offset', { min: 0 }),
        limit: query.int('limit', { min: 1, max: MAX_EXPORT_PAGE, cap: true }),
        snapshot: query.string('snapshot'),
        actor,
      });
      if (scope.all) return page;
      // Offsets stay those of the whole snapshot, so paging is unchanged; a page just holds fewer
      // objects. `total` (objects of every project) is left out: it counts other teams' objects.
      const { total: _total, ...rest } = page;
      void _total;
      return { ...rest, items: page.items.filter((o) => scopeAllows(scope, { instance, project: projectOfObject(o) })) };
    },
  },
  {
    method: 'POST',
    path: '/api/import',
    // Every object must be in the caller's projects, and so must every app it would replace:
    // one object outside them refuses the whole import before anything is written.
    access: { kind: 'targets', action: 'import', find: importTargets },
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded, true);
      bodyField.allowOnly(body, 'instance', 'dryRun', 'projects', 'applications');
      if (typeof body.instance !== 'string' || !body.instance) throw new InvalidParameterError('instance', 'instance is required');
      requireInstance(deps, body.instance);
      for (const field of ['projects', 'applications'] as const) {
        if (body[field] !== undefined && !Array.isArray(body[field])) throw new InvalidParameterError(field, `${field} must be an array`);
      }
      return importObjects(
        { ...deps, argocd: argocdFor(deps, 'importer') },
        {
          instance: body.instance,
          dryRun: bodyField.bool(body, 'dryRun'),
          projects: body.projects as CleanObject[] | undefined,
          applications: body.applications as CleanObject[] | undefined,
        },
        actor,
      );
    },
  },
  {
    method: 'POST',
    path: '/api/dr/check',
    // The check reports objects the instance has beyond the given ones, whatever their project:
    // it needs `export` over every project of the instance.
    access: {
      kind: 'targets',
      action: 'export',
      find: async ({ event }) => {
        const body = parseJsonBody(event.body, event.isBase64Encoded, true);
        return [{ instance: typeof body.instance === 'string' ? body.instance : undefined }];
      },
    },
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded, true);
      bodyField.allowOnly(body, 'instance', 'projects', 'applications', 'expect', 'checkId');
      if (typeof body.instance !== 'string' || !body.instance) throw new InvalidParameterError('instance', 'instance is required');
      requireInstance(deps, body.instance);
      for (const field of ['projects', 'applications'] as const) {
        if (body[field] !== undefined && !Array.isArray(body[field])) throw new InvalidParameterError(field, `${field} must be an array`);
      }
      const expect = body.expect as Record<string, unknown> | undefined;
      if (expect !== undefined) {
        if (!expect || typeof expect !== 'object' || Array.isArray(expect))
          throw new InvalidParameterError('expect', 'expect must be an object with projects and/or applications');
        bodyField.allowOnly(expect, 'projects', 'applications');
      }
      if (body.checkId !== undefined && typeof body.checkId !== 'string') throw new InvalidParameterError('checkId', 'checkId must be a string');
      return checkObjects(
        deps,
        {
          instance: body.instance,
          projects: body.projects as CleanObject[] | undefined,
          applications: body.applications as CleanObject[] | undefined,
          expect: expect,
          checkId: body.checkId,
        },
        actor,
      );
    },
  },
];

interface CompiledRoute {
  route: OperatorRoute;
  pattern: RegExp;
  names: string[];
}

const COMPILED: CompiledRoute[] = OPERATOR_ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/** Result of matching a request to a route. */
export type RouteMatch = { kind: 'found'; route: OperatorRoute; params: Record<string, string> } | { kind: 'method'; allowed: string[] } | { kind: 'none' };

/**
 * Finds the route for a method and path (path parameters URL-decoded).
 * @throws InvalidParameterError when a path parameter is not valid percent-encoding
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const onPath = COMPILED.map((c) => ({ c, m: c.pattern.exec(path) })).filter((x) => x.m);
  if (!onPath.length) return { kind: 'none' };
  const hit = onPath.find((x) => x.c.route.method === method.toUpperCase());
  if (!hit) return { kind: 'method', allowed: [...new Set(onPath.map((x) => x.c.route.method))] };
  const params: Record<string, string> = {};
  hit.c.names.forEach((n, i) => {
    try {
      params[n] = decodeURIComponent(hit.m![i + 1]);
    } catch {
      throw new InvalidParameterError(n, `${n} is not valid percent-encoding`);
    }
  });
  return { kind: 'found', route: hit.c.route, params };
}
