/**
 * SigV4 signing of operator API requests for a deployed stack (API Gateway with IAM auth,
 * service `execute-api`), with `@smithy/signature-v4` — the signer the AWS SDK itself uses.
 * Local URLs (127.0.0.1, localhost, ::1) are never signed.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials (a session token for temporary ones). */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request to sign. */
export interface SignableRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Options of {@link signRequest}. */
export interface SignOptions {
  credentials: SigningCredentials | (() => Promise<SigningCredentials>);
  region: string;
  /** @default "execute-api" */
  service?: string;
  /** Fixed signing time (tests, known vectors). @default now */
  signingDate?: Date;
}

/** Whether a URL points at this machine (no signing, no credentials needed). */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.endsWith('.localhost');
}

/**
 * The region to sign for: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the one in an
 * `execute-api.<region>.amazonaws.com` host, else `us-east-1`.
 */
export function regionFor(url: string, env: Record<string, string | undefined>): string {
  if (env.AWS_REGION) return env.AWS_REGION;
  if (env.AWS_DEFAULT_REGION) return env.AWS_DEFAULT_REGION;
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i.exec(new URL(url).hostname);
  return m?.[1] ?? 'us-east-1';
}

/**
 * Signs a request and returns the headers to send (the given ones plus `host`, `x-amz-date`,
 * `authorization` and, for temporary credentials, `x-amz-security-token`).
 * @example
 * const headers = await signRequest({ method: 'GET', url }, { credentials, region: 'eu-west-1' });
 */
export async function signRequest(request: SignableRequest, options: SignOptions): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    query[key] = all.length > 1 ? all : all[0];
  }
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
    // API Gateway expects the path as sent, encoded once (only S3 differs).
    uriEscapePath: true,
    applyChecksum: false,
  });
  const headers: Record<string, string> = { ...(request.headers ?? {}), host: url.host };
  const signed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate: options.signingDate },
  );
  return { ...(signed.headers as Record<string, string>) };
}
