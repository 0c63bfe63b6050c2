import { createHmac, randomUUID } from 'node:crypto';
import { loadConfig } from '../../../functions/lib/config/index';
import { DynamoDBDeliveryLedgerStore } from '../../../functions/lib/intake/dynamodb-delivery-ledger-store';
import { receivePush, type ReceivePushDeps, type Refusal } from '../../../functions/lib/intake/index';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { errorResponse } from '../../../functions/webhook/responses';
import { createTestTables } from '../../helpers/dynamo';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { InMemoryDeliveryLedgerStore } from '../../helpers/in-memory-delivery-ledger-store';
import { TEST_BITBUCKET_UUID } from '../providers/fixtures';

const ACME = 'acme-org-secret';
const OTHER = 'other-org-secret';
const sha = (c: string) => c.repeat(40);
const A = sha('a');
const B = sha('b');
const C = sha('c');
const ZERO = '0'.repeat(40);

/** A GitHub push body as GitHub sends it (the fields the parser reads). */
function githubPush(o: { before?: string; after: string; repo?: string; ref?: string; pusher?: string; message?: string }): string {
  const repo = o.repo ?? 'acme/app';
  return JSON.stringify({
    ref: o.ref ?? 'refs/heads/main',
    before: o.before ?? ZERO,
    after: o.after,
    repository: { html_url: `https://github.com/${repo}`, clone_url: `https://github.com/${repo}.git`, default_branch: 'main' },
    pusher: { name: o.pusher ?? 'dev' },
    commits: [{ id: o.after, message: o.message ?? 'change', author: { name: 'dev' }, added: ['apps/x.yaml'], modified: [], removed: [] }],
  });
}

function githubHeaders(body: string, secret: string, deliveryId: string | null = randomUUID()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    ...(deliveryId !== null ? { 'x-github-delivery': deliveryId } : {}),
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

function setup(env: Record<string, string> = {}, config: Record<string, unknown> = {}) {
  const fullEnv = {
    ACME_SECRET: ACME,
    OTHER_SECRET: OTHER,
    SENTINEL_CONFIG_JSON: JSON.stringify({
      webhook: {
        secrets: {
          github: [
            { env: 'ACME_SECRET', repositories: ['github.com/acme/*'] },
            { env: 'OTHER_SECRET', repositories: ['github.com/other/app'] },
          ],
        },
      },
      ...config,
    }),
    ...env,
  };
  const queued: PushMessage[] = [];
  const refused: Refusal[] = [];
  const auditStore = new InMemoryAuditStore();
  const ledger = new InMemoryDeliveryLedgerStore();
  const deps: ReceivePushDeps = {
    config: loadConfig(fullEnv),
    secrets: new EnvSecretsProvider(fullEnv),
    queue: { enqueue: async (m) => void queued.push(m) },
    auditStore,
    ledger,
    refusals: { count: async (r) => void refused.push(r) },
  };
  const send = (body: string, headers: Record<string, string>) => receivePush({ rawBody: body, headers }, deps);
  /** The HTTP status the webhook would answer for a refusal. */
  const statusOf = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted' as const,
      (e: unknown) => errorResponse(e).statusCode,
    );
  const kinds = async () => (await auditStore.query({ limit: 1000 })).items.map((r) => r.kind);
  return { deps, send, statusOf, queued, refused, auditStore, ledger, kinds };
}

