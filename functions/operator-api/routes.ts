/**
 * The operator API's routes: each turns request input into one `functions/lib` call and its
 * result into a body. Validation errors throw `InvalidParameterError`; `responses.ts` maps errors.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { appRefOf, isOperationRunning, type Application } from '../lib/argocd/index';
import { MAX_LIMIT } from '../lib/audit/query-plan';
import type { AuditKind } from '../lib/audit/types';
import { checkObjects, exportPage, importObjects, MAX_EXPORT_PAGE, type CleanObject, type ExportKind } from '../lib/dr/index';
import { clearFlapping, getDriftState, listScans, runDriftScan } from '../lib/drift/index';
import { rollbackApplication } from '../lib/rollback/index';
import type { CoreDeps } from '../lib/runtime/core-deps';
import { computeStats } from '../lib/stats/index';
import { AUDIT_KINDS, InvalidParameterError, QueryParams, ResourceNotFoundError, auditFrom, bodyField, parseJsonBody } from './params';

/** The event the routes read (HTTP API payload v2 with the IAM authorizer context). */
export type OperatorEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

/** What a route gets. */
export interface RouteContext {
  event: OperatorEvent;
  deps: CoreDeps;
  query: QueryParams;
  params: Record<string, string>;
  /** The caller: the IAM principal ARN deployed, `local:<os user>` locally. */
  actor: string;
}

/** A route: API Gateway route key parts and the function answering it (status 200 with its result). */
export interface OperatorRoute {
  method: 'GET' | 'POST';
  /** Path with `{param}` placeholders, as in API Gateway route keys. */
  path: string;
  run(ctx: RouteContext): Promise<unknown>;
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
  const automated = app.spec?.syncPolicy?.automated as { enabled?: boolean } | undefined;
  return {
    namespace: ref.namespace,
    name: ref.name,
    project: app.spec?.project,
    sync: app.status?.sync?.status,
    health: app.status?.health?.status,
    revision: app.status?.sync?.revision ?? app.status?.sync?.revisions?.join(','),
    autoSync: !!automated && automated.enabled !== false,
    operation: isOperationRunning(app) ? 'Running' : app.status?.operationState?.phase,
  };
}

