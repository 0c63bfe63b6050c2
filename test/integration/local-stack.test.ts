import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack';

describe('local stack', () => {
  let stack: LocalStack;
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-data-'));

  beforeAll(async () => {
    stack = await startLocalStack({ env: { SENTINEL_TABLE_PREFIX: 'it' }, port: 0, dataDir });
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
});
