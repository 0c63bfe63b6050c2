import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hmacSha256Hex } from '../../functions/lib/providers/signatures';
import { AppSetWebhookReceiver } from '../../local/argocd-sim';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { postGitHubPush } from '../helpers/github-push';

const SECRET = 'appset-flow-secret';
/** The real GitHub push payload from ArgoCD's webhook tests (events/webhook/github-push.json). */
const BODY = JSON.parse(readFileSync(join(__dirname, '../../events/webhook/github-push.json'), 'utf8')).body as string;

describe('ApplicationSet forward on the local stack (webhook -> queue -> sync worker -> simulated ApplicationSet webhook)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: `appset-${randomUUID().slice(0, 8)}` },
      port: 0,
      dataDir: null,
      simulatorSyncMs: 10,
      simulatedApplicationSetWebhooks: true,
      simulatorSeed: {
        instances: {
          default: { apps: [{ name: 'test-repo', source: { repoURL: 'https://github.com/jessesuen/test-repo.git', path: '.', targetRevision: 'master' } }] },
          eu: { apps: [] },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('one signed push reaches every instance’s ApplicationSet webhook once, byte for byte, signed with that controller’s secret; a redelivery adds nothing', async () => {
    const deliveryId = randomUUID();
    const hooks = Object.values(stack.simulators!.instances).map((s) => s.appsetWebhook!);
    expect(hooks).toHaveLength(2);

    expect((await postGitHubPush(stack.url, BODY, SECRET, deliveryId)).status).toBe(202);
    await waitFor(() => hooks.every((h) => h.receiver.deliveries.length === 1), 'both ApplicationSet webhooks', 15_000);
    expect((await postGitHubPush(stack.url, BODY, SECRET, deliveryId)).status).toBe(202);
    await stack.queue.drain();

    for (const hook of hooks) {
      expect(hook.receiver.deliveries).toHaveLength(1);
      const got = hook.receiver.deliveries[0];
      expect(got).toMatchObject({ provider: 'github', accepted: true, status: 200 });
      expect(got.body.toString('utf8')).toBe(BODY);
      expect(got.headers['x-github-delivery']).toBe(deliveryId);
      expect(got.headers['x-hub-signature-256']).toBe(`sha256=${hmacSha256Hex(hook.receiver.secrets.github!, BODY)}`);
      // Not sentinel's own secret, and each controller has its own.
      expect(hook.receiver.secrets.github).not.toBe(SECRET);
      expect(new AppSetWebhookReceiver({ github: SECRET }).verify('POST', got.headers, got.body).error).toBe('HMAC verification failed');
    }
    expect(hooks[0].receiver.secrets.github).not.toBe(hooks[1].receiver.secrets.github);

    const res = await fetch(`${stack.url}/api/audit?kind=appset.forwarded&delivery=${deliveryId}`, { headers: stack.authHeaders });
    const items = ((await res.json()) as { items: Array<{ instance: string; details: Record<string, unknown> }> }).items;
    expect(items.map((r) => r.instance).sort()).toEqual(['default', 'eu']);
    for (const r of items) expect(r.details).toMatchObject({ provider: 'github', httpStatus: 200, attempts: 1, bodyBytes: Buffer.byteLength(BODY) });
    const text = JSON.stringify(items);
    for (const hook of hooks) expect(text).not.toContain(hook.receiver.secrets.github);
  });
});
