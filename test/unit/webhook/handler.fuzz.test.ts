import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '../../../functions/lib/config/index';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { loadEvent, sample, signFor, TEST_AZURE_USER, TEST_BITBUCKET_UUID, TEST_ENV, TEST_SECRET } from '../providers/fixtures';
import { InMemoryDeliveryLedgerStore } from '../../helpers/in-memory-delivery-ledger-store';

const SAMPLES: Array<[string, string]> = [
  ['github-push', 'github'],
  ['github-push-form', 'github'],
  ['github-tag', 'github'],
  ['github-ping', 'github'],
  ['github-branch-delete', 'github'],
  ['gitlab-push', 'gitlab'],
  ['gitlab-system-hook', 'gitlab'],
  ['bitbucket-cloud-push', 'bitbucket-cloud'],
  ['bitbucket-server-push', 'bitbucket-server'],
  ['gitea-push', 'gitea'],
  ['gogs-push', 'gogs'],
  ['azure-devops-push', 'azure-devops'],
];
const LOADED = SAMPLES.map(([name, provider]) => ({ name, provider, event: loadEvent(name), ...sample(name) }));
/** GitHub secrets per organisation: the fixtures' repository is jessesuen/test-repo. */
const GH_ORG_B_SECRET = 'org-b-secret';
const GITHUB_CONFIG = JSON.stringify({
  webhook: {
    secrets: {
      github: [
        { env: 'GH_ORG_A', repositories: ['github.com/jessesuen/*'] },
        { env: 'GH_ORG_B', repositories: ['github.com/other-org/*'] },
      ],
    },
  },
});
const { GITHUB_WEBHOOK_SECRET: _github, ...OTHER_SECRETS } = TEST_ENV;
const FUZZ_ENV = { ...OTHER_SECRETS, GH_ORG_A: TEST_SECRET, GH_ORG_B: GH_ORG_B_SECRET, SENTINEL_CONFIG_JSON: GITHUB_CONFIG };
/** A few shas, so before/after chains loop, skip and repeat. */
const SHAS = ['1'.repeat(40), '2'.repeat(40), '3'.repeat(40), 'd5c1ffa8e294bc18c639bfb4e0df499251034414', '63738bb582c8b540af7bcfc18f87c575c3ed66e0'];
/** Control characters and bidirectional overrides (U+202A-U+202E, U+2066-U+2069), each must be refused or escaped. */
const UNSAFE = ['\u202e', '\u202a', '\u2066', '\u2069', '\u001b[2J', '\u0007', '\u0085', '\r'];
const UNSAFE_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_IN_TEXT_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const AUTH_HEADERS = ['x-hub-signature-256', 'x-hub-signature', 'x-gitea-signature', 'x-gogs-signature', 'x-gitlab-token', 'x-hook-uuid', 'authorization'];
const PROVIDER_HEADERS = ['x-github-event', 'x-gitlab-event', 'x-hook-uuid', 'x-event-key', 'x-gitea-event', 'x-gogs-event', 'x-vss-activityid'];

type Op =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace-body'; body: string }
  | { kind: 'set-field'; key: string; value: unknown }
  | { kind: 'huge-commits'; n: number }
  | { kind: 'drop-header'; name: string }
  | { kind: 'set-header'; name: string; value: string }
  | { kind: 'upper-case-headers' };

