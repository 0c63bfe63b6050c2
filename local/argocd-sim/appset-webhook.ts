/**
 * The simulated ApplicationSet controller webhook (`argocd-applicationset-controller`, port 7000,
 * `POST /api/webhook`), verifying exactly as ArgoCD does: applicationset/webhook/webhook.go picks
 * the provider by header (`X-GitHub-Event`, then `X-Gitlab-Event`, then `X-Vss-Activityid`, else
 * 400 "Unknown webhook event") and go-playground/webhooks v6.4.0 parses: GitHub checks method,
 * event (push, pull_request, ping), a non-empty body, then `X-Hub-Signature-256` (the `sha256=`
 * prefix trimmed, lower-case hex HMAC-SHA256 compared), GitLab the `X-Gitlab-Token` (SHA-512 of
 * both compared in constant time) before the event header, Azure DevOps basic auth before the
 * method. A secret left empty means "no check", as in ArgoCD. Failures answer `http.Error`'s
 * plain text: "Webhook processing failed: <reason>" with 400 (405 for a method other than POST).
 * Every request is recorded (headers, body bytes, verdict) so tests assert what it received.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { listenLocal } from '../listen';

/** The controller's secrets (`argocd-secret`: `webhook.github.secret`, ...). Empty: not checked. */
export interface AppSetWebhookSecrets {
  github?: string;
  gitlab?: string;
  azureDevOpsUsername?: string;
  azureDevOpsPassword?: string;
}

/** One request the simulated webhook received. */
export interface RecordedAppSetDelivery {
  seq: number;
  /** Epoch ms. */
  at: number;
  method: string;
  path: string;
  /** Every header as received (lower-case names), the authentication ones included: this is a test tool. */
  headers: Record<string, string>;
  /** The body, byte for byte. */
  body: Buffer;
  provider: 'github' | 'gitlab' | 'azure-devops' | null;
  /** The answer's status. */
  status: number;
  /** Accepted for processing (2xx), as the controller would queue it. */
  accepted: boolean;
  /** Why it was refused (ArgoCD's error text), if it was. */
  error?: string;
}

const GITHUB_EVENTS = new Set(['push', 'pull_request', 'ping']);
const GITLAB_EVENTS = new Set(['Push Hook', 'Tag Push Hook', 'Merge Request Hook', 'System Hook']);
const AZURE_EVENTS = new Set(['git.push', 'git.pullrequest.created', 'git.pullrequest.updated', 'git.pullrequest.merged', 'build.complete']);

type Verdict = { provider: RecordedAppSetDelivery['provider']; error?: string; status?: number };

/** Go's `json.Unmarshal` into a struct: any JSON object or null passes; else an error. */
function jsonError(body: Buffer): string | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v === null || (typeof v === 'object' && !Array.isArray(v)) ? undefined : 'json: cannot unmarshal into Go value';
  } catch {
    return 'invalid character in JSON payload';
  }
}

function github(method: string, headers: Record<string, string>, body: Buffer, secret: string | undefined): string | undefined {
  if (method !== 'POST') return 'invalid HTTP Method';
  if (!GITHUB_EVENTS.has(headers['x-github-event'])) return 'event not defined to be parsed';
  if (body.length === 0) return 'error parsing payload';
  if (secret) {
    const signature = headers['x-hub-signature-256'];
    if (!signature) return 'missing X-Hub-Signature-256 Header';
    const given = signature.startsWith('sha256=') ? signature.slice('sha256='.length) : signature;
    const expected = createHmac('sha256', secret).update(body).digest('hex');
    // hmac.Equal on the hex strings: exact bytes, lower-case hex.
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return 'HMAC verification failed';
  }
  return jsonError(body);
}

function gitlab(method: string, headers: Record<string, string>, body: Buffer, secret: string | undefined): string | undefined {
  if (method !== 'POST') return 'invalid HTTP Method';
  if (secret) {
    const given = createHash('sha512')
      .update(headers['x-gitlab-token'] ?? '')
      .digest();
    if (!timingSafeEqual(given, createHash('sha512').update(secret).digest())) return 'X-Gitlab-Token validation failed';
  }
  if (body.length === 0) return 'error parsing payload';
  if (!GITLAB_EVENTS.has(headers['x-gitlab-event'])) return 'event not defined to be parsed';
  return jsonError(body);
}

function azure(method: string, headers: Record<string, string>, body: Buffer, username = '', password = ''): string | undefined {
  if (username || password) {
    // Go's r.BasicAuth(): "Basic " (any case), standard base64, split at the first colon.
    const m = /^basic (.*)$/i.exec(headers.authorization ?? '');
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const at = decoded.indexOf(':');
    if (!m || at < 0 || decoded.slice(0, at) !== username || decoded.slice(at + 1) !== password) return 'basic auth verification failed';
  }
  if (method !== 'POST') return 'invalid HTTP Method';
  if (body.length === 0) return 'error parsing payload';
  let event: unknown;
  try {
    event = (JSON.parse(body.toString('utf8')) as { eventType?: unknown } | null)?.eventType;
  } catch {
    return 'error parsing payload';
  }
  return AZURE_EVENTS.has(String(event)) ? undefined : `unknown event ${String(event)}`;
}