describe('receivePush: replays are duplicates', () => {
  it('treats the same body with a new, a missing or an empty delivery id as a duplicate of the first delivery', async () => {
    const { send, queued, auditStore } = setup();
    const body = githubPush({ after: A });
    const first = await send(body, githubHeaders(body, ACME, 'first-id'));
    expect(first).toMatchObject({ status: 'queued', deliveryId: 'first-id' });
    const again = [
      await send(body, githubHeaders(body, ACME, 'new-id')),
      await send(body, githubHeaders(body, ACME, null)),
      await send(body, githubHeaders(body, ACME, '')),
    ];
    expect(again.map((r) => [r.status, r.status === 'duplicate' && r.by])).toEqual([
      ['duplicate', 'body'],
      ['duplicate', 'body'],
      ['duplicate', 'body'],
    ]);
    expect(queued).toHaveLength(1);
    const dups = (await auditStore.query({ kind: 'webhook.duplicate', limit: 10 })).items;
    expect(dups).toHaveLength(3);
    for (const d of dups) expect(d.details).toMatchObject({ duplicateOf: 'body', firstDeliveryId: 'first-id' });
  });

  it('accepts the same body again once the dedupe window has passed (the ref ledger then judges it)', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { deps, send, queued } = setup({}, { webhook: { dedupeSeconds: 60, secrets: { github: { env: 'ACME_SECRET' } } } });
    deps.now = () => new Date(now);
    const body = githubPush({ after: A });
    expect((await send(body, githubHeaders(body, ACME))).status).toBe('queued');
    now += 59_000;
    expect((await send(body, githubHeaders(body, ACME))).status).toBe('duplicate');
    now += 2_000;
    // A is still the head: not stale, so queued (sync-on-push deploys the branch, not A).
    expect((await send(body, githubHeaders(body, ACME))).status).toBe('queued');
    expect(queued).toHaveLength(2);
  });

  it('costs three ledger calls on the hot path and one for a duplicate', async () => {
    const { send, ledger } = setup();
    const body = githubPush({ after: B, before: A });
    await send(body, githubHeaders(body, ACME));
    expect(ledger.calls).toBe(3);
    await send(body, githubHeaders(body, ACME));
    expect(ledger.calls).toBe(4);
  });
});

describe('receivePush: stale pushes', () => {
  it('audits a push whose commit a later push superseded as push.stale and queues nothing', async () => {
    const { send, queued, kinds, auditStore } = setup();
    const pushA = githubPush({ before: ZERO, after: A });
    const pushB = githubPush({ before: A, after: B, message: 'second' });
    // A late delivery naming A again (another body, e.g. a re-signed old push or a second hook).
    const lateA = githubPush({ before: C, after: A, message: 'late' });
    expect((await send(pushA, githubHeaders(pushA, ACME))).status).toBe('queued');
    expect((await send(pushB, githubHeaders(pushB, ACME))).status).toBe('queued');
    const late = await send(lateA, githubHeaders(lateA, ACME));
    expect(late).toMatchObject({ status: 'stale', supersededBy: B });
    expect(queued.map((m) => m.push.revision)).toEqual([A, B]);
    expect((await kinds()).sort()).toEqual(['push.stale', 'webhook.received', 'webhook.received']);
    const [stale] = (await auditStore.query({ kind: 'push.stale', limit: 1 })).items;
    expect(stale).toMatchObject({ revision: A, outcome: 'skipped', details: expect.objectContaining({ head: B, supersededBy: B }) });
    // A replay of the stale body is a duplicate, not a second stale record.
    expect((await send(lateA, githubHeaders(lateA, ACME))).status).toBe('duplicate');
  });

  it('queues a force-push back to an older commit (before = head), follows loops, and treats unknown or forged shas as new', async () => {
    const { send, queued } = setup();
    const steps = [
      githubPush({ before: ZERO, after: A }),
      githubPush({ before: A, after: B }),
      // Loop: back to A from the head.
      githubPush({ before: B, after: A, message: 'revert' }),
      // Forward again: A -> B was seen before, but this continues from the head.
      githubPush({ before: A, after: B, message: 'again' }),
      // A skip (a push we never saw moved B -> C) and a forged, never-seen sha.
      githubPush({ before: C, after: sha('d') }),
      githubPush({ before: sha('e'), after: sha('f') }),
    ];
    for (const body of steps) expect((await send(body, githubHeaders(body, ACME))).status).toBe('queued');
    expect(queued).toHaveLength(steps.length);
  });

  it('keeps separate ledgers per repository and ref', async () => {
    const { send } = setup();
    const main = [githubPush({ after: A }), githubPush({ before: A, after: B })];
    for (const body of main) await send(body, githubHeaders(body, ACME));
    const otherRef = githubPush({ ref: 'refs/heads/dev', before: C, after: A });
    const otherRepo = githubPush({ repo: 'acme/infra', before: C, after: A });
    expect((await send(otherRef, githubHeaders(otherRef, ACME))).status).toBe('queued');
    expect((await send(otherRepo, githubHeaders(otherRepo, ACME))).status).toBe('queued');
  });
});

