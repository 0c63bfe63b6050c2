/**
 * The operator API's routes: each declares the schemas of its query and body (params.ts) and
 * turns the validated input into one `functions/lib` call and its result into a body.
 * Validation errors throw `InvalidParameterError`; `responses.ts` maps errors.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type * as v from 'valibot';
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
import { checkObjects, exportPage, importObjects, MAX_EXPORT_PAGE, type CheckRequest, type CleanObject, type ExportKind } from '../lib/dr/index';
import { clearFlapping, getDriftState, listScans, runDriftScan, type DriftScanResult } from '../lib/drift/index';
import { rollbackApplication } from '../lib/rollback/index';
import { argocdFor, type CoreDeps } from '../lib/runtime/core-deps';
import { computeStats } from '../lib/stats/index';
import { listRefusals } from '../lib/intake/dynamodb-refusal-counter';
import type { RouteAccess, RouteTarget } from './access';
import {
  AUDIT_KINDS,
  InvalidParameterError,
  PATH_PARAM,
  ResourceNotFoundError,
  auditFrom,
  body,
  parseField,
  parseJsonBody,
  parseParams,
  query,
  queryInput,
  strict,
} from './params';

/** Time one call of `POST /api/audit/backfill-index` works before it answers with a resume token. */
const BACKFILL_SLICE_MS = 20_000;

/** The event the routes read (HTTP API payload v2 with the IAM authorizer context). */
export type OperatorEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

/** What a route's access check gets (before its query and body are validated). */
export interface RouteContext {
  event: OperatorEvent;
  deps: CoreDeps;
  /** Path parameters, percent-decoded and checked ({@link PATH_PARAM}). */
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
 * `run`, see access.ts) and the function answering it (status 200 with its result), which
 * validates the request's query (GET) or body (POST) first.
 */
export interface OperatorRoute {
  method: 'GET' | 'POST';
  /** Path with `{param}` placeholders, as in API Gateway route keys. */
  path: string;
  /** The action the route needs and how its targets are found. */
  access: RouteAccess<RouteContext>;
  run(ctx: AuthorizedContext): Promise<unknown>;
}

/** A strict object schema of query parameters or body fields (`strict` in params.ts). */
type InputSchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;

/** No query parameters at all (GET routes that take none refuse any). */
const NO_QUERY = strict({});

/** A route as written below: its input schemas and a `run` that gets the validated input, typed. */
interface RouteSpec<Q extends InputSchema, B extends InputSchema> extends Omit<OperatorRoute, 'run'> {
  /** The query parameters of a GET route. @default none */
  query?: Q;
  /** The JSON body fields of a POST route. @default none */
  body?: B;
  /** Whether a POST needs a body; without, an empty body reads as `{}`. @default false */
  bodyRequired?: boolean;
  run: (ctx: AuthorizedContext & { query: v.InferOutput<Q>; body: v.InferOutput<B> }) => Promise<unknown>;
}

/**
 * Builds a route whose input is validated after the access check, as before (a caller without
 * access learns nothing about the parameters, and every refusal is audited). GET routes read
 * the query only and POST routes the body only; the other is not read.
 */
function route<Q extends InputSchema = typeof NO_QUERY, B extends InputSchema = typeof NO_QUERY>(spec: RouteSpec<Q, B>): OperatorRoute {
  const { query: q, body: b, bodyRequired = false, run, ...rest } = spec;
  return {
    ...rest,
    run: (ctx) => {
      const { event } = ctx;
      const get = rest.method === 'GET';
      const input = {
        query: get ? parseParams(q ?? NO_QUERY, queryInput(event.queryStringParameters)) : {},
        body: get ? {} : parseParams(b ?? NO_QUERY, parseJsonBody(event.body, event.isBase64Encoded, bodyRequired)),
      };
      return run({ ...ctx, ...input });
    },
  };
}

/** The body schema of a POST route. */
const bodyOf = <E extends v.ObjectEntries>(entries: E) => strict(entries, 'body field', 'must be a JSON object');

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

