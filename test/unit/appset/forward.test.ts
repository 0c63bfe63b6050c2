import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hmacSha256Hex } from '../../../functions/lib/providers/signatures';
import { AppSetWebhookReceiver } from '../../../local/argocd-sim';
import { sample, TEST_ENV } from '../providers/fixtures';
import { ALL_SECRETS, APPSET, APPSET_EU, sha256, startAppSetEnv, type AppSetEnv } from './fixtures';

const FIRST = { receiveCount: 1, maxReceiveCount: 3 };

/** A GitHub push to `github.com/<repo>`, signed with sentinel's own test secret. */
function acmePush(repo = 'acme/web'): { body: string; headers: Record<string, string> } {
  const after = 'c'.repeat(40);
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: 'b'.repeat(40),
    after,
    repository: { html_url: `https://github.com/${repo}`, clone_url: `https://github.com/${repo}.git`, default_branch: 'main' },
    pusher: { name: 'dev' },
    commits: [{ id: after, message: 'change', author: { name: 'dev' }, added: ['a.yaml'], modified: [], removed: [] }],
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': '4242',
      'x-hub-signature': `sha1=${createHmac('sha1', TEST_ENV.GITHUB_WEBHOOK_SECRET).update(body).digest('hex')}`,
      'x-hub-signature-256': `sha256=${hmacSha256Hex(TEST_ENV.GITHUB_WEBHOOK_SECRET, body)}`,
    },
  };
}

/** Nothing secret in the trail or the log. */
async function expectNoSecrets(env: AppSetEnv, deliveryId: string): Promise<void> {
  const text = JSON.stringify(await env.records(deliveryId)) + env.logs.join('\n');
  for (const s of ALL_SECRETS) expect(text).not.toContain(s);
}