/** The state of one simulated ApplicationSet webhook: secrets, faults, what it received. */
export class AppSetWebhookReceiver {
  /** Requests received, oldest first. */
  readonly deliveries: RecordedAppSetDelivery[] = [];
  /** The controller's secrets; change them with {@link setSecrets}. */
  secrets: AppSetWebhookSecrets;
  private seq = 0;
  private failures: number[] = [];
  private hangs = 0;

  /** @param secrets the controller's secrets @default none (nothing checked, as ArgoCD without secrets) */
  constructor(secrets: AppSetWebhookSecrets = {}) {
    this.secrets = { ...secrets };
  }

  /** Replaces the controller's secrets. */
  setSecrets(secrets: AppSetWebhookSecrets): void {
    this.secrets = { ...secrets };
  }

  /** The next requests answer these statuses (e.g. `[503, 503]`), before any check. */
  failNext(statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** The next `n` requests get no answer at all (the connection is held until the client gives up). */
  hangNext(n: number): void {
    this.hangs += n;
  }

  /** Forgets what was received, the faults too. */
  clear(): void {
    this.deliveries.length = 0;
    this.failures = [];
    this.hangs = 0;
  }

  /** ArgoCD's verdict on a request: the provider, and its error if refused. */
  verify(method: string, headers: Record<string, string>, body: Buffer): Verdict {
    const s = this.secrets;
    if (headers['x-github-event']) return { provider: 'github', error: github(method, headers, body, s.github) };
    if (headers['x-gitlab-event']) return { provider: 'gitlab', error: gitlab(method, headers, body, s.gitlab) };
    if (headers['x-vss-activityid']) return { provider: 'azure-devops', error: azure(method, headers, body, s.azureDevOpsUsername, s.azureDevOpsPassword) };
    return { provider: null, error: 'Unknown webhook event', status: 400 };
  }

  /** Handles one request to `/api/webhook`; answers status and text, or null to hold it unanswered. */
  receive(method: string, path: string, headers: Record<string, string>, body: Buffer): { status: number; text: string } | null {
    const record = (v: Verdict, status: number): RecordedAppSetDelivery => {
      const rec: RecordedAppSetDelivery = {
        seq: ++this.seq,
        at: Date.now(),
        method,
        path,
        headers,
        body,
        provider: v.provider,
        status,
        accepted: status < 300,
      };
      if (v.error) rec.error = v.error;
      this.deliveries.push(rec);
      return rec;
    };
    if (this.hangs > 0) {
      this.hangs--;
      record({ provider: null, error: 'held (injected)' }, 0);
      return null;
    }
    const failure = this.failures.shift();
    if (failure !== undefined) {
      record({ provider: null, error: 'injected failure' }, failure);
      return { status: failure, text: 'injected failure\n' };
    }
    const v = this.verify(method, headers, body);
    if (v.error) {
      const status = v.status ?? (method !== 'POST' ? 405 : 400);
      record(v, status);
      return { status, text: v.status ? `${v.error}\n` : `Webhook processing failed: ${v.error}\n` };
    }
    record(v, 200);
    return { status: 200, text: '' };
  }
}

/** A running simulated ApplicationSet webhook. */
export interface StartedAppSetWebhook {
  /** The webhook's URL, `http://127.0.0.1:<port>/api/webhook`. */
  url: string;
  receiver: AppSetWebhookReceiver;
  close(): Promise<void>;
}

/**
 * Serves an {@link AppSetWebhookReceiver} on 127.0.0.1: `POST /api/webhook` as ArgoCD, plus
 * `/__sim/deliveries` (GET: what was received, bodies base64; DELETE: forget), `/__sim/secrets`
 * (POST: the controller's secrets) and `/__sim/faults` (POST `{fail: [503, ...], hang: n}`).
 */
export async function startAppSetWebhook(receiver = new AppSetWebhookReceiver(), port = 0): Promise<StartedAppSetWebhook> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://sim.local').pathname;
      const method = (req.method ?? 'GET').toUpperCase();
      const send = (status: number, text: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (path.startsWith('/__sim/')) return admin(receiver, method, path, body, send);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
      const answer = receiver.receive(method, path, headers, body);
      if (answer) send(answer.status, answer.text);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const bound = await listenLocal(server, port);
  return {
    url: `http://127.0.0.1:${bound}/api/webhook`,
    receiver,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function admin(receiver: AppSetWebhookReceiver, method: string, path: string, body: Buffer, send: (status: number, text: string, type?: string) => void): void {
  const json = (v: unknown) => send(200, JSON.stringify(v), 'application/json');
  let input: Record<string, unknown>;
  try {
    input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return send(400, 'not JSON\n');
  }
  switch (`${method} ${path}`) {
    case 'GET /__sim/deliveries':
      return json({ deliveries: receiver.deliveries.map((d) => ({ ...d, body: d.body.toString('base64') })) });
    case 'DELETE /__sim/deliveries':
      receiver.clear();
      return json({});
    case 'POST /__sim/secrets':
      receiver.setSecrets(input);
      return json({});
    case 'POST /__sim/faults':
      if (Array.isArray(input.fail)) receiver.failNext(input.fail.map(Number));
      if (input.hang !== undefined) receiver.hangNext(Number(input.hang));
      return json({});
    default:
      return send(404, 'Not Found\n');
  }
}
