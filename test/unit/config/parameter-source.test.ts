import { gzipSync } from 'node:zlib';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../../functions/lib/config';
import { ParameterConfigSource } from '../../../functions/lib/config/parameter-source';
import { createOperatorApiHandler, withOperatorDeps, type OperatorEvent } from '../../../functions/operator-api/handler';
import { deployedCoreDeps } from '../../../functions/lib/runtime/core-deps';
import { createTestTables } from '../../helpers/dynamo';

const ssm = mockClient(SSMClient);
const T0 = new Date('2024-06-01T12:00:00.000Z');

function answer(value: string, version: number) {
  ssm.on(GetParameterCommand, { Name: '/sentinel/config' }).resolves({ Parameter: { Name: '/sentinel/config', Value: value, Version: version } });
}

const policy = (actions: string[]) =>
  JSON.stringify({ access: { rules: [{ principals: ['arn:aws:iam::123456789012:role/payments-*'], projects: ['payments'], actions }] } });

beforeEach(() => {
  ssm.reset();
  jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask', 'clearTimeout', 'clearInterval'] });
});
afterEach(() => jest.useRealTimers());

describe('ParameterConfigSource (Powertools Parameters, SSM mocked with aws-sdk-client-mock)', () => {
  it('validates the value, keeps it for maxAge, then reads the new version', async () => {
    answer(policy(['read']), 1);
    const source = new ParameterConfigSource({ name: '/sentinel/config', maxAgeSeconds: 60, env: {}, client: new SSMClient({ region: 'eu-west-1' }) });
    const first = await source.current();
    expect(first.version).toBe('1');
    expect(first.config.access.rules?.[0]?.actions).toEqual(['read']);
    answer(policy(['read', 'rollback']), 2);
    await source.current();
    jest.setSystemTime(new Date(T0.getTime() + 59_000));
    expect((await source.current()).version).toBe('1');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    jest.setSystemTime(new Date(T0.getTime() + 61_000));
    const second = await source.current();
    expect(second.version).toBe('2');
    expect(second.hash).not.toBe(first.hash);
    expect(second.config.access.rules?.[0]?.actions).toEqual(['read', 'rollback']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('reads a gzipped value (how the CDK app stores large configurations)', async () => {
    answer(`gz:${gzipSync(Buffer.from(policy(['admin']))).toString('base64')}`, 7);
    const source = new ParameterConfigSource({ name: '/sentinel/config', env: {}, client: new SSMClient({ region: 'eu-west-1' }) });
    expect((await source.current()).config.access.rules?.[0]?.actions).toEqual(['admin']);
  });

  it('refuses a bad value at the first read, and keeps the last good one after', async () => {
    answer(JSON.stringify({ access: { rules: [{ principals: ['x'], projects: [], actions: ['read'] }] } }), 1);
    const bad = new ParameterConfigSource({ name: '/sentinel/config', maxAgeSeconds: 1, env: {}, client: new SSMClient({ region: 'eu-west-1' }) });
    await expect(bad.current()).rejects.toMatchObject({ name: 'ConfigError', key: 'access.rules.0.projects' });

    answer(policy(['read']), 2);
    const refused: ConfigError[] = [];
    const source = new ParameterConfigSource({
      name: '/sentinel/config',
      maxAgeSeconds: 1,
      env: {},
      client: new SSMClient({ region: 'eu-west-1' }),
      onInvalid: (e) => refused.push(e),
    });
    const good = await source.current();
    answer(JSON.stringify({ acces: {} }), 3);
    jest.setSystemTime(new Date(T0.getTime() + 2_000));
    expect(await source.current()).toBe(good);
    expect(refused.map((e) => e.key)).toEqual(['acces']);
  });
});

describe('deployed operator API with its configuration in Parameter Store', () => {
  const saved = { ...process.env };
  let env: Record<string, string>;
  let t: Awaited<ReturnType<typeof createTestTables>>;

  beforeAll(async () => {
    t = await createTestTables('param');
    // The deployed clients take credentials from the process environment; dynalite accepts any.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    env = {
      SENTINEL_CONFIG_PARAMETER: '/sentinel/config',
      SENTINEL_CONFIG_MAX_AGE_SECONDS: '30',
      SENTINEL_TABLE_PREFIX: t.prefix,
      DYNAMODB_ENDPOINT: t.endpoint,
      AWS_REGION: 'eu-west-1',
    };
  });
  afterAll(() => {
    process.env = saved;
    t.client.destroy();
  });

  const event = (principal: string): OperatorEvent =>
    ({
      rawPath: '/api/audit',
      requestContext: { http: { method: 'GET', path: '/api/audit' }, authorizer: { iam: { userArn: principal } } },
      headers: {},
    }) as unknown as OperatorEvent;
  const alice = 'arn:aws:sts::123456789012:assumed-role/payments-oncall/alice';

  it('applies a changed policy within the refresh interval, without a deploy, and audits config.changed once per version', async () => {
    answer(policy(['rollback']), 1);
    // Two instances of the function, as Lambda would run them.
    const a = createOperatorApiHandler(deployedCoreDeps('operator-api', env, withOperatorDeps));
    const b = createOperatorApiHandler(deployedCoreDeps('operator-api', env, withOperatorDeps));
    expect((await a(event(alice))).statusCode).toBe(403);
    expect((await b(event(alice))).statusCode).toBe(403);

    answer(policy(['read']), 2);
    jest.setSystemTime(new Date(T0.getTime() + 10_000));
    expect((await a(event(alice))).statusCode).toBe(403);
    jest.setSystemTime(new Date(T0.getTime() + 31_000));
    const now = await a(event(alice));
    expect(now.statusCode).toBe(200);
    expect((await b(event(alice))).statusCode).toBe(200);

    const admin = createOperatorApiHandler(deployedCoreDeps('operator-api', { ...env, SENTINEL_CONFIG_PARAMETER: '/sentinel/other' }, withOperatorDeps));
    ssm.on(GetParameterCommand, { Name: '/sentinel/other' }).resolves({ Parameter: { Value: '{}', Version: 1 } });
    const trail = JSON.parse(
      (
        await admin({
          ...event('arn:aws:iam::123456789012:role/admin'),
          queryStringParameters: { kind: 'config.changed', from: '2024-06-01' },
        })
      ).body as string,
    );
    const changes = trail.items.filter((r: { details: { parameter: string } }) => r.details.parameter === '/sentinel/config');
    expect(changes.map((r: { details: { version: string } }) => r.details.version).sort()).toEqual(['1', '2']);
    expect(changes.every((r: { actor: string }) => r.actor === 'function:operator-api')).toBe(true);
    const denied = JSON.parse(
      (await admin({ ...event('arn:aws:iam::123456789012:role/admin'), queryStringParameters: { kind: 'access.denied', from: '2024-06-01' } })).body as string,
    );
    expect(denied.items).toHaveLength(3);
    expect(denied.items[0]).toMatchObject({ actor: alice, outcome: 'refused', message: expect.stringContaining(`${alice} may not read in any project`) });
  });
});