describe('receivePush: per-repository secrets', () => {
  it("refuses (401 repository-not-allowed) a push for a repository outside the verifying secret's list, and counts it", async () => {
    const { send, statusOf, queued, refused, kinds } = setup();
    const acmeBody = githubPush({ after: A, repo: 'acme/app' });
    // The same body signed with the other organisation's secret.
    expect(await statusOf(send(acmeBody, githubHeaders(acmeBody, OTHER)))).toBe(401);
    const outside = githubPush({ after: B, repo: 'evil/app' });
    expect(await statusOf(send(outside, githubHeaders(outside, ACME)))).toBe(401);
    expect(refused.map((r) => [r.provider, r.reason])).toEqual([
      ['github', 'repository-not-allowed'],
      ['github', 'repository-not-allowed'],
    ]);
    // Each organisation's secret for its own repositories.
    const otherBody = githubPush({ after: C, repo: 'other/app' });
    expect((await send(otherBody, githubHeaders(otherBody, OTHER))).status).toBe('queued');
    expect((await send(acmeBody, githubHeaders(acmeBody, ACME))).status).toBe('queued');
    expect(queued.map((m) => m.push.repoUrls[0])).toEqual(['https://github.com/other/app', 'https://github.com/acme/app']);
    expect(await kinds()).toEqual(['webhook.received', 'webhook.received']);
  });

  it('covers every repository when a secret has no list', async () => {
    const { send } = setup({}, { webhook: { secrets: { github: { env: 'ACME_SECRET' } } } });
    const body = githubPush({ after: A, repo: 'anyone/anything' });
    expect((await send(body, githubHeaders(body, ACME))).status).toBe('queued');
  });
});

describe('receivePush: fail closed', () => {
  it('answers 503 and never accepts unsigned when a configured secret cannot be loaded, even with SENTINEL_ALLOW_UNSIGNED=true', async () => {
    const { send, statusOf, queued, refused, kinds } = setup({ SENTINEL_ALLOW_UNSIGNED: 'true' }, { webhook: { secrets: { github: { env: 'GONE' } } } });
    const body = githubPush({ after: A });
    expect(await statusOf(send(body, githubHeaders(body, ACME)))).toBe(503);
    const unsigned = githubHeaders(body, ACME);
    delete unsigned['x-hub-signature-256'];
    expect(await statusOf(send(body, unsigned))).toBe(503);
    expect(queued).toHaveLength(0);
    expect(refused.map((r) => r.reason)).toEqual(['secret-unavailable', 'secret-unavailable']);
    expect(await kinds()).toEqual([]);
  });

  it('requires X-Hub-Signature from Bitbucket Cloud when a hook secret is configured; the hook UUID is for hooks without one', async () => {
    const env = { BITBUCKET_WEBHOOK_UUID: TEST_BITBUCKET_UUID, BITBUCKET_WEBHOOK_SECRET: 'bb-hook-secret' };
    const { send, statusOf, queued } = setup(env, { webhook: {} });
    const body = JSON.stringify({
      push: { changes: [{ new: { type: 'branch', name: 'main', target: { hash: A } }, old: { type: 'branch', name: 'main', target: { hash: B } } }] },
      repository: { full_name: 'acme/app', links: { html: { href: 'https://bitbucket.org/acme/app' } } },
      actor: { nickname: 'dev' },
    });
    const base = { 'x-event-key': 'repo:push', 'x-hook-uuid': TEST_BITBUCKET_UUID, 'x-request-uuid': randomUUID() };
    expect(await statusOf(send(body, base))).toBe(401);
    const signed = { ...base, 'x-hub-signature': `sha256=${createHmac('sha256', 'bb-hook-secret').update(body).digest('hex')}` };
    expect((await send(body, signed)).status).toBe('queued');
    expect(queued).toHaveLength(1);
  });
});

