import fc from 'fast-check';
import { OPERATOR_ROUTES } from '../../../functions/operator-api/routes';
import { apiFixture, type ApiFixture } from './api-fixture';

/** Every query parameter and body field some route takes, so generated input often hits a real one. */
const NAMES = [
  ...['app', 'instance', 'namespace', 'kind', 'from', 'to', 'delivery', 'revision', 'limit', 'cursor', 'chain', 'after', 'digests', 'seq', 'hash'],
  ...['fromSeq', 'includeResolved', 'offset', 'snapshot', 'checkpoint', 'resume', 'dryRun', 'instances', 'prune', 'disableAutoSync'],
  ...['waitSeconds', 'reason', 'projects', 'applications', 'expect', 'checkId', '__proto__', 'constructor', 'toString'],
];
const key = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 }));
const queryValue = fc.oneof(
  fc.string(),
  fc.stringMatching(/^-?\d{1,25}$/),
  fc.constantFrom('', 'true', '0', 'yes', '2024-05-01', '2024-02-30', '2024-05-01T10:00:00Z', 'checkpoint', 'applications', 'a.b', 'a'.repeat(64)),
  fc.string({ minLength: 510, maxLength: 515 }),
);

/** A route's path with its parameters filled in. */
const pathOf = (path: string) => path.replace('{instance}', 'prod').replace('{namespace}', 'argocd').replace('{name}', 'guestbook');

/**
 * Whatever the query or body, the operator API answers with one of its statuses, never a 500,
 * and a 400 names a parameter in one line: nothing but our own errors escapes the schemas.
 */
describe('operator API input (property)', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());

  const answered = (res: { status: number; body: { error?: string; parameter?: string; message?: string } }) => {
    expect(res.status).not.toBe(500);
    if (res.status === 400) {
      expect(res.body).toMatchObject({ error: 'invalid-parameter', parameter: expect.any(String), message: expect.any(String) });
      expect(res.body.message).not.toMatch(/[\r\n]|\bat .+:\d+:\d+/);
    }
  };

  it.each(OPERATOR_ROUTES.filter((r) => r.method === 'GET').map((r) => [r.path]))('GET %s: any query', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, queryValue, { maxKeys: 4 }), async (query) => {
        answered(await api.call('GET', pathOf(path), { query }));
      }),
      { numRuns: 60 },
    );
  });

  it.each(OPERATOR_ROUTES.filter((r) => r.method === 'POST').map((r) => [r.path]))('POST %s: any JSON body', async (path) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.jsonValue({ maxDepth: 2 })), async (body) => {
        answered(await api.call('POST', pathOf(path), { body: JSON.stringify(body) }));
      }),
      { numRuns: 60 },
    );
  });
});
