/**
 * A fake of the six providers' commit status APIs on 127.0.0.1, for `npm start` (the README
 * demo: a push turns into `pending` then `success` here) and for tests, which assert what it
 * RECEIVED. One server answers every provider's route:
 * - GitHub `POST /repos/{owner}/{repo}/statuses/{sha}` (and `GET /repos/{owner}/{repo}/commits/{sha}/statuses`
 *   lists what it got, as GitHub does, newest first);
 * - GitLab `POST /api/v4/projects/{id}/statuses/{sha}`;
 * - Bitbucket Cloud `POST /2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build`;
 * - Bitbucket Server `POST /rest/build-status/1.0/commits/{sha}`;
 * - Gitea `POST /api/v1/repos/{owner}/{repo}/statuses/{sha}`;
 * - Azure DevOps `POST /{org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses`.
 * With a `token`, any other token is answered 401, as the real APIs do.
 */
import http from 'node:http';
import { listenLocal } from './listen';

/** Which API a request went to. */
export type FakeStatusProvider = 'github' | 'gitlab' | 'bitbucketCloud' | 'bitbucketServer' | 'gitea' | 'azureDevOps';

/** One status request the fake received. */
export interface ReceivedStatus {
  provider: FakeStatusProvider;
  method: string;
  /** Decoded path, without the query. */
  path: string;
  query: Record<string, string>;
  /** The repository as the path names it (`owner/repo`, the GitLab project path, `org/project/repo`; empty for Bitbucket Server). */
  repo: string;
  sha: string;
  /** The context as the provider keeps it (GitLab `name`, Bitbucket `key`, Azure DevOps `genre/name`). */
  context: string;
  /** The state in the provider's own words (`success`, `SUCCESSFUL`, `succeeded`, ...). */
  state: string;
  description?: string;
  targetUrl?: string;
  /** `bearer`, `token`, `private-token` or `basic`. */
  authScheme?: string;
  /** The token sent (Basic: the password part). */
  token?: string;
  /** The HTTP status the fake answered. */
  answered: number;
  /** Epoch ms it arrived. */
  receivedAt: number;
}

/** A scripted answer for the next request. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
}

/** A running fake. */
export interface FakeStatusApi {
  url: string;
  /** Every status request, in arrival order (including refused ones). */
  received: ReceivedStatus[];
  /** The next requests get these answers, in order, whatever they carry. */
  answerNext(...answers: FakeAnswer[]): void;
  /** Statuses that were accepted (2xx), optionally for one sha. */
  accepted(sha?: string): ReceivedStatus[];
  close(): Promise<void>;
}

/** Options of {@link startFakeStatusApi}. */
export interface FakeStatusApiOptions {
  /** The only token accepted (others get 401). @default any token */
  token?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Called with each accepted status (the local stack prints a line). */
  onStatus?: (s: ReceivedStatus) => void;
}

const ROUTES: Array<{ provider: FakeStatusProvider; re: RegExp; repo: (m: RegExpExecArray) => string }> = [
  { provider: 'github', re: /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/, repo: (m) => `${m[1]}/${m[2]}` },
  { provider: 'gitlab', re: /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/, repo: (m) => m[1] },
  { provider: 'bitbucketCloud', re: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([^/]+)\/statuses\/build$/, repo: (m) => `${m[1]}/${m[2]}` },
  { provider: 'bitbucketServer', re: /^\/rest\/build-status\/1\.0\/commits\/([^/]+)$/, repo: () => '' },
  { provider: 'gitea', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/, repo: (m) => `${m[1]}/${m[2]}` },
  {
    provider: 'azureDevOps',
    re: /^\/([^/]+)\/([^/]+)\/_apis\/git\/repositories\/([^/]+)\/commits\/([^/]+)\/statuses$/,
    repo: (m) => `${m[1]}/${m[2]}/${m[3]}`,
  },
];

function auth(req: http.IncomingMessage): { authScheme?: string; token?: string } {
  if (req.headers['private-token']) return { authScheme: 'private-token', token: String(req.headers['private-token']) };
  const h = req.headers.authorization ?? '';
  if (h.startsWith('Bearer ')) return { authScheme: 'bearer', token: h.slice(7) };
  if (h.startsWith('token ')) return { authScheme: 'token', token: h.slice(6) };
  if (h.startsWith('Basic '))
    return {
      authScheme: 'basic',
      token: Buffer.from(h.slice(6), 'base64')
        .toString()
        .replace(/^[^:]*:/, ''),
    };
  return {};
}

function fields(provider: FakeStatusProvider, body: Record<string, unknown>): Pick<ReceivedStatus, 'context' | 'state' | 'description' | 'targetUrl'> {
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (provider) {
    case 'gitlab':
      return { context: s(body.name) ?? '', state: s(body.state) ?? '', description: s(body.description), targetUrl: s(body.target_url) };
    case 'bitbucketCloud':
    case 'bitbucketServer':
      return { context: s(body.key) ?? '', state: s(body.state) ?? '', description: s(body.description), targetUrl: s(body.url) };
    case 'azureDevOps': {
      const c = (body.context ?? {}) as { genre?: string; name?: string };
      return {
        context: [c.genre, c.name].filter(Boolean).join('/'),
        state: s(body.state) ?? '',
        description: s(body.description),
        targetUrl: s(body.targetUrl),
      };
    }
    default:
      return { context: s(body.context) ?? '', state: s(body.state) ?? '', description: s(body.description), targetUrl: s(body.target_url) };
  }
}

/** Starts the fake. */
export async function startFakeStatusApi(options: FakeStatusApiOptions = {}): Promise<FakeStatusApi> {
  const received: ReceivedStatus[] = [];
  const script: FakeAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const list = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/.exec(url.pathname);
      if (req.method === 'GET' && list) {
        const items = received.filter((r) => r.provider === 'github' && r.answered < 300 && r.repo === `${list[1]}/${list[2]}` && r.sha === list[3]);
        return send(
          200,
          items.reverse().map((r) => ({
            state: r.state,
            context: r.context,
            description: r.description,
            target_url: r.targetUrl,
            created_at: new Date(r.receivedAt).toISOString(),
          })),
        );
      }
      const route = ROUTES.map((r) => ({ r, m: r.re.exec(url.pathname) })).find((x) => x.m);
      if (req.method !== 'POST' || !route) return send(404, { message: 'Not Found' });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return send(400, { message: 'Problems parsing JSON' });
      }
      const m = route.m!;
      const a = auth(req);
      const scripted = script.shift();
      const answered = scripted?.status ?? (options.token !== undefined && a.token !== options.token ? 401 : 201);
      const rec: ReceivedStatus = {
        provider: route.r.provider,
        method: req.method,
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        repo: decodeURIComponent(route.r.repo(m)),
        sha: decodeURIComponent(m[m.length - 1]),
        ...fields(route.r.provider, body),
        ...a,
        answered,
        receivedAt: Date.now(),
      };
      received.push(rec);
      if (answered < 300) options.onStatus?.(rec);
      send(
        answered,
        answered < 300 ? { state: rec.state, context: rec.context } : { message: answered === 401 ? 'Bad credentials' : 'scripted' },
        scripted?.headers,
      );
    });
  });
  const port = await listenLocal(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerNext: (...answers) => script.push(...answers),
    accepted: (sha) => received.filter((r) => r.answered < 300 && (sha === undefined || r.sha === sha)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