/**
 * The targets of an import, read from its body before the access check: leniently, as they are
 * only what is checked (the body schema refuses a malformed body after the check).
 */
async function importTargets({ deps, event }: RouteContext): Promise<RouteTarget[]> {
  const json = parseJsonBody(event.body, event.isBase64Encoded, true);
  const instance = typeof json.instance === 'string' ? json.instance : undefined;
  const objects = [
    ...(Array.isArray(json.projects) ? (json.projects as unknown[]) : []),
    ...(Array.isArray(json.applications) ? (json.applications as unknown[]) : []),
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
  route({
    method: 'GET',
    path: '/healthz',
    access: { kind: 'public' },
    run: async ({ deps }) => ({ status: 'ok', instances: deps.argocd.names }),
  }),
  route({
    method: 'GET',
    path: '/api/audit',
    access: { kind: 'scoped', action: 'read' },
    query: strict({
      app: query.text,
      instance: query.text,
      namespace: query.text,
      kind: query.oneOf<AuditKind>(AUDIT_KINDS),
      from: query.time,
      to: query.time,
      delivery: query.text,
      revision: query.text,
      // Capped, not refused: a client asking for more simply gets the largest page.
      limit: query.int(1, MAX_LIMIT, true),
      cursor: query.cursor,
    }),
    run: async ({ deps, query: q, scope }) => {
      const page = await scopedAuditStore(deps.auditStore, scope, deps.argocd.names).query({
        app: q.app,
        instance: q.instance,
        namespace: q.namespace,
        kind: q.kind,
        from: auditFrom(q.from),
        to: q.to,
        deliveryId: q.delivery,
        revision: q.revision,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { items: page.items, count: page.items.length, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/verify',
    // Chains span projects (system chains hold records of no project): every project is needed.
    access: { kind: 'global', action: 'verify' },
    query: strict({
      chain: query.list,
      after: query.text,
      limit: query.int(1, VERIFY_PAGE_CHAINS, true),
      digests: query.oneOf(['checkpoint', 'all'], 'must be "checkpoint" or "all"'),
    }),
    run: async ({ deps, actor, query: { chain: chains, after, limit, digests } }) => {
      if (chains && (after !== undefined || limit !== undefined)) throw new InvalidParameterError('after', 'chain cannot be combined with after/limit');
      if (!deps.anchor) return notifyBroken(deps, actor, { ...(await deps.auditStore.verify(chains ? { chains } : {})), anchoring: 'not-configured' });
      const { reader, store } = deps.anchor;
      // A page (`after`, "" for the first) is cut short after VERIFY_PAGE_BUDGET_MS, so it answers
      // within API Gateway's 29 s whatever the chains hold; `next` says where to go on. An empty
      // `after` reads as absent (as every empty parameter, and the CLI leaves empty ones out), so
      // `limit` alone asks for the first page.
      const page = after ?? (limit !== undefined ? '' : undefined);
      const report = await verifyAnchored(
        { reader, store, publicKeyPem: await deps.anchor.publicKeyPem() },
        {
          ...(chains ? { chains } : {}),
          ...(page !== undefined ? { after: page, budgetMs: VERIFY_PAGE_BUDGET_MS } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(digests ? { digests } : {}),
        },
      );
      return notifyBroken(deps, actor, report);
    },
  }),
  route({
    method: 'POST',
    path: '/api/audit/anchor',
    // Anchoring names every chain's head, across projects, like verify.
    access: { kind: 'global', action: 'verify' },
    body: bodyOf({ checkpoint: body.bool }),
    run: async ({ deps, actor, body: { checkpoint } }) => {
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
  }),
  route({
    method: 'POST',
    path: '/api/audit/backfill-index',
    // It writes to every chain (records of every project): an upgrade step for admins.
    access: { kind: 'global', action: 'admin' },
    body: bodyOf({ resume: body.text('must be the token of an earlier call') }),
    run: async ({ deps, actor, body: { resume } }) => {
      // The by-project index is the DynamoDB adapter's; a store without it has nothing to backfill.
      if (!(deps.auditStore instanceof DynamoDBAuditStore)) throw new InvalidParameterError('resume', 'this audit store has no by-project index to backfill');
      // A slice ends well inside API Gateway's 29 s; the caller (the CLI) continues with `resume`.
      const result = await deps.auditStore.backfillIndex({
        deadline: deps.now().getTime() + BACKFILL_SLICE_MS,
        ...(resume ? { resume } : {}),
      });
      if (result.done) {
        // One record per completed pass; from now on verify treats a missing projectDay as a break.
        await deps.auditStore.append({
          kind: INDEX_BACKFILLED_KIND,
          outcome: 'success',
          actor,
          // Lets verify find it with one Query, whichever chains it walks.
          deliveryId: INDEX_BACKFILL_DELIVERY,
          message:
            `by-project index backfill complete: ${result.total.indexed} record(s) indexed, ${result.total.skipped} left for verify, ` +
            `${result.total.records} read in ${result.total.chains} chain(s)`,
          details: { ...result.total },
        });
      }
      return result;
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/public-key',
    access: { kind: 'global', action: 'verify' },
    run: async ({ deps }) => {
      const pem = await anchorOf(deps).publicKeyPem();
      return { pem, fingerprint: publicKeyOf(pem).fingerprint };
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/digests',
    // Digests name the heads of every chain, across projects.
    access: { kind: 'global', action: 'verify' },
    query: strict({ after: query.text, limit: query.int(1, 1000, true), from: query.oneOf(['checkpoint', 'all'], 'must be "checkpoint" or "all"') }),
    run: async ({ deps, query: { after, limit, from } }) => {
      const anchor = anchorOf(deps);
      return digestsPage(anchor.store, {
        after,
        limit,
        ...(from === 'checkpoint' ? { from, publicKeyPem: await anchor.publicKeyPem() } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/digests/part',
    // A part of a big digest (heads in parts of at most 1 MB, so every answer stays under Lambda's 6 MB).
    access: { kind: 'global', action: 'verify' },
    query: strict({ seq: query.requiredInt(0), hash: query.pattern(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits') }),
    run: async ({ deps, query: { seq, hash } }) => {
      const part = await digestPart(anchorOf(deps).store, seq, hash);
      if (!part) throw new ResourceNotFoundError('digest part', `no part ${hash} of digest ${seq}`);
      return part;
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/proof/chains',
    access: { kind: 'global', action: 'verify' },
    query: strict({
      app: query.text,
      instance: query.text,
      namespace: query.text,
      from: query.time,
      // Accepted for the record but narrows nothing: a record is proven by the links from it to the anchored head.
      to: query.time,
      after: query.text,
      limit: query.int(1, PROOF_CHAINS_PAGE, true),
    }),
    run: async ({ deps, query: q }) => {
      const appChain = q.app
        ? `${APP_CHAIN_PREFIX}${appKey(q.instance ?? RECORD_DEFAULTS.defaultInstance, q.namespace ?? RECORD_DEFAULTS.defaultNamespace, q.app)}`
        : undefined;
      // Paged (`after`, `next`): 100,000 chain names would not fit in one answer.
      const page = await proofChains(anchorOf(deps), { appChain, from: q.from, after: q.after, limit: q.limit });
      return { chains: page.chains.map((chain) => ({ chain, fromSeq: 0 })), ...(page.next !== undefined ? { next: page.next } : {}) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit/proof/records',
    // Proof records are whole chains (system chains hold records of no project): as verify, every project.
    access: { kind: 'global', action: 'verify' },
    query: strict({ chain: query.required(), fromSeq: query.int(0), limit: query.int(1, MAX_LIMIT, true) }),
    run: async ({ deps, query: { chain, fromSeq, limit } }) => chainRecordsPage(anchorOf(deps).reader, chain, fromSeq ?? 0, limit ?? MAX_LIMIT),
  }),
  route({
    method: 'GET',
    path: '/api/drift',
    access: { kind: 'scoped', action: 'read' },
    query: strict({ instance: query.text, includeResolved: query.bool }),
    run: async ({ deps, query: q, scope }) => {
      const instance = requireInstance(deps, q.instance);
      const includeResolved = q.includeResolved;
      const [apps, scans] = await Promise.all([
        getDriftState(deps, { ...(instance ? { instance } : {}), ...(includeResolved !== undefined ? { includeResolved } : {}) }),
        listScans(deps, { limit: 1 }),
      ]);
      const visible = apps.filter((a) => scopeAllows(scope, { instance: a.instance, project: a.project }));
      // A scan summary belongs to no project: only callers over every project see it.
      const lastScan = scopeAllows(scope, {}) ? scans[0] : undefined;
      return { apps: visible, drifted: visible.filter((a) => a.condition === 'drifted').length, lastScan };
    },
  }),
  route({
    method: 'POST',
    path: '/api/drift/scan',
    // A scan covers whole instances; the caller needs `scan` on some project of each, and sees
    // the findings of its own projects only.
    access: {
      kind: 'targets',
      action: 'scan',
      // Read before the access check (it names what is checked), with the body schema's own rule.
      find: async ({ deps, event }) => {
        const instances = parseField('instances', body.strings, parseJsonBody(event.body, event.isBase64Encoded).instances) ?? deps.argocd.names;
        return instances.map((instance) => ({ instance, anyProject: true }));
      },
    },
    body: bodyOf({ dryRun: body.bool, instances: body.strings }),
    run: async ({ deps, actor, scope, body: { dryRun, instances } }) => {
      for (const i of instances ?? []) requireInstance(deps, i);
      const result = await runDriftScan(
        { ...deps, argocd: argocdFor(deps, 'scanner') },
        { actor, ...(dryRun !== undefined ? { dryRun } : {}), ...(instances ? { instances } : {}) },
      );
      return scope.all ? result : scopedScan(result, scope);
    },
  }),
  route({
    method: 'GET',
    path: '/api/stats',
    access: { kind: 'scoped', action: 'read' },
    query: strict({ from: query.time, to: query.time, app: query.text, instance: query.text, namespace: query.text }),
    run: async ({ deps, query: q, scope }) => {
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
        { from: q.from, to: q.to, app: q.app, instance: q.instance, namespace: q.namespace },
      );
    },
  }),
  route({
    method: 'GET',
    path: '/api/apps',
    access: { kind: 'scoped', action: 'read' },
    query: strict({ instance: query.text }),
    run: async ({ deps, query: q, scope }) => {
      const only = requireInstance(deps, q.instance);
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
  }),
  route({
    method: 'GET',
    path: '/api/apps/{instance}/{namespace}/{name}',
    access: { kind: 'targets', action: 'read', find: appTarget },
    run: async ({ deps, params, targets }): Promise<AppDetail> => {
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
  }),
  route({
    method: 'POST',
    path: '/api/apps/{instance}/{namespace}/{name}/rollback',
    access: { kind: 'targets', action: 'rollback', find: appTarget },
    bodyRequired: true,
    body: bodyOf({ to: body.rollbackTarget, dryRun: body.bool, prune: body.bool, disableAutoSync: body.bool, waitSeconds: body.number(0, 25) }),
    run: async ({ deps, params, actor, targets, body: b }) => {
      // The project the caller was allowed for: ArgoCD is told it on every call, and refuses the
      // app should it have moved to another project in between.
      const project = targets[0]?.project;
      return rollbackApplication(deps, {
        ref: appParams(params),
        to: b.to,
        dryRun: b.dryRun,
        prune: b.prune,
        disableAutoSync: b.disableAutoSync,
        waitSeconds: b.waitSeconds,
        actor,
        ...(project ? { project } : {}),
      });
    },
  }),
  route({
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
    body: bodyOf({ reason: body.text() }),
    run: async ({ deps, params, actor, body: { reason } }) => {
      requireInstance(deps, params.instance);
      return clearFlapping(deps, { ref: appParams(params), actor, ...(reason ? { reason } : {}) });
    },
  }),
  route({
    method: 'GET',
    path: '/api/export',
    // The caller needs `export` on some project of the instance and gets only its projects' objects.
    // The instance as given (checked by the query schema after the access check).
    access: {
      kind: 'targets',
      action: 'export',
      find: async ({ event }) => [{ instance: event.queryStringParameters?.instance || undefined, anyProject: true }],
    },
    query: strict({
      instance: query.required(),
      kind: query.requiredOneOf<ExportKind>(['applications', 'projects'], 'is required: applications or projects'),
      offset: query.int(0),
      limit: query.int(1, MAX_EXPORT_PAGE, true),
      snapshot: query.text,
    }),
    run: async ({ deps, query: { instance, kind, offset, limit, snapshot }, actor, scope }) => {
      requireInstance(deps, instance);
      const page = await exportPage(deps, { instance, kind, offset, limit, snapshot, actor });
      if (scope.all) return page;
      // Offsets stay those of the whole snapshot, so paging is unchanged; a page just holds fewer
      // objects. `total` (objects of every project) is left out: it counts other teams' objects.
      const { total: _total, ...rest } = page;
      void _total;
      return { ...rest, items: page.items.filter((o) => scopeAllows(scope, { instance, project: projectOfObject(o) })) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/import',
    // Every object must be in the caller's projects, and so must every app it would replace:
    // one object outside them refuses the whole import before anything is written.
    access: { kind: 'targets', action: 'import', find: importTargets },
    bodyRequired: true,
    body: bodyOf({ instance: body.required, dryRun: body.bool, projects: body.array, applications: body.array }),
    run: async ({ deps, actor, body: b }) => {
      requireInstance(deps, b.instance);
      return importObjects(
        { ...deps, argocd: argocdFor(deps, 'importer') },
        // The objects themselves are checked by lib/dr, which names each one at fault (`applications[0]`).
        {
          instance: b.instance,
          dryRun: b.dryRun,
          projects: b.projects as CleanObject[] | undefined,
          applications: b.applications as CleanObject[] | undefined,
        },
        actor,
      );
    },
  }),
  route({
    method: 'POST',
    path: '/api/dr/check',
    // The check reports objects the instance has beyond the given ones, whatever their project:
    // it needs `export` over every project of the instance.
    access: {
      kind: 'targets',
      action: 'export',
      find: async ({ event }) => {
        const json = parseJsonBody(event.body, event.isBase64Encoded, true);
        return [{ instance: typeof json.instance === 'string' ? json.instance : undefined }];
      },
    },
    bodyRequired: true,
    body: bodyOf({
      instance: body.required,
      projects: body.array,
      applications: body.array,
      // The lists inside are checked by lib/dr (`expect.applications`).
      expect: body.object({ projects: body.any, applications: body.any }, 'must be an object with projects and/or applications'),
      checkId: body.text(),
    }),
    run: async ({ deps, actor, body: b }) => {
      requireInstance(deps, b.instance);
      return checkObjects(
        deps,
        {
          instance: b.instance,
          projects: b.projects as CleanObject[] | undefined,
          applications: b.applications as CleanObject[] | undefined,
          expect: b.expect as CheckRequest['expect'],
          checkId: b.checkId,
        },
        actor,
      );
    },
  }),
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
 * Finds the route for a method and path (path parameters URL-decoded and checked against
 * {@link PATH_PARAM} here, before the access check reads them).
 * @throws InvalidParameterError when a path parameter is not valid percent-encoding or too long
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const onPath = COMPILED.map((c) => ({ c, m: c.pattern.exec(path) })).filter((x) => x.m);
  if (!onPath.length) return { kind: 'none' };
  const hit = onPath.find((x) => x.c.route.method === method.toUpperCase());
  if (!hit) return { kind: 'method', allowed: [...new Set(onPath.map((x) => x.c.route.method))] };
  const params: Record<string, string> = {};
  hit.c.names.forEach((n, i) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(hit.m![i + 1]);
    } catch {
      throw new InvalidParameterError(n, `${n} is not valid percent-encoding`);
    }
    params[n] = parseField(n, PATH_PARAM, decoded);
  });
  return { kind: 'found', route: hit.c.route, params };
}
