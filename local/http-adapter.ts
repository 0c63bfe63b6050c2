import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { userInfo } from 'node:os';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';

/** API Gateway answers 413 above 10 MB before a Lambda ever runs; the adapter does the same. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** An HTTP API v2 event as the local adapter builds it (IAM authorizer context included). */
export type HttpEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

/** A Lambda-style HTTP handler. */
export type HttpHandler = (event: HttpEvent) => Promise<APIGatewayProxyResultV2>;

/**
 * Who may call a route locally:
 * - `public`: anyone (the webhook: it verifies the provider's signature itself, and may come
 *   through a tunnel under another host name);
 * - `local`: no token, but only with this server's `Host` and no foreign `Origin` (health);
 * - `token` (default): like `local`, plus `Authorization: Bearer <token>`.
 */
export type RouteGuard = 'public' | 'local' | 'token';

/** A route: `METHOD /path/{param}` as in API Gateway route keys (`ANY` matches every method). */
export interface Route {
  method: string;
  path: string;
  handler: HttpHandler;
  /** @default "token" */
  guard?: RouteGuard;
}

/** A local bearer token and the principal it authenticates. */
export interface LocalPrincipalToken {
  /** Recorded as the caller, e.g. `local:alice`. */
  principal: string;
  token: string;
}

/** How the adapter authenticates, in the place of API Gateway's IAM authorizer. */
export interface LocalAuth {
  tokens: readonly LocalPrincipalToken[];
  /** `Host` header values that name this server (e.g. `127.0.0.1:8080`), read per request (the port is known after listen). */
  hosts: () => readonly string[];
  /**
   * Told of every request refused before authentication (the local stack counts them with the
   * webhook's refusal counter: unauthenticated input must not write to the audit trail).
   */
  onRefused?: (reason: 'no-token' | 'bad-token' | 'foreign-host' | 'foreign-origin') => void;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The principal whose token `presented` is, or undefined. Compares SHA-256 digests with
 * `timingSafeEqual` against every token, without stopping at a match, so neither the
 * token's bytes nor which principal matched can be learnt from the time taken.
 */
export function principalOfToken(presented: string, tokens: readonly LocalPrincipalToken[]): string | undefined {
  const given = digest(presented);
  let found: string | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(given, digest(t.token)) && found === undefined) found = t.principal;
  }
  return found;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  params: string[];
}

function compile(route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source.replace(/\\\{|\\\}/g, '')}$`), params };
}

let actor: string | undefined;

/** The identity recorded as the actor for local calls (`local:<os user>`), looked up once. */
export function localActor(): string {
  if (actor) return actor;
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return (actor = `local:${name}`);
}

/**
 * Turns a Node request into an API Gateway HTTP API v2 event. Header names are
 * lower-cased and repeated headers joined with commas, as API Gateway does.
 */
export function toHttpEvent(
  req: IncomingMessage,
  body: Buffer,
  route: CompiledRoute | undefined,
  pathParameters: Record<string, string>,
  principal: string = localActor(),
): HttpEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const text = body.toString('utf8');
  // Binary bodies reach Lambda base64-encoded; text bodies as they are.
  const isBase64Encoded = !Buffer.from(text, 'utf8').equals(body);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: route ? `${route.method} ${route.path}` : '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    body: body.length ? (isBase64Encoded ? body.toString('base64') : text) : undefined,
    isBase64Encoded,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route ? `${route.method} ${route.path}` : '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      authorizer: {
        iam: {
          accessKey: 'local',
          accountId: 'local',
          callerId: 'local',
          cognitoIdentity: null,
          principalOrgId: 'local',
          userArn: principal,
          userId: principal,
        },
      },
    },
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * Refuses what a web page in the operator's browser could send: a `Host` other than this
 * server's (DNS rebinding), an `Origin` other than its own (CSRF), and, on token routes, a
 * missing or wrong bearer token.
 * @returns the caller's principal, or the refusal already sent
 */
function guard(req: IncomingMessage, res: ServerResponse, route: Route, auth: LocalAuth | undefined): { principal?: string; refused: boolean } {
  const kind = route.guard ?? 'token';
  if (!auth || kind === 'public') return { refused: false };
  const hosts = auth.hosts();
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.includes(host)) {
    auth.onRefused?.('foreign-host');
    json(res, 403, {
      error: 'forbidden',
      message: `Host "${host.slice(0, 100)}" is not this server's address (${hosts[0]}); refused (DNS rebinding protection)`,
    });
    return { refused: true };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    auth.onRefused?.('foreign-origin');
    json(res, 403, { error: 'forbidden', message: `Origin "${String(origin).slice(0, 100)}" is not this server; cross-origin requests are refused` });
    return { refused: true };
  }
  if (kind === 'local') return { refused: false };
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const principal = m ? principalOfToken(m[1], auth.tokens) : undefined;
  if (!principal) {
    auth.onRefused?.(m ? 'bad-token' : 'no-token');
    res.setHeader('www-authenticate', 'Bearer realm="gitops-sentinel"');
    json(res, 401, {
      error: 'unauthorized',
      message: m ? 'the bearer token is not valid' : 'send Authorization: Bearer <token> (the admin token is in .sentinel/local-token)',
    });
    return { refused: true };
  }
  return { principal, refused: false };
}

/**
 * A request listener that routes to Lambda-style handlers, like an HTTP API does:
 * 404 for an unknown path, 405 for a known path with another method, 413 above the
 * API Gateway payload limit, 500 (fixed message) when a handler throws. With `auth`, each
 * route's guard is applied first (403 foreign Host/Origin, 401 missing or wrong token), and
 * the token's principal is the caller the handler sees.
 */
export function createRequestListener(routes: Route[], onError: (error: unknown) => void = () => {}, auth?: LocalAuth) {
  const compiled = routes.map(compile);
  const listen = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const onPath = compiled.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
      if (!onPath.length) return json(res, 404, { message: 'Not Found' });
      const hit = onPath.find((x) => x.r.method === req.method || x.r.method === 'ANY');
      if (!hit) {
        res.setHeader('allow', [...new Set(onPath.map((x) => x.r.method))].join(', '));
        return json(res, 405, { message: `method ${req.method} not allowed on ${path}` });
      }
      const checked = guard(req, res, hit.r, auth);
      if (checked.refused) return;
      const body = await readBody(req, API_GATEWAY_MAX_BODY_BYTES);
      if (body === null) return json(res, 413, { message: 'Request Entity Too Large' });
      const params = Object.fromEntries(hit.r.params.map((p, i) => [p, decodeURIComponent(hit.m![i + 1])]));
      send(res, await hit.r.handler(toHttpEvent(req, body, hit.r, params, checked.principal)));
    } catch (error) {
      onError(error);
      if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
      else res.end();
    }
  };
  // `listen` settles every request itself (errors answer 500), so nothing is left to await.
  return (req: IncomingMessage, res: ServerResponse): void => void listen(req, res);
}