describe('ApplicationSet forward', () => {
  let env: AppSetEnv;
  afterEach(async () => {
    await env?.close();
  });

  describe('what the ApplicationSet webhook receives', () => {
    beforeEach(async () => {
      env = await startAppSetEnv();
    });

    it('GitHub: the body byte for byte, the provider headers, X-Hub-Signature-256 under the controller secret, never the original signature', async () => {
      // Prepare
      const original = sample('github-push');
      const message = (await env.queued('github-push'))!;

      // Act
      const results = await env.forwarder.forward(message, FIRST);

      // Assess: only prod takes it (eu is limited to acme/*, plain has no ApplicationSet webhook)
      expect(results).toEqual([expect.objectContaining({ instance: 'prod', status: 'forwarded', httpStatus: 200, attempts: 1 })]);
      expect(env.eu.receiver.deliveries).toHaveLength(0);
      const [got] = env.prod.receiver.deliveries;
      expect(got).toMatchObject({ method: 'POST', path: '/api/webhook', provider: 'github', status: 200, accepted: true });
      expect(got.body.equals(Buffer.from(original.body, 'utf8'))).toBe(true);
      expect(got.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/abc',
        'x-github-event': 'push',
        'x-github-delivery': original.headers['x-github-delivery'],
      });
      expect(got.headers['x-hub-signature-256']).toBe(`sha256=${hmacSha256Hex(APPSET.github, got.body)}`);
      expect(got.headers['x-hub-signature-256']).not.toBe(original.headers['x-hub-signature-256']);
      expect(got.headers).not.toHaveProperty('x-hub-signature');
      // Refused by a controller with any other secret (sentinel's own one included).
      for (const other of [APPSET_EU.github, TEST_ENV.GITHUB_WEBHOOK_SECRET]) {
        expect(new AppSetWebhookReceiver({ github: other }).verify('POST', got.headers, got.body).error).toBe('HMAC verification failed');
      }
      // Audited once, naming the delivery, the instance and the body it forwarded.
      const records = await env.records(message.push.deliveryId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        kind: 'appset.forwarded',
        outcome: 'success',
        instance: 'prod',
        deliveryId: message.push.deliveryId,
        details: { provider: 'github', httpStatus: 200, attempts: 1, bodyBytes: got.body.length, bodySha256: sha256(got.body), url: env.prod.url },
      });
      await expectNoSecrets(env, message.push.deliveryId);
    });

    it('GitHub with the sha1 signature too: neither original signature is passed on; a push to acme/* also reaches eu under its own secret', async () => {
      const push = acmePush();
      const message = (await env.queued(push))!;

      await env.forwarder.forward(message, FIRST);

      for (const [hook, secret] of [
        [env.prod, APPSET.github],
        [env.eu, APPSET_EU.github],
      ] as const) {
        expect(hook.receiver.deliveries).toHaveLength(1);
        const got = hook.receiver.deliveries[0];
        expect(got.accepted).toBe(true);
        expect(got.body.toString('utf8')).toBe(push.body);
        expect(got.headers['x-hub-signature-256']).toBe(`sha256=${hmacSha256Hex(secret, push.body)}`);
        expect(got.headers['x-github-hook-id']).toBe('4242');
        expect(got.headers).not.toHaveProperty('x-hub-signature');
        expect(Object.values(got.headers)).not.toContain(push.headers['x-hub-signature-256']);
      }
      expect((await env.records(message.push.deliveryId)).map((r) => r.instance).sort()).toEqual(['eu', 'prod']);
    });

    it('GitLab: X-Gitlab-Token is the controller token, not the one GitLab sent; the event headers go along', async () => {
      const original = sample('gitlab-push');
      const message = (await env.queued('gitlab-push'))!;

      const results = await env.forwarder.forward(message, FIRST);

      expect(results.map((r) => [r.instance, r.status])).toEqual([['prod', 'forwarded']]);
      const [got] = env.prod.receiver.deliveries;
      expect(got).toMatchObject({ provider: 'gitlab', accepted: true });
      expect(got.body.toString('utf8')).toBe(original.body);
      expect(got.headers['x-gitlab-token']).toBe(APPSET.gitlab);
      expect(got.headers['x-gitlab-token']).not.toBe(original.headers['x-gitlab-token']);
      expect(got.headers).toMatchObject({
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-event-uuid': original.headers['x-gitlab-event-uuid'],
        'x-gitlab-instance': 'https://gitlab.com',
        'user-agent': 'GitLab/17.7.0',
      });
      expect(new AppSetWebhookReceiver({ gitlab: APPSET_EU.gitlab }).verify('POST', got.headers, got.body).error).toBe('X-Gitlab-Token validation failed');
      await expectNoSecrets(env, message.push.deliveryId);
    });

    it('Azure DevOps: basic auth with the controller username and password, X-Vss-Activityid kept (ArgoCD detects the provider by it)', async () => {
      const original = sample('azure-devops-push');
      const message = (await env.queued('azure-devops-push'))!;

      await env.forwarder.forward(message, FIRST);

      const [got] = env.prod.receiver.deliveries;
      expect(got).toMatchObject({ provider: 'azure-devops', accepted: true });
      expect(got.body.toString('utf8')).toBe(original.body);
      expect(got.headers.authorization).toBe(`Basic ${Buffer.from(`${APPSET.user}:${APPSET.password}`).toString('base64')}`);
      expect(got.headers.authorization).not.toBe(original.headers.authorization);
      expect(got.headers['x-vss-activityid']).toBe(original.headers['x-vss-activityid']);
      expect(new AppSetWebhookReceiver({ azureDevOpsUsername: APPSET.user, azureDevOpsPassword: 'other' }).verify('POST', got.headers, got.body).error).toBe(
        'basic auth verification failed',
      );
      await expectNoSecrets(env, message.push.deliveryId);
    });

    it('providers ArgoCD’s ApplicationSet webhook does not take (Gitea, Bitbucket Server) carry nothing and reach no controller', async () => {
      for (const name of ['gitea-push', 'bitbucket-server-push']) {
        const message = (await env.queued(name))!;
        expect(message.appset).toBeUndefined();
        expect(await env.forwarder.forward(message, FIRST)).toEqual([]);
      }
      expect(env.prod.receiver.deliveries).toHaveLength(0);
      expect(env.eu.receiver.deliveries).toHaveLength(0);
    });
  });

  describe('only verified pushes', () => {
    it('a forged signature is refused and nothing is queued or forwarded', async () => {
      env = await startAppSetEnv();
      const push = acmePush();
      push.headers['x-hub-signature-256'] = `sha256=${hmacSha256Hex('not-the-secret', push.body)}`;

      await expect(env.queued(push)).rejects.toThrow();

      expect(env.prod.receiver.deliveries).toHaveLength(0);
    });

    it('a push accepted unsigned (allowUnsigned, no secret for the provider) is queued without a body for the controllers: never laundered into a signed forward', async () => {
      env = await startAppSetEnv({ unsigned: true });
      const push = acmePush();

      const message = (await env.queued(push))!;
      const results = await env.forwarder.forward(message, FIRST);

      expect(message.push.repoUrls[0]).toContain('acme/web');
      expect(message.appset).toBeUndefined();
      // The targets still exist, so the worker records why nothing was sent.
      expect(results.map((r) => [r.instance, r.status])).toEqual([
        ['prod', 'rejected'],
        ['eu', 'rejected'],
      ]);
      expect(env.prod.receiver.deliveries).toHaveLength(0);
      expect(env.eu.receiver.deliveries).toHaveLength(0);
    });
  });

  describe('at most once per (delivery, instance), retried, audited', () => {
    it('a second receive of the same message sends nothing more; concurrent receives send once', async () => {
      env = await startAppSetEnv();
      const message = (await env.queued('github-push'))!;

      const both = await Promise.all([env.forwarder.forward(message, FIRST), env.forwarder.forward(message, FIRST)]);
      const again = await env.forwarder.forward(message, { receiveCount: 2, maxReceiveCount: 3 });

      expect(
        both
          .flat()
          .map((r) => r.status)
          .sort(),
      ).toEqual(['forwarded', 'in-progress']);
      expect(again).toEqual([expect.objectContaining({ instance: 'prod', status: 'already-done', attempts: 0 })]);
      expect(env.prod.receiver.deliveries).toHaveLength(1);
      expect(await env.records(message.push.deliveryId)).toHaveLength(1);
    });

    it('retries 5xx within the receive and forwards once the controller answers', async () => {
      env = await startAppSetEnv({ retries: 2 });
      env.prod.receiver.failNext([503, 502]);
      const message = (await env.queued('github-push'))!;

      const [r] = await env.forwarder.forward(message, FIRST);

      expect(r).toMatchObject({ status: 'forwarded', attempts: 3, httpStatus: 200 });
      expect(env.prod.receiver.deliveries.map((d) => d.status)).toEqual([503, 502, 200]);
      // Each attempt carries the same bytes and signature.
      const sigs = new Set(env.prod.receiver.deliveries.map((d) => d.headers['x-hub-signature-256']));
      expect(sigs.size).toBe(1);
      expect((await env.records(message.push.deliveryId))[0]).toMatchObject({ kind: 'appset.forwarded', details: { attempts: 3 } });
    });

    it('a timeout is retried (the controller only refreshes ApplicationSets, harmless to repeat)', async () => {
      env = await startAppSetEnv({ retries: 1, timeoutMs: 300 });
      env.prod.receiver.hangNext(1);
      const message = (await env.queued('github-push'))!;

      const [r] = await env.forwarder.forward(message, FIRST);

      expect(r).toMatchObject({ status: 'forwarded', attempts: 2 });
      expect(env.prod.receiver.deliveries.map((d) => d.status)).toEqual([0, 200]);
    });

    it('failures past the retries leave it undone for the next receive (no record); the last receive audits appset.forward-failed', async () => {
      env = await startAppSetEnv({ retries: 1 });
      const message = (await env.queued('github-push'))!;

      env.prod.receiver.failNext([500, 500]);
      const [first] = await env.forwarder.forward(message, { receiveCount: 1, maxReceiveCount: 2 });
      expect(first).toMatchObject({ status: 'failed', httpStatus: 500, attempts: 2 });
      expect(first.audited).toBeUndefined();
      expect(await env.records(message.push.deliveryId)).toHaveLength(0);

      env.prod.receiver.failNext([500, 504]);
      const [last] = await env.forwarder.forward(message, { receiveCount: 2, maxReceiveCount: 2 });
      expect(last).toMatchObject({ status: 'failed', audited: 'appset.forward-failed', httpStatus: 504 });
      const records = await env.records(message.push.deliveryId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ kind: 'appset.forward-failed', outcome: 'failure', instance: 'prod', details: { final: false, lastReceive: true } });
      expect(records[0].message).toContain('dead-letter');
      expect(env.prod.receiver.deliveries).toHaveLength(4);
    });

    it('a receive that fails then one that succeeds: one appset.forwarded record, nothing else', async () => {
      env = await startAppSetEnv({ retries: 0 });
      const message = (await env.queued('github-push'))!;
      env.prod.receiver.failNext([503]);

      expect((await env.forwarder.forward(message, { receiveCount: 1, maxReceiveCount: 3 }))[0].status).toBe('failed');
      expect((await env.forwarder.forward(message, { receiveCount: 2, maxReceiveCount: 3 }))[0].status).toBe('forwarded');

      expect((await env.records(message.push.deliveryId)).map((r) => r.kind)).toEqual(['appset.forwarded']);
    });

    it('a refusal (wrong controller secret: 400) is final: audited once, not retried, never sent again', async () => {
      env = await startAppSetEnv();
      env.prod.receiver.setSecrets({ github: 'rotated-on-the-controller' });
      const message = (await env.queued('github-push'))!;

      const [r] = await env.forwarder.forward(message, FIRST);
      const [again] = await env.forwarder.forward(message, { receiveCount: 2, maxReceiveCount: 3 });

      expect(r).toMatchObject({ status: 'rejected', httpStatus: 400, attempts: 1, audited: 'appset.forward-failed' });
      expect(r.message).toBe('HTTP 400: Webhook processing failed: HMAC verification failed');
      expect(again.status).toBe('already-done');
      expect(env.prod.receiver.deliveries).toHaveLength(1);
      const records = await env.records(message.push.deliveryId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ kind: 'appset.forward-failed', details: { final: true, httpStatus: 400 } });
    });

    it('a body that did not fit in the queue message is audited as not forwarded, and nothing is sent', async () => {
      env = await startAppSetEnv();
      // A bound under the message with the body, over the message without it.
      const full = (await env.queued('github-push'))!;
      const withoutBody = JSON.stringify({ ...full, appset: { ...full.appset, bodyGzip: undefined, dropped: 'too-large' } });
      const message = (await env.queued('github-push', Buffer.byteLength(withoutBody) + 16))!;
      expect(message.appset).toMatchObject({ dropped: 'too-large', bodyBytes: full.appset!.bodyBytes });
      expect(message.appset!.bodyGzip).toBeUndefined();
      // What matching needs is still there.
      expect(message.push.changedFiles).toEqual(full.push.changedFiles);

      const [r] = await env.forwarder.forward(message, FIRST);

      expect(r).toMatchObject({ status: 'rejected', audited: 'appset.forward-failed', attempts: 0 });
      expect(env.prod.receiver.deliveries).toHaveLength(0);
      expect((await env.records(message.push.deliveryId))[0].message).toContain('did not fit in the queue message');
    });
  });

  describe('an attacker between us and the controller', () => {
    let other: http.Server;
    let hits: http.IncomingHttpHeaders[];
    let echo: http.Server;
    beforeEach(async () => {
      hits = [];
      other = http.createServer((req, res) => {
        hits.push(req.headers);
        res.end('ok');
      });
      echo = http.createServer((req, res) => {
        // Echoes whatever token it got into a refusal, as a hostile or broken proxy might.
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end(`bad token ${String(req.headers['x-gitlab-token'])} and ${String(req.headers['x-hub-signature-256'])}`);
      });
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    });
    afterEach(async () => {
      await new Promise((r) => other.close(r));
      await new Promise((r) => echo.close(r));
    });

    it('a redirect is not followed: the signed request never reaches the other host', async () => {
      const redirector = http.createServer((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/webhook` });
        res.end();
      });
      await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
      try {
        env = await startAppSetEnv({ prodUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/api/webhook` });
        const message = (await env.queued('gitlab-push'))!;

        const [r] = await env.forwarder.forward(message, FIRST);

        expect(r).toMatchObject({ status: 'rejected', httpStatus: 307 });
        expect(hits).toHaveLength(0);
      } finally {
        await new Promise((r) => redirector.close(r));
      }
    });

    it('a token echoed back in an error answer is redacted from the record and the log', async () => {
      env = await startAppSetEnv({ prodUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}/api/webhook` });
      const message = (await env.queued('gitlab-push'))!;

      const [r] = await env.forwarder.forward(message, FIRST);

      expect(r.status).toBe('rejected');
      expect(r.message).toContain('bad token [redacted]');
      await expectNoSecrets(env, message.push.deliveryId);
      expect(JSON.stringify(await env.records(message.push.deliveryId))).toContain('[redacted]');
    });
  });
});
