/**
 * ApplicationSet forward benchmark (issue 15 item 6). In one run:
 * 1. the webhook function's extra work per push (`captureForApplicationSets`: gzip level 1 +
 *    SHA-256 of the raw body) for the sample payloads and synthetic GitHub pushes of growing size,
 *    the carried size, and whether the whole queue message still fits SQS (250,000 bytes);
 * 2. `receivePush` per push with and without an ApplicationSet webhook configured (in-memory
 *    ledger and audit store, the message serialised as SQS would get it), p50/p99;
 * 3. the sync worker's forward over HTTP to simulated ApplicationSet webhooks (3 instances), claims
 *    and records in dynalite: per-push latency p50/p99 and forwards per second.
 *
 * Prints one JSON object on its last line. Run: `npx tsx bench/appset-forward.bench.ts`
 * (env `BENCH_PUSHES` (300), `BENCH_FORWARD_PUSHES` (200) to vary).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApplicationSetForwarder, captureForApplicationSets } from '../functions/lib/appset';
import { DynamoDBAuditStore } from '../functions/lib/audit/dynamodb-audit-store';
import { loadConfig, type InstanceConfig } from '../functions/lib/config/index';
import { receivePush } from '../functions/lib/intake/index';
import { hmacSha256Hex } from '../functions/lib/providers/signatures';
import { MAX_MESSAGE_BYTES, serializePushMessage } from '../functions/lib/queue/message';
import type { PushMessage } from '../functions/lib/queue/types';
import { EnvSecretsProvider } from '../functions/lib/secrets/env-secrets-provider';
import { ActionLedger } from '../functions/lib/sync/action-ledger';
import { startAppSetWebhook } from '../local/argocd-sim';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { InMemoryAuditStore } from '../test/helpers/in-memory-audit-store';
import { InMemoryDeliveryLedgerStore } from '../test/helpers/in-memory-delivery-ledger-store';
import { percentile } from './stats';

const PUSHES = Number(process.env.BENCH_PUSHES ?? 300);
const FORWARD_PUSHES = Number(process.env.BENCH_FORWARD_PUSHES ?? 200);
const SECRET = 'bench-webhook-secret';
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const sample = (name: string) => (JSON.parse(readFileSync(join(__dirname, '../events/webhook', `${name}.json`), 'utf8')) as { body: string }).body;
const headers = { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/abc', 'x-github-event': 'push' };

/** A GitHub push to acme/web with `commits` commits of `files` paths each (GitHub lists at most 20 commits; big bodies come from many files). */
function githubPush(commits: number, files: number, n = 0): string {
  const sha = (i: number) => (i.toString(16) + n.toString(16)).padEnd(40, 'a').slice(0, 40);
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: sha(0),
    after: sha(commits),
    repository: { html_url: 'https://github.com/acme/web', clone_url: 'https://github.com/acme/web.git', default_branch: 'main' },
    pusher: { name: 'dev', email: 'dev@example.com' },
    commits: Array.from({ length: commits }, (_, c) => ({
      id: sha(c + 1),
      message: `change ${c} of push ${n}: bump the image tag of every service in the monorepo`,
      timestamp: '2026-11-29T10:00:00Z',
      author: { name: 'dev', email: 'dev@example.com', username: 'dev' },
      added: [],
      removed: [],
      modified: Array.from({ length: files }, (_, f) => `apps/team-${f % 40}/service-${f}/overlays/prod/kustomization.yaml`),
    })),
  });
}

function instance(name: string, url: string): InstanceConfig {
  return {
    name,
    server: 'https://argocd.example.com',
    token: { env: 'T' },
    insecure: false,
    namespace: 'argocd',
    applicationSetWebhook: { url, secrets: { github: { env: 'APPSET' } } },
  };
}

function capture(): Record<string, unknown> {
  const instances = [instance('prod', 'https://appset.example.com/api/webhook')];
  const bodies: Record<string, string> = {
    'github-sample (ArgoCD test data)': sample('github-push'),
    'gitlab-sample': sample('gitlab-push'),
    '20 commits x 20 files': githubPush(20, 20),
    '20 commits x 200 files': githubPush(20, 200),
    '20 commits x 2,000 files': githubPush(20, 2_000),
    '20 commits x 10,000 files': githubPush(20, 10_000),
  };
  const out: Record<string, unknown> = {};
  for (const [name, body] of Object.entries(bodies)) {
    const bytes = Buffer.from(body);
    const times: number[] = [];
    let payload = captureForApplicationSets('github', bytes, headers, ['https://github.com/acme/web'], instances)!;
    const runs = bytes.length > 1_000_000 ? 20 : 200;
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      payload = captureForApplicationSets('github', bytes, headers, ['https://github.com/acme/web'], instances)!;
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    const push = {
      provider: 'github',
      deliveryId: randomUUID(),
      repoUrls: ['https://github.com/acme/web'],
      revision: 'a'.repeat(40),
      ref: 'refs/heads/main',
      isTag: false,
      touchedHead: true,
      deleted: false,
      changedFiles: null,
      pusher: 'dev',
      commits: [],
    } as unknown as PushMessage['push'];
    const message = JSON.parse(serializePushMessage({ push, receivedAt: new Date().toISOString(), appset: payload })) as PushMessage;
    out[name] = {
      bodyBytes: bytes.length,
      carriedBase64Bytes: payload.bodyGzip!.length,
      ratio: round(bytes.length / payload.bodyGzip!.length, 2),
      captureMsP50: round(percentile(times, 50), 3),
      captureMsP99: round(percentile(times, 99), 3),
      fitsInMessage: !message.appset?.dropped,
    };
  }
  return { maxMessageBytes: MAX_MESSAGE_BYTES, bodies: out };
}

