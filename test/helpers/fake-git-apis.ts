/**
 * Fakes of the Git providers' compare APIs on 127.0.0.1 (GitHub compare, GitLab repository
 * compare, Azure DevOps commit diffs, Bitbucket Cloud diffstat, Bitbucket Server
 * compare/changes), answering the changed paths a test sets per (before, after) and recording
 * every request they received.
 */
import http from 'node:http';
import { listenLocal } from '../../local/listen';

/** One request the fake received (the token only as "present"). */
export interface FakeApiRequest {
  path: string;
  query: Record<string, string>;
  /** Which auth header came: `bearer`, `private-token`, `basic` or none. */
  auth?: string;
  /** The token value, for the test to check it is the configured one. */
  token?: string;
}

/** A running fake. */
export interface FakeGitApis {
  url: string;
  requests: FakeApiRequest[];
  /** Paths changed between two commits. */
  setDiff(before: string, after: string, paths: string[]): void;
  /** Next N requests answer this status. */
  failNext(n: number, status?: number): void;
  /** Bitbucket Server pages hold at most this many changes, whatever `limit` asks. @default 1000 */
  setPageSize(n: number): void;
  close(): Promise<void>;
}

/** Starts the fake on a free port. */
export async function startFakeGitApis(): Promise<FakeGitApis> {
  const diffs = new Map<string, string[]>();
  const requests: FakeApiRequest[] = [];
  let failing = 0;
  let failStatus = 500;
  let pageSize = 1000;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = req.headers.authorization ?? '';
    const rec: FakeApiRequest = { path: decodeURIComponent(url.pathname), query: Object.fromEntries(url.searchParams) };
    if (req.headers['private-token']) Object.assign(rec, { auth: 'private-token', token: String(req.headers['private-token']) });
    else if (auth.startsWith('Bearer ')) Object.assign(rec, { auth: 'bearer', token: auth.slice(7) });
    else if (auth.startsWith('Basic ')) Object.assign(rec, { auth: 'basic', token: Buffer.from(auth.slice(6), 'base64').toString().replace(/^:/, '') });
    requests.push(rec);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (failing > 0) {
      failing--;
      return send(failStatus, { message: 'injected' });
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/[^/]+\/[^/]+\/compare\/([^.]+)\.\.\.(.+)$/.exec(url.pathname))) {
      const files = diffs.get(`${m[1]}..${m[2]}`);
      return files ? send(200, { files: files.map((filename) => ({ filename, status: 'modified' })) }) : send(404, { message: 'Not Found' });
    }
    if (/^\/api\/v4\/projects\/[^/]+\/repository\/compare$/.test(url.pathname)) {
      const files = diffs.get(`${url.searchParams.get('from')}..${url.searchParams.get('to')}`);
      return files
        ? send(200, { commits: [], diffs: files.map((p) => ({ old_path: p, new_path: p })), compare_timeout: false })
        : send(404, { message: '404 Not found' });
    }
    if (/^\/[^/]+\/[^/]+\/_apis\/git\/repositories\/[^/]+\/diffs\/commits$/.test(url.pathname)) {
      const files = diffs.get(`${url.searchParams.get('baseVersion')}..${url.searchParams.get('targetVersion')}`);
      return files ? send(200, { changes: files.map((p) => ({ item: { path: `/${p}` }, changeType: 'edit' })) }) : send(404, {});
    }
    if ((m = /^\/2\.0\/repositories\/[^/]+\/[^/]+\/diffstat\/([^.]+)\.\.(.+)$/.exec(url.pathname))) {
      const files = diffs.get(`${m[2]}..${m[1]}`);
      return files ? send(200, { values: files.map((p) => ({ new: { path: p }, old: { path: p } })) }) : send(404, {});
    }
    // A context path (https://host/bitbucket/rest/...) is allowed before /rest.
    if (/\/rest\/api\/1\.0\/projects\/[^/]+\/repos\/[^/]+\/compare\/changes$/.test(url.pathname)) {
      // Bitbucket Server: changes in `from` (the pushed commit) not in `to` (the one before), paged.
      const files = diffs.get(`${url.searchParams.get('to')}..${url.searchParams.get('from')}`);
      if (!files) return send(404, { errors: [{ message: 'Commit not found' }] });
      const start = Number(url.searchParams.get('start') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 25), pageSize);
      const page = files.slice(start, start + limit);
      const isLastPage = start + page.length >= files.length;
      const values = page.map((p) => ({ path: { components: p.split('/'), name: p.split('/').at(-1), toString: p }, type: 'MODIFY', nodeType: 'FILE' }));
      return send(200, { values, size: page.length, start, limit, isLastPage, ...(isLastPage ? {} : { nextPageStart: start + page.length }) });
    }
    send(404, { message: 'unknown route' });
  });
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setDiff: (before, after, paths) => diffs.set(`${before}..${after}`, paths),
    failNext: (n, status = 500) => {
      failing = n;
      failStatus = status;
    },
    setPageSize: (n) => {
      pageSize = n;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
