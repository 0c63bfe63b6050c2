import { ArgoCDUnavailableError } from '../../../functions/lib/argocd';
import { pushMessage, startSyncEnv, webSeed, type SyncEnv } from './fixtures';

describe('AppIndexCache', () => {
  let env: SyncEnv;
  let clock: number;

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    env = await startSyncEnv({ default: webSeed() }, { ttlSeconds: 60, now: () => new Date(clock), clientOptions: { retries: 0 } });
  });
  afterEach(async () => {
    await env.close();
  });

  const lists = () => env.sims.default.sim.requestsTo('GET', '/api/v1/applications').length;

  it('lists once for many concurrent callers (single flight) and keeps the index for the TTL', async () => {
    // Act
    const indexes = await Promise.all(Array.from({ length: 20 }, () => env.indexes.get('default')));
    clock += 59_000;
    await env.indexes.get('default');

    // Assess
    expect(new Set(indexes).size).toBe(1);
    expect(indexes[0].size).toBe(7);
    expect(lists()).toBe(1);
    expect(indexes[0].match(pushMessage().push).map((m) => m.app.name)).toContain('web-team');
  });

  it('lists again once the TTL has passed, and picks up new apps', async () => {
    // Prepare
    await env.indexes.get('default');
    env.sims.default.sim.addApp({ name: 'web-new', source: { repoURL: 'https://github.com/acme/web.git', path: 'new', targetRevision: 'main' } });

    // Act
    clock += 60_000;
    const index = await env.indexes.get('default');

    // Assess
    expect(lists()).toBe(2);
    expect(index.has({ instance: 'default', namespace: 'argocd', name: 'web-new' })).toBe(true);
  });

  it('keeps serving the previous index when a reload fails, and throws when there is none', async () => {
    // Prepare
    const first = await env.indexes.get('default');
    env.sims.default.sim.injectFaults({ failRate: 1, pathPattern: '^/api/v1/applications$' });
    clock += 61_000;

    // Act
    const stale = await env.indexes.get('default');
    env.indexes.invalidate('default');

    // Assess
    expect(stale).toBe(first);
    expect(env.indexes.stats().staleServed).toBe(1);
    await expect(env.indexes.get('default')).rejects.toBeInstanceOf(ArgoCDUnavailableError);
  });

  it('shares one re-list between apps found gone at the same time, but not a list from before', async () => {
    // Prepare
    await env.indexes.get('default');
    const seenAt = clock + 1;
    clock += 2;
    const web = { instance: 'default', namespace: 'argocd', name: 'web' };

    // Act
    const answers = await Promise.all([env.indexes.isGone(web, seenAt), env.indexes.isGone({ ...web, name: 'nope' }, seenAt)]);

    // Assess
    expect(answers).toEqual([false, true]);
    expect(lists()).toBe(2);
  });

  it('refuses an instance that is not configured, naming the configured ones', async () => {
    await expect(env.indexes.get('nope')).rejects.toThrow(/unknown ArgoCD instance "nope" \(configured: default\)/);
  });
});