const bodyOp: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'none' }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 20 }) }),
  fc.record({
    kind: fc.constant('replace-body' as const),
    body: fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.constant(''), fc.constant('payload=%7B')),
  }),
  fc.record({
    kind: fc.constant('set-field' as const),
    key: fc.constantFrom(
      'ref',
      'after',
      'before',
      'commits',
      'repository',
      'project',
      'push',
      'changes',
      'resource',
      'eventType',
      'object_kind',
      'pusher',
      'id',
      'deleted',
      'total_commits_count',
    ),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('refs/heads/ü/🚀', 'refs/heads/../x', 'refs/notes/x', 'refs/tags/', '0'.repeat(40), 'f'.repeat(64), 'refs/heads/a.lock', null),
      // Forged, looping and skipping before/after shas.
      fc.constantFrom(...SHAS),
      // Control characters and bidi overrides in identifiers and free text.
      fc.constantFrom(...UNSAFE).map((c) => `refs/heads/ma${c}in`),
      fc.constantFrom(...UNSAFE).map((c) => ({ name: `evil${c}user`, username: `evil${c}user` })),
      fc
        .constantFrom(...UNSAFE)
        .map((c) => [{ id: SHAS[0], message: `fix${c}\nsecond line`, author: { name: `a${c}b` }, added: ['x'], modified: [], removed: [] }]),
      fc.constantFrom(...UNSAFE).map((c) => ({ name: `repo${c}`, full_name: `jessesuen/test${c}repo`, html_url: `https://github.com/jessesuen/test${c}repo` })),
      // A repository outside the list of the secret the fixtures sign with.
      fc.constant({ name: 'app', html_url: 'https://github.com/other-org/app', clone_url: 'https://github.com/other-org/app.git' }),
    ),
  }),
  fc.record({ kind: fc.constant('huge-commits' as const), n: fc.integer({ min: 1_990, max: 2_100 }) }),
);
const headerOp: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'none' }),
  fc.record({ kind: fc.constant('drop-header' as const), name: fc.constantFrom(...AUTH_HEADERS, ...PROVIDER_HEADERS, 'content-type') }),
  fc.record({
    kind: fc.constant('set-header' as const),
    name: fc.constantFrom(...AUTH_HEADERS, ...PROVIDER_HEADERS, 'content-type', 'x-github-delivery', 'x-gitlab-event-uuid', 'x-request-id', 'x-random'),
    value: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom('sha256=', `sha256=${'0'.repeat(64)}`, 'push', 'ping', 'Basic Og==', 'repo:push', 'System Hook', 'application/x-www-form-urlencoded'),
    ),
  }),
  fc.constant<Op>({ kind: 'upper-case-headers' }),
);

function applyBody(body: string, op: Op): string {
  switch (op.kind) {
    case 'truncate':
      return body.slice(0, op.at % (body.length + 1));
    case 'insert': {
      const at = op.at % (body.length + 1);
      return body.slice(0, at) + op.text + body.slice(at);
    }
    case 'replace-body':
      return op.body;
    case 'set-field':
    case 'huge-commits':
      try {
        const json = JSON.parse(body) as Record<string, unknown>;
        if (op.kind === 'set-field') json[op.key] = op.value;
        else json.commits = Array.from({ length: op.n }, (_, i) => ({ id: i.toString(16).padStart(40, '0'), added: [`f/${i}`], modified: [], removed: [] }));
        return JSON.stringify(json);
      } catch {
        return body;
      }
    default:
      return body;
  }
}

function applyHeaders(headers: Record<string, string>, op: Op): Record<string, string> {
  const h = { ...headers };
  if (op.kind === 'drop-header') delete h[op.name];
  if (op.kind === 'set-header') h[op.name] = op.value;
  if (op.kind === 'upper-case-headers') return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
  return h;
}

/**
 * Independent check (not the code under test) that a request carried valid credentials for
 * `provider`, from a secret that covers the pushed repository (GitHub: only org A's secret,
 * which covers jessesuen/*).
 */
