/**
 * The deployed artifacts, run: each function is bundled with the deployed esbuild options
 * (ESM, minified, `require` banner, AWS SDK external) and its `handler` is imported in a
 * fresh Node process with a Lambda-like environment, against the test run's dynalite and
 * an ArgoCD simulator. Catches what a source-level test cannot: a dependency that breaks
 * when bundled or minified, a missing external, module-scope code that throws on cold start.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { serializePushMessage } from '../../functions/lib/queue/message';
import { parse as parseGithub } from '../../functions/lib/providers/github';
import type { PushEvent } from '../../functions/lib/providers/types';
import { bundleFunction } from '../../infra/bundle-report';
import { REPO_ROOT, type FunctionName } from '../../infra/bundling';
import { startArgoCDSimulator, type StartedArgoCDSimulator } from '../../local/argocd-sim';
import { createTestTables } from '../helpers/dynamo';

const SAMPLE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/webhook/github-push.json'), 'utf8')) as { headers: Record<string, string>; body: string };
const REPO = (JSON.parse(SAMPLE.body) as { repository: { clone_url: string } }).repository.clone_url;
const GITHUB_SECRET = 'bundled-webhook-secret';

/** Imports a bundle in a new process and calls `handler(event, context)`; answers its result. */
function invoke(file: string, env: Record<string, string>, event: unknown): Promise<unknown> {
  const script = `
    const { handler } = await import(process.env.BUNDLE_FILE);
    const context = { functionName: 'bundled-test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30000 };
    const result = await handler(JSON.parse(process.env.BUNDLE_EVENT), context);
    process.stdout.write('\\nRESULT ' + JSON.stringify(result ?? null) + '\\n');`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      // Only what Lambda would give the function (plus PATH), so the developer's shell cannot leak in.
      {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          ...env,
          BUNDLE_FILE: file,
          BUNDLE_EVENT: JSON.stringify(event),
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (error || !line)
          return reject(new Error(`bundle ${path.basename(path.dirname(file))} failed: ${error?.message ?? 'no result'}\n${stderr}\n${stdout}`));
        resolve(JSON.parse(line.slice('RESULT '.length)));
      },
    );
  });
}

describe('bundled handlers (the deployed artifacts, run)', () => {
  let sim: StartedArgoCDSimulator;
  let tables: Awaited<ReturnType<typeof createTestTables>>;
  const files = {} as Record<FunctionName, string>;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startArgoCDSimulator({ seed: { apps: [{ name: 'bundled-app', source: { repoURL: REPO, path: '.', targetRevision: 'master' } }] } });
    tables = await createTestTables('bundled');
    for (const name of ['webhook', 'sync-worker', 'operator-api'] as const) files[name] = (await bundleFunction(name)).file;
    env = {
      SENTINEL_TABLE_PREFIX: tables.prefix,
      ARGOCD_AUTH_TOKEN: sim.token,
      SENTINEL_CONFIG_JSON: JSON.stringify({
        instances: [{ name: 'default', server: sim.url, token: { env: 'ARGOCD_AUTH_TOKEN' } }],
        webhook: { secrets: { github: { env: 'GITHUB_SECRET' } } },
        storage: { dynamodbEndpoint: tables.endpoint, tablePrefix: tables.prefix },
      }),
      GITHUB_SECRET,
    };
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    tables?.client.destroy();
  });

  it('sync-worker: refreshes the matching app in ArgoCD and reports no failures', async () => {
    const push: PushEvent = { ...(parseGithub(SAMPLE.body, SAMPLE.headers) as PushEvent), deliveryId: randomUUID() };
    const body = serializePushMessage({ push, receivedAt: new Date().toISOString() });
    const now = String(Date.now());
    const record = {
      messageId: randomUUID(),
      receiptHandle: 'rh',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'local', ApproximateFirstReceiveTimestamp: now },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:gitops-sentinel-push',
      awsRegion: 'us-east-1',
    };
    const before = sim.sim.requestsTo('GET', '/api/v1/applications/bundled-app').length;

    const result = await invoke(files['sync-worker'], env, { Records: [record] });

    expect(result).toEqual({ batchItemFailures: [] });
    const refreshes = sim.sim.requestsTo('GET', '/api/v1/applications/bundled-app').slice(before);
    expect(refreshes.map((r) => r.query.refresh)).toEqual(['normal']);
  });

  it('webhook: refuses a wrong signature with 401 and accepts nothing', async () => {
    const headers = {
      ...SAMPLE.headers,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', 'wrong').update(SAMPLE.body).digest('hex')}`,
    };
    const event = {
      version: '2.0',
      routeKey: 'POST /api/webhook',
      rawPath: '/api/webhook',
      rawQueryString: '',
      headers,
      body: SAMPLE.body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/api/webhook', sourceIp: '127.0.0.1' }, requestId: 'r', timeEpoch: Date.now() },
    };

    const result = (await invoke(files.webhook, { ...env, SENTINEL_QUEUE_URL: 'http://127.0.0.1:9/queue' }, event)) as { statusCode: number; body: string };

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ error: expect.any(String) });
    expect(result.body).not.toContain(GITHUB_SECRET);
  });

  it('operator-api: lists the apps it reads from ArgoCD', async () => {
    const event = {
      version: '2.0',
      routeKey: 'GET /api/apps',
      rawPath: '/api/apps',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/api/apps', sourceIp: '127.0.0.1' },
        requestId: 'r',
        timeEpoch: Date.now(),
        authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
      },
    };

    const result = (await invoke(files['operator-api'], env, event)) as { statusCode: number; body: string };

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      instances: [{ name: 'default', reachable: true, apps: [expect.objectContaining({ name: 'bundled-app' })] }],
    });
  });
});
