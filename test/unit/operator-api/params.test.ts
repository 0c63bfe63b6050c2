import { MAX_LIMIT } from '../../../functions/lib/audit/query-plan';
import { apiFixture, type ApiFixture } from './api-fixture';

/**
 * The operator API's input checks (functions/operator-api/params.ts), one malformed input class
 * at a time, through the handler: the answer names the parameter, and nothing reaches the store.
 */
describe('operator API parameters and bodies', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());
  const call: ApiFixture['call'] = (...args) => api.call(...args);

  const refused = (parameter: string, message: string | RegExp) => ({
    status: 400,
    body: { error: 'invalid-parameter', parameter, message: typeof message === 'string' ? message : expect.stringMatching(message) },
  });

  it('reads a valid query as typed values: dates to the start of the day, a large limit capped, empty values absent', async () => {
    const res = await call('GET', '/api/audit', { query: { app: 'guestbook', from: '2024-05-01', to: '2024-05-02T12:00:00Z', limit: '100000', kind: '' } });
    expect(res.status).toBe(200);
    expect(api.queries).toEqual([
      expect.objectContaining({ app: 'guestbook', from: '2024-05-01T00:00:00.000Z', to: '2024-05-02T12:00:00Z', limit: MAX_LIMIT, kind: undefined }),
    ]);
  });

  describe('query parameters', () => {
    it.each([
      ['an unknown parameter', { apps: 'guestbook' }, 'apps', /^unknown parameter "apps"; allowed: app, instance, namespace, kind, from, to/],
      ['an unknown parameter before a bad value', { limit: 'abc', colour: 'red' }, 'colour', /^unknown parameter "colour"/],
      ['a number that is not an integer', { limit: '1.5' }, 'limit', 'limit must be an integer'],
      ['a number below the minimum', { limit: '0' }, 'limit', 'limit must be at least 1'],
      ['a kind that does not exist', { kind: 'app.exploded' }, 'kind', /^kind must be one of: webhook\.received, /],
      ['a date that is not one', { from: 'yesterday' }, 'from', 'from must be a date (yyyy-mm-dd) or an ISO-8601 time'],
      ['a date out of range', { to: '2024-13-45' }, 'to', 'to must be a date (yyyy-mm-dd) or an ISO-8601 time'],
      ['a value over 512 characters', { app: 'a'.repeat(513) }, 'app', 'app is longer than 512 characters'],
      ['a cursor of the wrong shape', { cursor: 'garbage' }, 'cursor', 'cursor is invalid: it was altered, or issued for another query or table'],
    ])('refuses %s on GET /api/audit', async (_what, query, parameter, message) => {
      expect(await call('GET', '/api/audit', { query })).toEqual(refused(parameter, message));
      expect(api.queries).toEqual([]);
    });

    it('refuses a boolean that is not one, and any parameter where a route takes none', async () => {
      expect(await call('GET', '/api/drift', { query: { includeResolved: 'yes' } })).toEqual(
        refused('includeResolved', 'includeResolved must be true or false'),
      );
      expect(await call('GET', '/healthz', { query: { verbose: '1' } })).toEqual(refused('verbose', 'unknown parameter "verbose"; allowed: '));
    });

    it('refuses a missing required parameter, and a required one of the wrong value, naming it', async () => {
      expect(await call('GET', '/api/audit/proof/records', { query: {} })).toEqual(refused('chain', 'chain is required'));
      expect(await call('GET', '/api/audit/digests/part', { query: { hash: 'A'.repeat(64) } })).toEqual(refused('seq', 'seq is required'));
      expect(await call('GET', '/api/audit/digests/part', { query: { seq: '1', hash: 'A'.repeat(64) } })).toEqual(
        refused('hash', 'hash must be 64 lower-case hex digits'),
      );
      expect(await call('GET', '/api/export', { query: { instance: 'prod' } })).toEqual(refused('kind', 'kind is required: applications or projects'));
      expect(await call('GET', '/api/export', { query: { instance: 'prod', kind: 'secrets' } })).toEqual(
        refused('kind', 'kind must be one of: applications, projects'),
      );
      expect(await call('GET', '/api/audit/digests', { query: { from: 'yesterday' } })).toEqual(refused('from', 'from must be "checkpoint" or "all"'));
    });

    it('refuses chain combined with paging on verify', async () => {
      expect(await call('GET', '/api/audit/verify', { query: { chain: 'a,b', limit: '5' } })).toEqual(
        refused('after', 'chain cannot be combined with after/limit'),
      );
    });
  });

  describe('path parameters', () => {
    it('refuses one over 512 characters and one that is not valid percent-encoding', async () => {
      expect(await call('GET', `/api/apps/prod/argocd/${'n'.repeat(513)}`)).toEqual(refused('name', 'name is longer than 512 characters'));
      expect(await call('GET', '/api/apps/prod/%E0%A4%A/guestbook')).toEqual(refused('namespace', 'namespace is not valid percent-encoding'));
    });
  });

  describe('JSON bodies', () => {
    it.each([
      ['a wrong type', '/api/drift/scan', { dryRun: 'yes' }, 'dryRun', 'dryRun must be true or false'],
      ['a list that is not of strings', '/api/drift/scan', { instances: ['prod', 7] }, 'instances', 'instances must be an array of strings'],
      ['an unknown field', '/api/audit/anchor', { checkpoint: true, force: true }, 'force', 'unknown body field "force"; allowed: checkpoint'],
      [
        'a number out of range',
        '/api/apps/prod/argocd/guestbook/rollback',
        { to: 'abc123', waitSeconds: 26 },
        'waitSeconds',
        'waitSeconds must be a number from 0 to 25',
      ],
      ['a missing rollback target', '/api/apps/prod/argocd/guestbook/rollback', { dryRun: true }, 'to', 'to is required: a commit sha or a history id'],
      ['a negative history id', '/api/apps/prod/argocd/guestbook/rollback', { to: -1 }, 'to', 'to is required: a commit sha or a history id'],
      ['a string where an array belongs', '/api/import', { instance: 'prod', projects: 'all' }, 'projects', 'projects must be an array'],
      ['a reason that is not a string', '/api/apps/prod/argocd/guestbook/clear-flapping', { reason: 5 }, 'reason', 'reason must be a string'],
      ['a token that is not a string', '/api/audit/backfill-index', { resume: 5 }, 'resume', 'resume must be the token of an earlier call'],
      ['an expect that is a list', '/api/dr/check', { instance: 'prod', expect: [] }, 'expect', 'expect must be an object with projects and/or applications'],
      [
        'an unknown field inside expect',
        '/api/dr/check',
        { instance: 'prod', expect: { secrets: [] } },
        'expect.secrets',
        /^unknown body field "secrets"; allowed: projects, applications$/,
      ],
    ])('refuses %s', async (_what, path, body, parameter, message) => {
      expect(await call('POST', path, { body: JSON.stringify(body) })).toEqual(refused(parameter, message));
      expect(api.audit().records()).toEqual([]);
    });

    it('checks access first: a malformed request the access check refuses is a 403, audited, as before', async () => {
      // An import names its instance; an empty one is no instance any rule covers.
      const res = await call('POST', '/api/import', { body: JSON.stringify({ instance: '', colour: 'red' }) });
      expect(res).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect(
        api
          .audit()
          .records()
          .map((r) => r.kind),
      ).toEqual(['access.denied']);
    });

    it('refuses a body that is not a JSON object, and a missing one where a route needs it', async () => {
      expect(await call('POST', '/api/audit/anchor', { body: '{"checkpoint":' })).toEqual(refused('body', 'body is not valid JSON'));
      expect(await call('POST', '/api/audit/anchor', { body: '[true]' })).toEqual(refused('body', 'body must be a JSON object'));
      expect(await call('POST', '/api/import')).toEqual(refused('body', 'a JSON object body is required'));
    });

    it('takes null as absent, as before', async () => {
      // Valid input reaches the route: anchoring is not configured here, which is a 501, not a 400.
      expect(await call('POST', '/api/audit/anchor', { body: JSON.stringify({ checkpoint: null }) })).toMatchObject({
        status: 501,
        body: { error: 'anchor-not-configured' },
      });
    });
  });
});
