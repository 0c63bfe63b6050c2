import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalAnchor } from '../../../local/anchor';
import { InMemoryChainReader } from '../../helpers/in-memory-chain-reader';
import { apiFixture, type ApiFixture } from './api-fixture';

/**
 * `GET /api/audit/verify` in pages. The CLI's first request carries `limit` and no `after` (its
 * API client leaves empty values out, and the API reads an empty one as absent): that request
 * must be the first page, not a walk of every chain without the time budget.
 */
describe('GET /api/audit/verify pages (anchoring configured)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-paging-'));
  const reader = new InMemoryChainReader();
  for (const chain of ['app#prod#argocd#a', 'app#prod#argocd#b', 'app#prod#argocd#c']) reader.append(chain, 2);
  let api: ApiFixture;
  beforeAll(async () => {
    api = await apiFixture({ anchor: createLocalAnchor({ dir, reader }) });
  });
  afterAll(() => {
    api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the first page to limit alone, then the next ones from after', async () => {
    const first = await api.call('GET', '/api/audit/verify', { query: { limit: '2' } });
    expect(first).toMatchObject({ status: 200, body: { chains: 2, records: 4, next: 'app#prod#argocd#b' } });
    const last = await api.call('GET', '/api/audit/verify', { query: { limit: '2', after: 'app#prod#argocd#b' } });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ chains: 1, records: 2 });
    expect(last.body).not.toHaveProperty('next');
  });

  it('still verifies every chain in one answer without limit or after', async () => {
    const all = await api.call('GET', '/api/audit/verify');
    expect(all).toMatchObject({ status: 200, body: { chains: 3, records: 6 } });
    expect(all.body).not.toHaveProperty('next');
  });
});
