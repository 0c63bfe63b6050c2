import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../cli/api-client';
import { accessLine, banner } from '../../local/banner';
import { principalOfToken } from '../../local/http-adapter';
import { startLocalStack, type LocalStack } from '../../local/stack';

describe('local stack', () => {
  let stack: LocalStack;
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-data-'));
  const home = mkdtempSync(join(tmpdir(), 'sentinel-home-'));
  const tokenFile = join(home, '.sentinel', 'local-token');

  beforeAll(async () => {
    stack = await startLocalStack({ env: { SENTINEL_TABLE_PREFIX: 'it' }, port: 0, dataDir, tokenFile });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers /healthz on 127.0.0.1 once the tables exist', async () => {
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${stack.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    expect((await fetch(`${stack.url}/nope`)).status).toBe(404);
    const res = await fetch(`${stack.url}/healthz`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('creates the admin token on first start, readable by its owner only, keeps it on the next start and says where it is', async () => {
    expect(stack.tokenCreated).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(stack.token);
    expect(stack.token.length).toBeGreaterThanOrEqual(40);
    const text = banner(stack, 1);
    expect(text).toContain(tokenFile.replace(`${process.cwd()}/`, ''));
    expect(text).toContain('access policy: none (no access.rules): every authenticated caller may do everything');
    // The built-in simulator listens on 127.0.0.1 over http: nothing to warn about.
    expect(stack.insecure).toEqual([]);
    expect(text).not.toContain('WARNING');
    // A second start reads the same token; a file others could read is narrowed to 0600.
    chmodSync(tokenFile, 0o644);
    const again = await startLocalStack({ env: { SENTINEL_TABLE_PREFIX: 'it2' }, port: 0, dataDir: null, tokenFile });
    try {
      expect(again.tokenCreated).toBe(false);
      expect(again.token).toBe(stack.token);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    } finally {
      await again.close();
    }
  });

  it('lets the CLI client find the token in .sentinel/local-token of its folder, SENTINEL_TOKEN first', async () => {
    const fromFile = new ApiClient({ baseUrl: stack.url, env: {}, cwd: home });
    expect(await fromFile.get('/api/audit', { limit: 1 })).toMatchObject({ items: expect.any(Array) });
    const wrong = new ApiClient({ baseUrl: stack.url, env: { SENTINEL_TOKEN: 'wrong-token-0123456789' }, cwd: home });
    await expect(wrong.get('/api/audit')).rejects.toMatchObject({ status: 401, message: expect.stringContaining('the token was refused') });
    const none = new ApiClient({ baseUrl: stack.url, env: {}, cwd: dataDir });
    await expect(none.get('/api/audit')).rejects.toMatchObject({ status: 401, message: expect.stringContaining('no token') });
  });

  it('refuses a token file that holds no usable token instead of starting open', async () => {
    const bad = join(home, 'short-token');
    writeFileSync(bad, 'abc\n');
    await expect(startLocalStack({ env: { SENTINEL_TABLE_PREFIX: 'it3' }, port: 0, dataDir: null, tokenFile: bad })).rejects.toThrow(/holds no usable token/);
  });
});

describe('principalOfToken', () => {
  const tokens = [
    { principal: 'local:admin', token: 'admin-token-0123456789' },
    { principal: 'local:alice', token: 'alice-token-0123456789' },
  ];
  it('names the principal of a token, and nobody for a prefix, an extension or an empty token', () => {
    expect(principalOfToken('alice-token-0123456789', tokens)).toBe('local:alice');
    expect(principalOfToken('admin-token-0123456789', tokens)).toBe('local:admin');
    expect(principalOfToken('alice-token-012345678', tokens)).toBeUndefined();
    expect(principalOfToken('alice-token-01234567890', tokens)).toBeUndefined();
    expect(principalOfToken('', tokens)).toBeUndefined();
  });
});

describe('accessLine', () => {
  it('says in one line whether an access policy applies', () => {
    const base = { localTokens: [] };
    expect(accessLine({ access: base } as never)).not.toContain('\n');
    expect(accessLine({ access: { ...base, rules: [{ principals: ['x'], instances: ['*'], projects: ['*'], actions: ['read'] }] } } as never)).toMatch(
      /1 rule/,
    );
  });
});
