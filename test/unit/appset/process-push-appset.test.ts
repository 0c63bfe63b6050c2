import { ApplicationSetForwarder, captureForApplicationSets } from '../../../functions/lib/appset';
import { loadConfig } from '../../../functions/lib/config/index';
import { hmacSha256Hex } from '../../../functions/lib/providers/signatures';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { processPush } from '../../../functions/lib/sync';
import { startAppSetWebhook, type StartedAppSetWebhook } from '../../../local/argocd-sim';
import { auditOf, pushMessage, refreshesReceived, startSyncEnv, webSeed, type SyncEnv } from '../sync/fixtures';

describe('processPush with ApplicationSet webhooks', () => {
  let env: SyncEnv;
  let hook: StartedAppSetWebhook;

  beforeEach(async () => {
    env = await startSyncEnv({ default: webSeed() });
    hook = await startAppSetWebhook();
    hook.receiver.setSecrets({ github: 'controller-secret' });
    const vars = { T: 'x', APPSET_GH: 'controller-secret' };
    const config = loadConfig({
      ...vars,
      SENTINEL_CONFIG_JSON: JSON.stringify({
        instances: [
          {
            name: 'default',
            server: env.sims.default.url,
            token: { env: 'T' },
            applicationSetWebhook: { url: hook.url, secrets: { github: { env: 'APPSET_GH' } } },
          },
        ],
      }),
    });
    env.deps.appsets = new ApplicationSetForwarder({
      instances: config.instances,
      secrets: new EnvSecretsProvider(vars),
      ledger: env.ledger,
      auditStore: env.audit,
      retries: 0,
      backoffMs: 1,
    });
  });
  afterEach(async () => {
    await hook.close();
    await env.close();
  });

  /** A push message as the webhook queues it, with the body and headers for the forward. */
  function message() {
    const m = pushMessage();
    const body = JSON.stringify({ ref: m.push.ref, after: m.push.revision, repository: { html_url: 'https://github.com/acme/web' } });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacSha256Hex('sentinel', body)}` };
    m.appset = captureForApplicationSets('github', Buffer.from(body), headers, m.push.repoUrls, [
      {
        name: 'default',
        server: 'x',
        token: { env: 'T' },
        insecure: false,
        namespace: 'argocd',
        applicationSetWebhook: { url: hook.url, secrets: { github: { env: 'G' } } },
      },
    ]);
    return { m, body };
  }

  it('forwards alongside the app actions; both are in the result and the trail', async () => {
    const { m, body } = message();

    const result = await processPush(m, env.deps, { receiveCount: 1, maxReceiveCount: 3 });
    await refreshesReceived(env, [result]);

    expect(result.complete).toBe(true);
    expect(result.appsets).toEqual([expect.objectContaining({ instance: 'default', status: 'forwarded' })]);
    expect(result.actions.filter((a) => a.status === 'refreshed').length).toBeGreaterThan(0);
    expect(hook.receiver.deliveries).toHaveLength(1);
    expect(hook.receiver.deliveries[0]).toMatchObject({ accepted: true });
    expect(hook.receiver.deliveries[0].body.toString()).toBe(body);
    const kinds = (await auditOf(env.audit, m.push.deliveryId)).map((r) => r.kind);
    expect(kinds).toContain('appset.forwarded');
    expect(kinds).toContain('app.refreshed');
  });

  it('a failed forward keeps the message (complete: false) without holding back the app actions; the redelivery forwards only', async () => {
    const { m } = message();
    hook.receiver.failNext([503]);

    const first = await processPush(m, env.deps, { receiveCount: 1, maxReceiveCount: 3 });
    await refreshesReceived(env, [first]);
    const refreshesAfterFirst = env.sims.default.sim.refreshes.length;
    const second = await processPush(m, env.deps, { receiveCount: 2, maxReceiveCount: 3 });

    expect(first.complete).toBe(false);
    expect(first.appsets[0]).toMatchObject({ status: 'failed', httpStatus: 503 });
    expect(first.actions.every((a) => a.status !== 'failed' && a.status !== 'in-progress')).toBe(true);
    expect(second.complete).toBe(true);
    expect(second.appsets[0].status).toBe('forwarded');
    expect(second.actions.every((a) => a.status === 'already-done')).toBe(true);
    expect(env.sims.default.sim.refreshes.length).toBe(refreshesAfterFirst);
    expect(hook.receiver.deliveries.map((d) => d.status)).toEqual([503, 200]);
  });
});