/** Every route, in matching order. */
export const OPERATOR_ROUTES: OperatorRoute[] = [
  {
    method: 'GET',
    path: '/healthz',
    run: async ({ deps, query }) => {
      query.allowOnly();
      return { status: 'ok', instances: deps.argocd.names };
    },
  },
  {
    method: 'GET',
    path: '/api/audit',
    run: async ({ deps, query }) => {
      query.allowOnly('app', 'instance', 'namespace', 'kind', 'from', 'to', 'delivery', 'revision', 'limit', 'cursor');
      const kind = query.oneOf('kind', AUDIT_KINDS) as AuditKind | undefined;
      const from = auditFrom(query.time('from'));
      const to = query.time('to');
      const page = await deps.auditStore.query({
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
    run: async ({ deps, query }) => {
      query.allowOnly('chain');
      const chains = query.list('chain');
      return deps.auditStore.verify(chains ? { chains } : {});
    },
  },
  {
    method: 'GET',
    path: '/api/drift',
    run: async ({ deps, query }) => {
      query.allowOnly('instance', 'includeResolved');
      const instance = requireInstance(deps, query.string('instance'));
      const includeResolved = query.bool('includeResolved');
      const [apps, scans] = await Promise.all([
        getDriftState(deps, { ...(instance ? { instance } : {}), ...(includeResolved !== undefined ? { includeResolved } : {}) }),
        listScans(deps, { limit: 1 }),
      ]);
      return { apps, drifted: apps.filter((a) => a.condition === 'drifted').length, lastScan: scans[0] };
    },
  },
  {
    method: 'POST',
    path: '/api/drift/scan',
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'dryRun', 'instances');
      const instances = bodyField.strings(body, 'instances');
      for (const i of instances ?? []) requireInstance(deps, i);
      const dryRun = bodyField.bool(body, 'dryRun');
      return runDriftScan(deps, { actor, ...(dryRun !== undefined ? { dryRun } : {}), ...(instances ? { instances } : {}) });
    },
  },
  {
    method: 'GET',
    path: '/api/stats',
    run: async ({ deps, query }) => {
      query.allowOnly('from', 'to', 'app', 'instance', 'namespace');
      return computeStats(
        { auditStore: deps.auditStore, now: deps.now, listScans: (o) => listScans(deps, o) },
        { from: query.time('from'), to: query.time('to'), app: query.string('app'), instance: query.string('instance'), namespace: query.string('namespace') },
      );
    },
  },
  {
    method: 'GET',
    path: '/api/apps',
    run: async ({ deps, query }) => {
      query.allowOnly('instance');
      const only = requireInstance(deps, query.string('instance'));
      const names = only ? [only] : deps.argocd.names;
      const instances = await Promise.all(
        names.map(async (name) => {
          const client = deps.argocd.get(name);
          try {
            const apps = (await client.listApplications()).map((a) => summarize(name, a, client.namespace));
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
    method: 'POST',
    path: '/api/apps/{instance}/{namespace}/{name}/rollback',
    run: async ({ deps, event, params, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded, true);
      bodyField.allowOnly(body, 'to', 'dryRun', 'prune', 'disableAutoSync', 'waitSeconds');
      const to = body.to;
      if (!(typeof to === 'string' && to.trim()) && !(typeof to === 'number' && Number.isSafeInteger(to) && to >= 0)) {
        throw new InvalidParameterError('to', 'to is required: a commit sha or a history id');
      }
      return rollbackApplication(deps, {
        ref: { instance: params.instance!, namespace: params.namespace!, name: params.name! },
        to: String(to).trim(),
        dryRun: bodyField.bool(body, 'dryRun'),
        prune: bodyField.bool(body, 'prune'),
        disableAutoSync: bodyField.bool(body, 'disableAutoSync'),
        waitSeconds: bodyField.number(body, 'waitSeconds', 0, 25),
        actor,
      });
    },
  },
  {
    method: 'POST',
    path: '/api/apps/{instance}/{namespace}/{name}/clear-flapping',
    run: async ({ deps, event, params, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded);
      bodyField.allowOnly(body, 'reason');
      if (body.reason !== undefined && typeof body.reason !== 'string') throw new InvalidParameterError('reason', 'reason must be a string');
      requireInstance(deps, params.instance);
      return clearFlapping(deps, { ref: { instance: params.instance!, namespace: params.namespace!, name: params.name! }, actor, ...(body.reason ? { reason: body.reason } : {}) });
    },
  },
  {
    method: 'GET',
    path: '/api/export',
    run: async ({ deps, query, actor }) => {
      query.allowOnly('instance', 'kind', 'offset', 'limit', 'snapshot');
      const instance = query.string('instance');
      if (!instance) throw new InvalidParameterError('instance', 'instance is required');
      requireInstance(deps, instance);
      const kind = query.oneOf<ExportKind>('kind', ['applications', 'projects']);
      if (!kind) throw new InvalidParameterError('kind', 'kind is required: applications or projects');
      return exportPage(deps, {
        instance,
        kind,
        offset: query.int('offset', { min: 0 }),
        limit: query.int('limit', { min: 1, max: MAX_EXPORT_PAGE, cap: true }),
        snapshot: query.string('snapshot'),
        actor,
      });
    },
  },
  {
    method: 'POST',
    path: '/api/import',
    run: async ({ deps, event, actor }) => {
      const body = parseJsonBody(event.body, event.isBase64Encoded, true);
      bodyField.allowOnly(body, 'instance', 'dryRun', 'projects', 'applications');
      if (typeof body.instance !== 'string' || !body.instance) throw new InvalidParameterError('instance', 'instance is required');
      requireInstance(deps, body.instance);
      for (const field of ['projects', 'applications'] as const) {
        if (body[field] !== undefined && !Array.isArray(body[field])) throw new InvalidParameterError(field, `${field} must be an array`);
      }
      return importObjects(
        deps,
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
        if (!expect || typeof expect !== 'object' || Array.isArray(expect)) throw new InvalidParameterError('expect', 'expect must be an object with projects and/or applications');
        bodyField.allowOnly(expect, 'projects', 'applications');
      }
      if (body.checkId !== undefined && typeof body.checkId !== 'string') throw new InvalidParameterError('checkId', 'checkId must be a string');
      return checkObjects(
        deps,
        {
          instance: body.instance,
          projects: body.projects as CleanObject[] | undefined,
          applications: body.applications as CleanObject[] | undefined,
          expect: expect as { projects?: string[]; applications?: string[] } | undefined,
          checkId: body.checkId as string | undefined,
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
export type RouteMatch =
  | { kind: 'found'; route: OperatorRoute; params: Record<string, string> }
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

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
      params[n] = decodeURIComponent(hit.m![i + 1]!);
    } catch {
      throw new InvalidParameterError(n, `${n} is not valid percent-encoding`);
    }
  });
  return { kind: 'found', route: hit.c.route, params };
}
