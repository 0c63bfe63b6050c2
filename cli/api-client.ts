/**
 * The CLI's HTTP client for the operator API: JSON in and out, SigV4-signed for non-local URLs
 * with credentials from the standard AWS chain, and errors that carry the exit code scripts rely on.
 */
import { join } from 'node:path';
// The Node default chain (env, SSO, ini, process, web identity, ECS/EC2) is all the CLI uses;
// `credential-provider-node` is that chain without the browser/Cognito providers of the umbrella package.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { LOCAL_TOKEN_FILE, readLocalToken } from '../local/local-token';
import { EXIT, CliError } from './errors';
import { isLocalUrl, regionFor, signRequest, type SigningCredentials } from './sigv4';

/** The local stack's address, the default target. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** Base URL of the operator API. */
  baseUrl: string;
  /** Environment (region, credentials chain). */
  env: Record<string, string | undefined>;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Credentials for signing; default the AWS SDK's node provider chain (only used for non-local URLs). */
  credentials?: () => Promise<SigningCredentials>;
  /**
   * Bearer token for a local URL. @default `$SENTINEL_TOKEN`, else the admin token `npm start`
   * wrote to `.sentinel/local-token` under `cwd`
   */
  token?: string;
  /** Where to look for `.sentinel/local-token`. @default process.cwd() */
  cwd?: string;
}

/** An error answer from the API, with its status and body. */
export class ApiError extends CliError {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const parameter = typeof body.parameter === 'string' ? ` (parameter: ${body.parameter})` : '';
    const hint = typeof body.hint === 'string' ? `\nhint: ${body.hint}` : '';
    super(
      status === 400 || status === 405 ? EXIT.usage : status === 404 ? EXIT.notFound : EXIT.error,
      `API answered ${status}: ${typeof body.message === 'string' ? body.message : 'error'}${parameter}${hint}`,
    );
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings (URLSearchParams would write `+` for spaces). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Query values; undefined and empty ones are left out. */
export type QueryInput = Record<string, string | number | boolean | undefined>;

/** The operator API client. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly env: Record<string, string | undefined>;
  private readonly doFetch: typeof fetch;
  private readonly credentials?: () => Promise<SigningCredentials>;
  private chain?: () => Promise<SigningCredentials>;
  private readonly token?: string;
  private readonly tokenFile: string;

  constructor(options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new CliError(EXIT.usage, `--api must be a URL, got "${options.baseUrl}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError(EXIT.usage, '--api must be an http(s) URL');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.env = options.env;
    this.doFetch = options.fetch ?? globalThis.fetch;
    this.credentials = options.credentials;
    this.token = options.token ?? (options.env.SENTINEL_TOKEN || undefined);
    this.tokenFile = join(options.cwd ?? process.cwd(), LOCAL_TOKEN_FILE);
  }

  /** The bearer token sent to a local API, read when first needed. */
  private localToken(): string | undefined {
    return this.token ?? readLocalToken(this.tokenFile);
  }

  /** Whether requests are signed (the URL is not local). */
  get signs(): boolean {
    return !isLocalUrl(this.baseUrl);
  }

  /** GET a path with query parameters. */
  get<T>(path: string, query: QueryInput = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  /** POST a JSON body. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  /** The full URL of a request (query RFC 3986-encoded, keys sorted). */
  urlFor(path: string, query: QueryInput = {}): string {
    const parts = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`);
    return `${this.baseUrl}${path}${parts.length ? `?${parts.join('&')}` : ''}`;
  }

  private async request<T>(method: string, path: string, query: QueryInput, body?: unknown): Promise<T> {
    const url = this.urlFor(path, query);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept: 'application/json', ...(text !== undefined ? { 'content-type': 'application/json' } : {}) };
    if (this.signs) {
      const credentials = this.credentials ?? (this.chain ??= defaultProvider());
      headers = await signRequest({ method, url, headers, body: text }, { credentials, region: regionFor(url, this.env) });
      // fetch sets Host itself from the URL; sending it too is refused by undici.
      delete headers.host;
    } else {
      const token = this.localToken();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    let res: Response;
    try {
      res = await this.doFetch(url, { method, headers, body: text });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(
        EXIT.error,
        `cannot reach the operator API at ${this.baseUrl} (${reason})${isLocalUrl(this.baseUrl) ? '; is the local stack running (npm start)?' : ''}`,
      );
    }
    const raw = await res.text();
    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      parsed = { message: raw.slice(0, 200) };
    }
    if (res.status === 401 && !this.signs) {
      const body = (parsed ?? {}) as Record<string, unknown>;
      const hint = this.localToken()
        ? 'the token was refused: set SENTINEL_TOKEN, or run from the folder where npm start wrote .sentinel/local-token'
        : `no token: set SENTINEL_TOKEN or run from the folder holding ${LOCAL_TOKEN_FILE}`;
      throw new ApiError(401, { ...body, hint });
    }
    if (!res.ok) throw new ApiError(res.status, (parsed ?? {}) as Record<string, unknown>);
    return parsed as T;
  }
}