async function receiveLatency(): Promise<Record<string, unknown>> {
  const run = async (withAppset: boolean) => {
    const env = { GITHUB_WEBHOOK_SECRET: SECRET, T: 't', APPSET: 'a' };
    const config = loadConfig(env);
    if (withAppset)
      config.instances = [instance('prod', 'https://appset.example.com/api/webhook'), instance('eu', 'https://appset-eu.example.com/api/webhook')];
    const deps = {
      config,
      secrets: new EnvSecretsProvider(env),
      queue: { enqueue: async (m: PushMessage) => void serializePushMessage(m) },
      auditStore: new InMemoryAuditStore(),
      ledger: new InMemoryDeliveryLedgerStore(),
    };
    const times: number[] = [];
    for (let i = 0; i < PUSHES; i++) {
      const body = githubPush(20, 20, i);
      const h = { ...headers, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${hmacSha256Hex(SECRET, body)}` };
      const t = process.hrtime.bigint();
      await receivePush({ rawBody: body, headers: h }, deps);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3) };
  };
  // Warm-up, then the two in the same run.
  await run(false);
  const without = await run(false);
  const withAppset = await run(true);
  return { pushes: PUSHES, body: '20 commits x 20 files', withoutApplicationSetWebhook: without, withTwoApplicationSetWebhooks: withAppset };
}

async function forward(): Promise<Record<string, unknown>> {
  const dynamo = await startEmbeddedDynamo();
  const client = localDynamoClient(dynamo.endpoint);
  const tables = await ensureTables(client, `bench-appset-${randomUUID().slice(0, 8)}`);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const hooks = await Promise.all([0, 1, 2].map(() => startAppSetWebhook()));
  hooks.forEach((h) => h.receiver.setSecrets({ github: 'appset-secret' }));
  const instances = hooks.map((h, i) => instance(`i${i}`, h.url));
  const forwarder = new ApplicationSetForwarder({
    instances,
    secrets: new EnvSecretsProvider({ APPSET: 'appset-secret' }),
    ledger: new ActionLedger({ doc, tableName: tables.state }),
    auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger: {} }),
    backoffMs: 50,
  });
  const messages = Array.from({ length: FORWARD_PUSHES }, (_, i) => {
    const body = Buffer.from(githubPush(20, 20, i));
    const push = {
      provider: 'github',
      deliveryId: randomUUID(),
      repoUrls: ['https://github.com/acme/web'],
      revision: 'a'.repeat(40),
      ref: 'refs/heads/main',
      pusher: 'dev',
    } as unknown as PushMessage['push'];
    return { push, receivedAt: new Date().toISOString(), appset: captureForApplicationSets('github', body, headers, push.repoUrls, instances) };
  });
  const times: number[] = [];
  const started = Date.now();
  // Ten at a time, as a worker batch runs its records in parallel.
  for (let i = 0; i < messages.length; i += 10) {
    await Promise.all(
      messages.slice(i, i + 10).map(async (m) => {
        const t = process.hrtime.bigint();
        const r = await forwarder.forward(m, { receiveCount: 1, maxReceiveCount: 3 });
        if (r.some((x) => x.status !== 'forwarded')) throw new Error(`not forwarded: ${JSON.stringify(r)}`);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }),
    );
  }
  const elapsed = (Date.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const received = hooks.map((h) => h.receiver.deliveries.filter((d) => d.accepted).length);
  await Promise.all(hooks.map((h) => h.close()));
  client.destroy();
  await dynamo.close();
  return {
    pushes: FORWARD_PUSHES,
    instances: hooks.length,
    acceptedPerInstance: received,
    perPushMsP50: round(percentile(times, 50)),
    perPushMsP99: round(percentile(times, 99)),
    forwardsPerSecond: round((FORWARD_PUSHES * hooks.length) / elapsed),
    note: 'claim + complete in dynalite, one audit append, one HTTP POST per instance; 10 pushes in parallel',
  };
}

async function main(): Promise<void> {
  const figures = { capture: capture(), receivePush: await receiveLatency(), forward: await forward() };
  console.log(JSON.stringify({ benchmark: 'appset-forward', node: process.version, cpus: cpus().length, ...figures }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
