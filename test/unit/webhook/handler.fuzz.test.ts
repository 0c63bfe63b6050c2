import { createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '../../../functions/lib/config/index';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { createWebhookHandler } from '../../../functions/webhook/handler';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { loadEvent, sample, signFor, TEST_AZURE_USER, TEST_BITBUCKET_UUID, TEST_ENV, TEST_SECRET } from '../providers/fixtures';
import { InMemoryPersistenceLayer } from './in-memory-persistence';

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
  fc.record({ kind: fc.constant('replace-body' as const), body: fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.constant(''), fc.constant('payload=%7B')) }),
  fc.record({
    kind: fc.constant('set-field' as const),
    key: fc.constantFrom('ref', 'after', 'before', 'commits', 'repository', 'project', 'push', 'changes', 'resource', 'eventType', 'object_kind', 'pusher', 'id', 'deleted', 'total_commits_count'),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('refs/heads/ü/🚀', 'refs/heads/../x', 'refs/notes/x', 'refs/tags/', '0'.repeat(40), 'f'.repeat(64), 'refs/heads/a.lock', null),
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
    value: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('sha256=', `sha256=${'0'.repeat(64)}`, 'push', 'ping', 'Basic Og==', 'repo:push', 'System Hook', 'application/x-www-form-urlencoded')),
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

/** Independent check (not the code under test) that a request carried valid credentials for `provider`. */
function carriesValidAuth(provider: string, rawHeaders: Record<string, string>, body: Buffer): boolean {
  const h = Object.fromEntries(Object.entries(rawHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const mac = createHmac('sha256', TEST_SECRET).update(body).digest('hex');
  const eq = (a: string | undefined, b: string) => a !== undefined && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  switch (provider) {
    case 'github':
      return eq(h['x-hub-signature-256']?.toLowerCase(), `sha256=${mac}`);
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
      if (h['x-hub-signature'] !== undefined) return eq(h['x-hub-signature'].toLowerCase(), `sha256=${createHmac('sha256', TEST_BITBUCKET_UUID).update(body).digest('hex')}`);
      return h['x-hook-uuid']?.trim().replace(/^\{|\}$/g, '').toLowerCase() === TEST_BITBUCKET_UUID.replace(/[{}]/g, '');
    case 'azure-devops':
      return /^basic /i.test(h.authorization ?? '') && Buffer.from(h.authorization.trim().slice(6).trim(), 'base64').toString() === `${TEST_AZURE_USER}:${TEST_SECRET}`;
    default:
      return false;
  }
}

describe('webhook handler (property-based)', () => {
  it('never answers 5xx, never rejects, and never enqueues an unverified request over 10,000 mutated deliveries', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const enqueued: PushMessage[] = [];
    const handler = createWebhookHandler({
      config: loadConfig({ ...TEST_ENV, SENTINEL_MAX_BODY_BYTES: String(512 * 1024) }),
      secrets: new EnvSecretsProvider(TEST_ENV),
      queue: { enqueue: async (m) => void enqueued.push(m) },
      auditStore: new InMemoryAuditStore(),
      idempotency: new InMemoryPersistenceLayer(),
    });
    const statuses = new Map<number, number>();
    let runs = 0;

    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: LOADED.length - 1 }),
          bodyOp,
          headerOp,
          fc.boolean(),
          fc.constantFrom('keep', 'fresh', 'fresh', 'drop'),
          fc.constantFrom('plain', 'plain', 'plain', 'base64', 'lying-base64'),
          fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'post'),
          fc.nat(),
          async (index, bOp, hOp, resign, idMode, encoding, method, seed) => {
            runs++;
            const s = LOADED[index];
            let body = applyBody(s.body, bOp);
            let headers = { ...s.headers };
            if (idMode !== 'keep') {
              for (const k of ['x-github-delivery', 'x-gitlab-event-uuid', 'x-request-uuid', 'x-request-id', 'x-gitea-delivery', 'x-gogs-delivery']) {
                if (headers[k] === undefined) continue;
                if (idMode === 'drop') delete headers[k];
                else headers[k] = `fuzz-${runs}-${seed}`;
              }
            }
            // Re-signing after a body mutation yields a validly signed odd payload: parse must cope.
            if (resign) headers = signFor(s.provider, headers, body);
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
            expect(['queued', 'duplicate', 'ignored', 'refused']).toContain(json.status);
            if (enqueued.length > before) {
              expect(enqueued.length).toBe(before + 1);
              expect(res.statusCode).toBe(202);
              expect(carriesValidAuth(enqueued[before].push.provider, headers, sentBytes)).toBe(true);
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
    console.log(JSON.stringify({ runs, statuses: Object.fromEntries(statuses), enqueued: enqueued.length }));
  });
});
