import { ApiClient, ApiError } from '../../../cli/api-client';
import { EXIT, run, type CliIO } from '../../../cli/main';
import { isLocalUrl, regionFor } from '../../../cli/sigv4';

function io(fetchImpl?: typeof fetch) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {}, fetch: fetchImpl };
  return { value, out: () => out.join(''), err: () => err.join('') };
}

function answering(status: number, body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status });
}

describe('sigv4 helpers', () => {
  it('knows local URLs and finds the region', () => {
    expect(isLocalUrl('http://127.0.0.1:8080')).toBe(true);
    expect(isLocalUrl('http://localhost:1')).toBe(true);
    expect(isLocalUrl('https://x.execute-api.eu-west-1.amazonaws.com')).toBe(false);
    expect(regionFor('https://x.execute-api.ap-south-1.amazonaws.com/api', {})).toBe('ap-south-1');
    expect(regionFor('https://x.execute-api.ap-south-1.amazonaws.com/api', { AWS_REGION: 'us-west-2' })).toBe('us-west-2');
    expect(regionFor('https://api.example.com', {})).toBe('us-east-1');
  });
});

describe('ApiClient', () => {
  it('maps API statuses to exit codes', () => {
    expect(new ApiError(400, { message: 'bad', parameter: 'limit' })).toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringContaining('parameter: limit'),
    });
    expect(new ApiError(404, {}).exitCode).toBe(EXIT.notFound);
    expect(new ApiError(409, { hint: 'do x' })).toMatchObject({ exitCode: EXIT.error, message: expect.stringContaining('hint: do x') });
  });

  it('encodes query values as SigV4 expects (RFC 3986, sorted, empty left out)', () => {
    const c = new ApiClient({ baseUrl: 'http://127.0.0.1:1/', env: {} });
    expect(c.urlFor('/api/audit', { to: '', b: "it's", a: 'x y' })).toBe('http://127.0.0.1:1/api/audit?a=x%20y&b=it%27s');
  });
});

describe('run', () => {
  it('exits 4 on a 404 and 3 on a 400, with the message on stderr', async () => {
    const notFound = io(answering(404, { error: 'not-found', message: 'application argocd/x not found' }));
    expect(await run(['rollback', 'x', '--to', '1'], notFound.value)).toBe(EXIT.notFound);
    expect(notFound.err()).toMatch(/not found/);
    const bad = io(answering(400, { message: 'cursor is invalid', parameter: 'cursor' }));
    expect(await run(['audit', '--cursor', 'x'], bad.value)).toBe(EXIT.usage);
  });

  it('exits 2 when verify finds a break and prints the breaks', async () => {
    const c = io(answering(200, { chains: 1, records: 3, ok: false, breaks: [{ chain: 'c', seq: 1, reason: 'gap', message: 'seq 1 missing' }] }));
    expect(await run(['audit', 'verify'], c.value)).toBe(EXIT.finding);
    expect(c.out()).toMatch(/BROKEN/);
  });

  it('prints JSON, YAML or a table', async () => {
    const body = {
      instances: [{ name: 'prod', reachable: true, apps: [{ namespace: 'argocd', name: 'web', sync: 'Synced', health: 'Healthy', autoSync: false }] }],
    };
    const j = io(answering(200, body));
    expect(await run(['apps', '--json'], j.value)).toBe(0);
    expect(JSON.parse(j.out())).toEqual(body);
    const y = io(answering(200, body));
    await run(['-o', 'yaml', 'apps'], y.value);
    expect(y.out()).toMatch(/^instances:/);
    const t = io(answering(200, body));
    await run(['apps'], t.value);
    expect(t.out()).toMatch(/web.*Synced.*Healthy/);
  });
});