function carriesValidAuth(provider: string, rawHeaders: Record<string, string>, body: Buffer, repoUrls: string[]): boolean {
  const h = Object.fromEntries(Object.entries(rawHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const mac = createHmac('sha256', TEST_SECRET).update(body).digest('hex');
  const eq = (a: string | undefined, b: string) => a !== undefined && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  switch (provider) {
    case 'github':
      return (
        eq(h['x-hub-signature-256']?.toLowerCase(), `sha256=${mac}`) &&
        repoUrls.every((u) =>
          /^github\.com(:\d+)?[/:]jessesuen\//.test(
            u
              .toLowerCase()
              .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
              .replace(/^[^@/]*@/, ''),
          ),
        )
      );
    case 'bitbucket-server':
      return eq(h['x-hub-signature']?.toLowerCase(), `sha256=${mac}`);
    case 'gitea':
      return eq((h['x-gitea-signature'] ?? h['x-gogs-signature'])?.toLowerCase(), mac);
    case 'gogs':
      return eq(h['x-gogs-signature']?.toLowerCase(), mac);
    case 'gitlab':
      return eq(h['x-gitlab-token'], TEST_SECRET);
    case 'bitbucket-cloud':
      // A signed delivery is judged by its signature (the setting is the HMAC key), else by the hook UUID.
      if (h['x-hub-signature'] !== undefined)
        return eq(h['x-hub-signature'].toLowerCase(), `sha256=${createHmac('sha256', TEST_BITBUCKET_UUID).update(body).digest('hex')}`);
      return (
        h['x-hook-uuid']
          ?.trim()
          .replace(/^\{|\}$/g, '')
          .toLowerCase() === TEST_BITBUCKET_UUID.replace(/[{}]/g, '')
      );
    case 'azure-devops':
      return (
        /^basic /i.test(h.authorization ?? '') &&
        Buffer.from(h.authorization.trim().slice(6).trim(), 'base64').toString() === `${TEST_AZURE_USER}:${TEST_SECRET}`
      );
    default:
      return false;
  }
}

describe('webhook handler (property-based)', () => {
  it('never answers 5xx, never rejects, never enqueues an unverified, replayed, out-of-scope, stale or unsafe push over 10,000 mutated deliveries', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const enqueued: PushMessage[] = [];
    const handler = createWebhookHandler({
      config: loadConfig({ ...FUZZ_ENV, SENTINEL_MAX_BODY_BYTES: String(512 * 1024) }),
      secrets: new EnvSecretsProvider(FUZZ_ENV),
      queue: { enqueue: async (m) => void enqueued.push(m) },
      auditStore: new InMemoryAuditStore(),
      ledger: new InMemoryDeliveryLedgerStore(),
    });
    // Fail closed: GitHub's secret is configured but missing, and unsigned deliveries are allowed.
    const closedEnv = {
      ...OTHER_SECRETS,
      SENTINEL_ALLOW_UNSIGNED: 'true',
      SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets: { github: { env: 'GH_GONE' } } } }),
    };
    const closedEnqueued: PushMessage[] = [];
    const closed = createWebhookHandler({
      config: loadConfig(closedEnv),
      secrets: new EnvSecretsProvider(closedEnv),
      queue: { enqueue: async (m) => void closedEnqueued.push(m) },
      auditStore: new InMemoryAuditStore(),
      ledger: new InMemoryDeliveryLedgerStore(),
    });
    /** Bodies enqueued, per provider: a second enqueue of one is a replay that got through. */
    const enqueuedBodies = new Set<string>();
    /** Per (repository, ref): the head and before -> after links of the pushes enqueued so far. */
    const refs = new Map<string, { head: string; next: Map<string, string> }>();
    let closedAnswers = 0;
    const statuses = new Map<number, number>();
    let runs = 0;

    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: LOADED.length - 1 }),
          bodyOp,
          headerOp,
          fc.boolean(),
          fc.constantFrom('keep', 'fresh', 'fresh', 'drop', 'empty'),
          fc.constantFrom('plain', 'plain', 'plain', 'base64', 'lying-base64'),
          fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'post'),
          fc.nat(),
          fc.constantFrom<'org-a' | 'org-b'>('org-a', 'org-a', 'org-a', 'org-b'),
          async (index, bOp, hOp, resign, idMode, encoding, method, seed, org) => {
            runs++;
            const s = LOADED[index];
            let body = applyBody(s.body, bOp);
            let headers = { ...s.headers };
            if (idMode !== 'keep') {
              for (const k of ['x-github-delivery', 'x-gitlab-event-uuid', 'x-request-uuid', 'x-request-id', 'x-gitea-delivery', 'x-gogs-delivery']) {
                if (headers[k] === undefined) continue;
                if (idMode === 'drop') delete headers[k];
                else if (idMode === 'empty') headers[k] = '';
                else headers[k] = `fuzz-${runs}-${seed}`;
              }
            }
            // Re-signing after a body mutation yields a validly signed odd payload: parse must cope.
            // org-b: the same body signed with the secret of another organisation's repositories.
            if (resign) headers = signFor(s.provider, headers, body, s.provider === 'github' && org === 'org-b' ? GH_ORG_B_SECRET : TEST_SECRET);
            headers = applyHeaders(headers, hOp);
            const bytes = Buffer.from(body, 'utf8');
            let isBase64Encoded = false;
            if (encoding === 'base64') {
              body = bytes.toString('base64');
              isBase64Encoded = true;
            } else if (encoding === 'lying-base64') isBase64Encoded = true;
            const sentBytes = isBase64Encoded ? Buffer.from(body, 'base64') : bytes;
            const event: APIGatewayProxyEventV2 = {
              ...s.event,
              headers,
              body,
              isBase64Encoded,
              requestContext: { ...s.event.requestContext, http: { ...s.event.requestContext.http, method } },
            };

            const before = enqueued.length;
            const res = await handler(event);
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);

            expect(res.statusCode).toBeLessThan(500);
            const json = JSON.parse(res.body as string) as { status: string };
            expect(['queued', 'duplicate', 'stale', 'ignored', 'refused']).toContain(json.status);
            if (enqueued.length > before) {
              expect(enqueued.length).toBe(before + 1);
              expect(res.statusCode).toBe(202);
              const { push } = enqueued[before];
              expect(carriesValidAuth(push.provider, headers, sentBytes, push.repoUrls)).toBe(true);
              // A replay (same provider, same body, any delivery id) is never a second action.
              const bodyKey = `${push.provider}#${createHash('sha256').update(sentBytes).digest('hex')}`;
              expect(enqueuedBodies.has(bodyKey)).toBe(false);
              enqueuedBodies.add(bodyKey);
              // Nothing unsafe reaches the queue (and so the trail or a terminal).
              for (const v of [push.ref, push.pusher, ...push.repoUrls]) expect(UNSAFE_RE.test(v)).toBe(false);
              for (const c of push.commits) for (const v of [c.message ?? '', c.author ?? '']) expect(UNSAFE_IN_TEXT_RE.test(v)).toBe(false);
              // Never a push whose commit an earlier enqueued push moved the ref on from, unless it continues from or names the head.
              const refKey = `${push.repoUrls[0]}#${push.ref}`;
              const known = refs.get(refKey) ?? { head: '', next: new Map<string, string>() };
              const superseded = known.next.get(push.revision);
              if (!push.deleted && superseded !== undefined && superseded !== push.revision) {
                expect([push.before, push.revision]).toContain(known.head);
              }
              if (push.before && push.before !== push.revision && !push.deleted) known.next.set(push.before, push.revision);
              known.head = push.deleted ? '' : push.revision;
              refs.set(refKey, known);
            }
            if (json.status === 'stale') expect(enqueued.length).toBe(before);
            // Fail closed: a configured secret that cannot be loaded is a 503, never an unsigned accept.
            if (s.provider === 'github') {
              const closedRes = await closed(event);
              closedAnswers++;
              expect(closedEnqueued).toHaveLength(0);
              expect(closedRes.statusCode).toBeLessThanOrEqual(503);
              // What the configured handler verified and accepted, the one whose secret is gone refuses with 503.
              if (enqueued.length > before && enqueued[before].push.provider === 'github') expect(closedRes.statusCode).toBe(503);
            }
          },
        ),
        { numRuns: 10_000, seed: 20250115 },
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    // Let any stray promise settle before checking for unhandled rejections.
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual(10_000);
    // The mutations must reach every answer, or the property proves little.
    for (const code of [200, 202, 400, 401, 405]) expect(statuses.get(code) ?? 0).toBeGreaterThan(0);
    expect(enqueued.length).toBeGreaterThan(100);
    expect(closedAnswers).toBeGreaterThan(100);
    console.log(JSON.stringify({ runs, statuses: Object.fromEntries(statuses), enqueued: enqueued.length }));
    // 10,000 runs against dynalite take ~55 s of CPU: the default 60 s bound is too tight on a
    // busy 2-core CI machine. This is a bound, not a timing assertion.
  }, 600_000);
});
