/**
 * A local notification receiver, so notifications can be seen without Slack or a server of your
 * own: `POST /slack/<any>` takes a Slack incoming-webhook message (answers `ok`, or `400
 * invalid_payload` without `text`, as Slack does); `POST /webhook/<any>` takes the generic
 * webhook's JSON and checks its `X-Sentinel-Signature` with the secret it was given. Each request
 * is printed as one or a few lines and kept in `received` (tests assert on it). Binds to
 * 127.0.0.1 only. Tests script answers with `answerNext` (a 500, a 429 with `Retry-After`, a 404).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenLocal } from './listen';

/** One request as the receiver got it. */
export interface ReceivedNotification {
  /** `slack` or `webhook`, from the path's first segment. */
  kind: 'slack' | 'webhook';
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  body: string;
  /** The body parsed, when it was JSON. */
  json?: unknown;
  /** For `/webhook/...`: whether `X-Sentinel-Signature` matched the secret (undefined without a secret). */
  signatureValid?: boolean;
  /** The status answered. */
  status: number;
}

/** A scripted answer. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Options of {@link startNotifyReceiver}. */
export interface NotifyReceiverOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** HMAC secret of the generic webhook channel, to check signatures with. */
  webhookSecret?: string;
  /** Where the printed lines go. @default nothing */
  print?: (line: string) => void;
}

/** A running receiver. */
export interface NotifyReceiver {
  url: string;
  port: number;
  /** Every request, oldest first. */
  readonly received: ReceivedNotification[];
  /** Answers the next requests to paths starting with `prefix` (e.g. `/slack/`) with these, in order. */
  answerNext(prefix: string, ...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

/** `sha256=<hex>` compared in constant time. */
function signatureMatches(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Printable lines for a Slack message: its `text` and the text of its blocks. */
function slackLines(json: unknown): string[] {
  const m = json as { text?: unknown; blocks?: Array<{ text?: { text?: unknown }; fields?: Array<{ text?: unknown }>; elements?: Array<{ text?: unknown }> }> };
  const lines = [`[slack] ${String(m.text)}`];
  for (const b of m.blocks?.slice(1) ?? []) {
    const parts = [b.text?.text, ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)].filter(
      (t): t is string => typeof t === 'string',
    );
    for (const p of parts) lines.push(`        ${p.replace(/\n/g, ' ')}`);
  }
  return lines;
}

/** Starts the receiver. */
export async function startNotifyReceiver(options: NotifyReceiverOptions = {}): Promise<NotifyReceiver> {
  const received: ReceivedNotification[] = [];
  const scripted: Array<{ prefix: string; answer: ScriptedAnswer }> = [];
  const print = options.print ?? (() => {});
  // Control characters from a payload never reach the terminal as such.
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const safe = (s: string) => s.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const kind = path.startsWith('/slack/') ? 'slack' : path.startsWith('/webhook/') ? 'webhook' : undefined;
      if (req.method !== 'POST' || !kind) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const at = scripted.findIndex((s) => path.startsWith(s.prefix));
      const answer = at >= 0 ? scripted.splice(at, 1)[0].answer : undefined;
      const r: ReceivedNotification = { kind, path, headers: req.headers, body, ...(json !== undefined ? { json } : {}), status: 200 };
      if (kind === 'webhook' && options.webhookSecret) r.signatureValid = signatureMatches(options.webhookSecret, body, req.headers['x-sentinel-signature']);
      let status = answer?.status ?? 200;
      let text = answer?.body ?? 'ok';
      if (!answer && kind === 'slack' && typeof (json as { text?: unknown } | undefined)?.text !== 'string') [status, text] = [400, 'invalid_payload'];
      r.status = status;
      received.push(r);
      if (kind === 'slack') for (const l of json ? slackLines(json) : ['[slack] (not JSON)']) print(safe(l));
      else {
        const j = (json ?? {}) as { kind?: string; app?: string; revision?: string; message?: string };
        const sig = r.signatureValid === undefined ? 'unchecked' : r.signatureValid ? 'valid' : 'INVALID';
        print(
          safe(
            `[webhook] ${String(j.kind)} ${String(j.app ?? '-')} ${String(j.revision ?? '-')}: ${String(j.message)} (delivery ` +
              `${String(req.headers['x-sentinel-delivery'])}, signature ${sig})`,
          ),
        );
      }
      if (answer) print(`[receiver] answered ${status} (scripted)`);
      res.writeHead(status, { 'content-type': 'text/plain', ...(answer?.headers ?? {}) }).end(text);
    });
  });
  const port = await listenLocal(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answerNext: (prefix, ...answers) => scripted.push(...answers.map((answer) => ({ prefix, answer }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
