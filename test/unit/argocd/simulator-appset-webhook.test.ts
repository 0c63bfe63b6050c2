import { createHmac } from 'node:crypto';
import { startAppSetWebhook, startArgoCDSimulator, type StartedAppSetWebhook } from '../../../local/argocd-sim';

const BODY = JSON.stringify({ ref: 'refs/heads/main', repository: { html_url: 'https://github.com/acme/web', default_branch: 'main' } });
const sig = (secret: string, body = BODY) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('simulated ApplicationSet webhook (verifies as applicationset/webhook/webhook.go with go-playground/webhooks v6.4.0)', () => {
  let hook: StartedAppSetWebhook;
  beforeEach(async () => {
    hook = await startAppSetWebhook();
    hook.receiver.setSecrets({ github: 'gh', gitlab: 'gl', azureDevOpsUsername: 'u', azureDevOpsPassword: 'p' });
  });
  afterEach(async () => {
    await hook.close();
  });

  const post = async (headers: Record<string, string>, body = BODY, method = 'POST') => {
    const res = await fetch(hook.url, { method, headers, ...(method === 'GET' ? {} : { body }) });
    return { status: res.status, text: await res.text() };
  };

  it('GitHub: accepts X-Hub-Signature-256 with or without the sha256= prefix; refuses a wrong, missing or upper-case one, and the SHA-1 header alone', async () => {
    const hex = sig('gh').slice('sha256='.length);
    expect(await post({ 'x-github-event': 'push', 'x-hub-signature-256': sig('gh') })).toEqual({ status: 200, text: '' });
    expect((await post({ 'x-github-event': 'push', 'x-hub-signature-256': hex })).status).toBe(200);
    expect(await post({ 'x-github-event': 'push', 'x-hub-signature-256': sig('other') })).toEqual({
      status: 400,
      text: 'Webhook processing failed: HMAC verification failed\n',
    });
    expect((await post({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` })).status).toBe(400);
    const sha1 = `sha1=${createHmac('sha1', 'gh').update(BODY).digest('hex')}`;
    expect(await post({ 'x-github-event': 'push', 'x-hub-signature': sha1 })).toEqual({
      status: 400,
      text: 'Webhook processing failed: missing X-Hub-Signature-256 Header\n',
    });
    expect(await post({ 'x-github-event': 'issues', 'x-hub-signature-256': sig('gh') })).toEqual({
      status: 400,
      text: 'Webhook processing failed: event not defined to be parsed\n',
    });
    expect(hook.receiver.deliveries.map((d) => d.accepted)).toEqual([true, true, false, false, false, false]);
  });

  it('GitLab: the token is checked first (constant time, any length); Azure DevOps: basic auth before the method', async () => {
    expect((await post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'gl' })).status).toBe(200);
    expect(await post({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'gl-longer' })).toEqual({
      status: 400,
      text: 'Webhook processing failed: X-Gitlab-Token validation failed\n',
    });
    expect((await post({ 'x-gitlab-event': 'Pipeline Hook', 'x-gitlab-token': 'gl' })).text).toContain('event not defined to be parsed');
    const azure = JSON.stringify({ eventType: 'git.push', resource: {} });
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect((await post({ 'x-vss-activityid': 'x', authorization: basic('u', 'p') }, azure)).status).toBe(200);
    expect((await post({ 'x-vss-activityid': 'x', authorization: basic('u', 'wrong') }, azure)).text).toContain('basic auth verification failed');
    // A wrong password on a GET is a 405 with the auth error: auth is checked before the method.
    expect(await post({ 'x-vss-activityid': 'x', authorization: basic('u', 'wrong') }, '', 'GET')).toEqual({
      status: 405,
      text: 'Webhook processing failed: basic auth verification failed\n',
    });
  });

  it('unknown provider headers: 400 Unknown webhook event; without secrets nothing is checked, as ArgoCD', async () => {
    expect(await post({ 'x-gitea-event': 'push' })).toEqual({ status: 400, text: 'Unknown webhook event\n' });
    hook.receiver.setSecrets({});
    expect((await post({ 'x-github-event': 'push' })).status).toBe(200);
  });

  it('is started beside a simulated instance when asked, on its own port, and closed with it', async () => {
    const sim = await startArgoCDSimulator({ applicationSetWebhook: { secrets: { github: 's' } } });
    try {
      expect(sim.appsetWebhook!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhook$/);
      expect(sim.appsetWebhook!.url.startsWith(sim.url)).toBe(false);
      const res = await fetch(sim.appsetWebhook!.url, { method: 'POST', headers: { 'x-github-event': 'push', 'x-hub-signature-256': sig('s') }, body: BODY });
      expect(res.status).toBe(200);
      expect(sim.appsetWebhook!.receiver.deliveries).toHaveLength(1);
      // The API server has no such route: the controller's webhook is a service of its own.
      expect(sim.sim.requests).toHaveLength(0);
    } finally {
      await sim.close();
    }
    const plain = await startArgoCDSimulator();
    await plain.close();
    expect(plain.appsetWebhook).toBeUndefined();
  });
});