describe('receivePush: control characters and bidirectional overrides', () => {
  it.each([
    ['a bidi override in the ref', { ref: 'refs/heads/ma\u202ein' }],
    ['an isolate in the ref', { ref: 'refs/heads/\u2066main\u2069' }],
    ['an escape sequence in the pusher', { pusher: 'dev\u001b[2J' }],
    ['a C1 control in the pusher', { pusher: 'dev\u0085' }],
    ['a bidi override in the repository', { repo: 'acme/ap\u202dp' }],
  ])('refuses %s (400) and queues nothing', async (_what, fields) => {
    const { send, statusOf, queued, refused } = setup({}, { webhook: { secrets: { github: { env: 'ACME_SECRET' } } } });
    const body = githubPush({ after: A, ...fields });
    expect(await statusOf(send(body, githubHeaders(body, ACME)))).toBe(400);
    expect(queued).toHaveLength(0);
    expect(refused.map((r) => r.reason)).toEqual(['malformed']);
  });

  it('escapes them in commit messages (free text), keeping line breaks', async () => {
    const { send, queued } = setup();
    const body = githubPush({ after: A, message: 'fix\u202e evil\u001b[31m\nsecond line' });
    expect((await send(body, githubHeaders(body, ACME))).status).toBe('queued');
    expect(queued[0].push.commits[0].message).toBe('fix\\u{202e} evil\\u{001b}[31m\nsecond line');
  });
});

describe('receivePush: refusals stay out of the trail', () => {
  it("keeps a bad-signature request that reuses a real delivery id out of that delivery's trail", async () => {
    const { send, statusOf, auditStore, refused } = setup();
    const body = githubPush({ after: A });
    await send(body, githubHeaders(body, ACME, 'real-delivery'));
    const forged = githubPush({ after: B });
    expect(await statusOf(send(forged, githubHeaders(forged, 'wrong', 'real-delivery')))).toBe(401);
    expect(await statusOf(send(forged, { ...githubHeaders(forged, ACME, 'real-delivery'), 'x-github-event': 'push' }))).toBe(409);
    const trail = (await auditStore.query({ deliveryId: 'real-delivery', limit: 10 })).items;
    expect(trail.map((r) => r.kind)).toEqual(['webhook.received']);
    expect(refused.map((r) => r.reason)).toEqual(['signature', 'delivery-conflict']);
  });

  it('writes nothing to the trail for 200 junk requests, and counts each', async () => {
    const { deps, refused } = setup();
    for (let i = 0; i < 200; i++) {
      await receivePush({ rawBody: `junk ${i}`, headers: { 'x-github-event': 'push', 'x-github-delivery': `junk-${i}` } }, deps).catch(() => undefined);
    }
    expect((await deps.auditStore.query({ limit: 10 })).items).toHaveLength(0);
    expect(refused).toHaveLength(200);
  });
});

describe('DynamoDBDeliveryLedgerStore (dynalite)', () => {
  it('claims a body once, lets a lapsed claim or an expired item be taken again, and releases only its own claim', async () => {
    const tables = await createTestTables('ledger');
    const store = new DynamoDBDeliveryLedgerStore({ doc: tables.doc, tableName: tables.names.idempotency });
    const now = Date.parse('2026-01-01T00:00:00Z');
    const item = (owner: string, leaseUntil: number, expiration = now / 1000 + 3600) => ({
      id: 'body#github#x',
      expiration,
      status: 'claimed',
      owner,
      leaseUntil,
    });
    expect(await store.claim(item('one', now + 30_000), now)).toBe(true);
    expect(await store.claim(item('two', now + 30_000), now)).toBe(false);
    expect(await store.claim(item('two', now + 90_000), now + 31_000)).toBe(true);
    await store.release('body#github#x', 'one');
    expect((await store.getMany(['body#github#x'])).get('body#github#x')).toMatchObject({ owner: 'two' });
    await store.putMany([{ id: 'body#github#x', expiration: now / 1000 + 10, status: 'done' }]);
    expect(await store.claim(item('three', now + 30_000), now)).toBe(false);
    expect(await store.claim(item('three', now + 30_000), now + 11_000)).toBe(true);
    await store.release('body#github#x', 'three');
    expect((await store.getMany(['body#github#x', 'absent'])).size).toBe(0);
  });
});
