/**
 * The operator API (HTTP API, IAM-authenticated when deployed): audit queries and chain
 * verification, drift state and scan-now, statistics, the app list, rollback, and the
 * disaster-recovery export/import. Thin: event → one `functions/lib` call → response, with one
 * error mapping (`responses.ts`). The actor of every audited action is the caller's identity.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { deployedCoreDeps, purposeRegistries, type BaseCoreDeps, type CoreDeps } from '../lib/runtime/core-deps';
import { DynamoDBDriftStateStore } from '../lib/drift/dynamodb-drift-state-store';
import type { AnchorService } from '../lib/anchor/anchor-service';
import type { DynamoDBAuditStore } from '../lib/audit/dynamodb-audit-store';
import { lazyDeps, refreshing, type DepsOrBuilder } from '../lib/runtime/lazy';
import { completeLogger } from '../lib/observability/simple-logger';
import { authorize } from './access';
import { errorResponse, json, methodNotAllowed, ok, routeNotFound } from './responses';
import { matchRoute, type OperatorEvent } from './routes';

export { OPERATOR_ROUTES, matchRoute, type OperatorRoute, type OperatorEvent } from './routes';

/** The handler's signature. */
export type OperatorApiHandler = (event: OperatorEvent) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The caller's identity: the IAM principal ARN from the request context (API Gateway puts it
 * there after SigV4 authentication; the local adapter puts `local:<os user>`).
 */
export function actorOf(event: OperatorEvent): string {
  const iam = event?.requestContext?.authorizer?.iam;
  return iam?.userArn || iam?.userId || 'unknown';
}

/** Whether the request says its body is JSON (`application/json`, parameters such as charset allowed). */
function isJson(headers: Record<string, string | undefined> | undefined): boolean {
  const type = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return typeof type === 'string' && type.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** Options of {@link createOperatorApiHandler}. */
export interface OperatorApiOptions {
  /**
   * Told of a request refused before authorization (a write without `application/json`). The
   * local stack counts it with the refusal counter; deployed, API Gateway's 4XX metrics count it.
   */
  onRefused?: (reason: 'unsupported-media-type') => void;
}

/**
 * Builds the operator API handler around injected dependencies (the local stack and tests
 * pass dynalite- and simulator-backed ones).
 * @param deps the dependencies, or a function building them on first use (cached; a failed build is retried)
 * @example
 * const handler = createOperatorApiHandler(deps);
 * const res = await handler(event); // GET /api/audit?app=guestbook
 */
export function createOperatorApiHandler(deps: DepsOrBuilder<CoreDeps>, options: OperatorApiOptions = {}): OperatorApiHandler {
  const getDeps = lazyDeps(deps);

  return async (event) => {
    let resolved: CoreDeps | undefined;
    const method = event?.requestContext?.http?.method ?? 'GET';
    const path = event?.rawPath ?? event?.requestContext?.http?.path ?? '/';
    try {
      const match = matchRoute(method, path);
      if (match.kind === 'none') return routeNotFound(path);
      if (match.kind === 'method') return methodNotAllowed(method, match.allowed);
      // Writes take JSON only: a browser can send a cross-origin form or text/plain POST
      // without a preflight, never an application/json one.
      if (match.route.method === 'POST' && !isJson(event.headers)) {
        // Refused before authorization: counted (locally), never audited.
        options.onRefused?.('unsupported-media-type');
        return json(415, { error: 'unsupported-media-type', message: 'write requests must have Content-Type: application/json' });
      }
      resolved = await getDeps();
      const ctx = { event, deps: resolved, params: match.params, actor: actorOf(event) };
      const { scope, targets } = await authorize(match.route.access, ctx.actor, resolved, ctx, `${match.route.method} ${match.route.path}`);
      const result = await match.route.run({ ...ctx, scope, targets });
      return ok(result);
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode === 500 || response.statusCode === 502) {
        // Name only: never the event (it holds the caller's signature), a stack or a token.
        completeLogger(resolved?.log).error('operator API request failed', {
          route: `${method} ${path.slice(0, 200)}`,
          error: error instanceof Error ? error.name : 'UnknownError',
        });
      }
      return response;
    }
  };
}

/**
/**
 * Adds the deployed anchoring (digests in S3, the public key from KMS, "anchor now" through the
 * anchor function) when the configuration has it (the stack set `SENTINEL_ANCHOR_*`). The S3,
 * KMS and Lambda clients are loaded only then, so the local stack and the other functions never load them.
 */
function withDeployedAnchor(deps: DepsOrBuilder<CoreDeps>): DepsOrBuilder<CoreDeps> {
  const get = lazyDeps(deps);
  let anchor: Promise<AnchorService> | undefined;
  return refreshing(async () => {
    const core = await get();
    const settings = core.config.anchor;
    if (!settings) return core;
    // deployedCoreDeps builds a DynamoDBAuditStore, which is also the chain reader verification needs.
    // (`.js`: a dynamic import is an ECMAScript import; esbuild resolves it to the .ts file.)
    anchor ??= import('../lib/anchor/deployed.js').then((m) => m.deployedAnchorService(settings, core.auditStore as DynamoDBAuditStore));
    return { ...core, anchor: await anchor };
  });
}

/**
 * What the operator API adds to the deployed dependencies every ArgoCD-facing function shares
 * (`buildCoreDeps`, which builds neither, so the other functions do not bundle them): the drift
 * state store (only this function and drift-scan use it) and the clients with other purposes'
 * tokens (scan now, import: only this function).
 */
export function withOperatorDeps(core: BaseCoreDeps): CoreDeps {
  return {
    ...core,
    driftState: new DynamoDBDriftStateStore(core.doc, core.tables.state),
    argocdByPurpose: purposeRegistries(core.config, core.secrets, core.argocd, core.log),
  };
}

/**
 * The Lambda entry point; dependencies (config, DynamoDB, Secrets Manager, ArgoCD clients, and
 * the anchoring when configured) are built on the first request and again when the deployed
 * configuration changes (a new access policy takes effect within `SENTINEL_CONFIG_MAX_AGE_SECONDS`).
 */
export const handler: OperatorApiHandler = createOperatorApiHandler(withDeployedAnchor(deployedCoreDeps('operator-api', process.env, withOperatorDeps)));
