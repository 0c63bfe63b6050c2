/**
 * Issue 11's "done when", on the local stack: pushes, `sentinel audit anchor`, stop; an attacker
 * with the embedded DynamoDB edits a record and re-hashes its chain, and deletes the newest
 * record of another chain; start again: `audit verify` exits 2 naming both, and so does
 * `audit verify --offline` on an exported proof.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EXIT, run } from '../../cli/main';
import { localDynamoClient, startEmbeddedDynamo, tableNames } from '../../local/dynamo';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../helpers/argocd-sim';
import { postGitHubPush } from '../helpers/github-push';
import { deleteNewest, rewriteAndRehash } from '../helpers/audit-attacker';

const SECRET = 'anchor-flow-secret';
const REPO = 'https://github.com/jessesuen/test-repo.git';
const BODY = JSON.parse(readFileSync(join(__dirname, '../../events/webhook/github-push.json'), 'utf8')).body as string;
const AFTER = JSON.parse(BODY).after as string;
const PREFIX = `anchorflow-${randomUUID().slice(0, 8)}`;
const REFRESHED = 'app#default#argocd#test-repo';
const SYNCED = 'app#default#argocd#test-repo-sop';

const tmp = mkdtempSync(join(tmpdir(), 'sentinel-anchor-'));
const dataDir = join(tmp, 'data');

function start(): Promise<LocalStack> {
  return startLocalStack({
    env: { GITHUB_WEBHOOK_SECRET: SECRET, SENTINEL_TABLE_PREFIX: PREFIX },
    port: 0,
    dataDir,
    anchorDir: tmp,
    tokenFile: join(tmp, 'local-token'),
    // Parts of 300 bytes (two heads each), so checkpoints are split and the API path for big
    // digests (digests from the checkpoint, parts one by one) is what export-proof goes through.
    anchorRunOptions: { maxPartBytes: 300 },
    simulatorSyncMs: 10,
    simulatorSeed: {
      instances: {
        default: {
          apps: [
            { name: 'test-repo', source: { repoURL: REPO, path: '.', targetRevision: 'master' } },
            {
              name: 'test-repo-sop',
              annotations: { 'gitops-sentinel/sync-on-push': 'true' },
              source: { repoURL: 'git@github.com:jessesuen/test-repo', path: 'deploy', targetRevision: 'HEAD' },
            },
          ],
        },
      },
    },
  });
}

function push(stack: LocalStack, body: string) {
  return postGitHubPush(stack.url, body, SECRET, randomUUID());
}

async function cli(stack: LocalStack, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: { SENTINEL_API_URL: stack.url, SENTINEL_TOKEN: stack.token },
  });
  return { code, out: out.join(''), err: err.join('') };
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('signed, anchored audit digests on the local stack (issue 11, done when)', () => {
  it('reports an edited-and-rehashed chain and a deleted newest record, online and offline', async () => {
    // Pushes: two different commits, each refreshing test-repo and syncing test-repo-sop.
    let stack = await start();
    try {
      for (const sha of [AFTER, 'f'.repeat(40)]) {
        expect((await push(stack, BODY.split(AFTER).join(sha))).status).toBe(202);
      }
      await waitFor(
        async () =>
          (await stack.deps.auditStore.query({ app: 'test-repo-sop' })).items.length >= 2 &&
          (await stack.deps.auditStore.query({ app: 'test-repo' })).items.length >= 2,
        'two records in each app chain',
        20_000,
      );
      await stack.queue.drain();

      const anchored = await cli(stack, 'audit', 'anchor');
      expect(anchored).toMatchObject({ code: EXIT.ok });
      expect(anchored.out).toMatch(/^digest 0 \(checkpoint\) .* new record\(s\)/);
      // The on-demand anchor is audited with the caller.
      expect((await stack.deps.auditStore.query({ kind: 'audit.anchored' })).items).toEqual([
        expect.objectContaining({ actor: stack.adminPrincipal, outcome: 'success', details: expect.objectContaining({ seq: 0, kind: 'checkpoint' }) }),
      ]);
      const clean = await cli(stack, 'audit', 'verify');
      expect(clean.code).toBe(EXIT.ok);
      expect(clean.out).toMatch(/^OK: /);
      // A proof exported now verifies offline.
      const before = join(tmp, 'proof-before');
      expect((await cli(stack, 'audit', 'export-proof', before)).code).toBe(EXIT.ok);
      expect((await cli(stack, 'audit', 'verify', '--offline', before)).code).toBe(EXIT.ok);
    } finally {
      await stack.close();
    }
    // A clean shutdown anchors once more.
    expect(readdirSync(join(tmp, 'anchors', 'digests')).length).toBeGreaterThanOrEqual(2);

    // The attacker, with the embedded DynamoDB's files and the project's own hash-chain code.
    const dynamo = await startEmbeddedDynamo({ path: dataDir });
    const client = localDynamoClient(dynamo.endpoint);
    try {
      const doc = DynamoDBDocumentClient.from(client);
      const table = tableNames(PREFIX).audit;
      await rewriteAndRehash(doc, table, REFRESHED, 0, (r) => ({ ...r, message: 'nothing to see here' }));
      await deleteNewest(doc, table, SYNCED);
    } finally {
      client.destroy();
      await dynamo.close();
    }

    stack = await start();
    try {
      // One chain per request: the CLI pages through the API and merges the pages.
      const online = await cli(stack, 'audit', 'verify', '--page', '1');
      expect(online.code).toBe(EXIT.finding);
      expect(online.out).toMatch(/^BROKEN: 2 break\(s\)/);
      expect(online.out).toMatch(new RegExp(`${REFRESHED}.*anchor-mismatch`));
      expect(online.out).toMatch(new RegExp(`${SYNCED}.*anchor-truncated`));
      const json = JSON.parse((await cli(stack, 'audit', 'verify', '--json')).out) as { breaks: Array<{ chain: string; reason: string }> };
      expect(json.breaks.map((b) => [b.chain, b.reason])).toEqual(
        expect.arrayContaining([
          [REFRESHED, 'anchor-mismatch'],
          [SYNCED, 'anchor-truncated'],
        ]),
      );

      const proof = join(tmp, 'proof-after');
      const exported = await cli(stack, 'audit', 'export-proof', proof);
      expect(exported.code).toBe(EXIT.ok);
      const offline = await cli(stack, 'audit', 'verify', '--offline', proof, '--json');
      expect(offline.code).toBe(EXIT.finding);
      const offlineBreaks = (JSON.parse(offline.out) as { breaks: Array<{ chain: string; reason: string }> }).breaks.map((b) => [b.chain, b.reason]);
      expect(offlineBreaks).toEqual(
        expect.arrayContaining([
          [REFRESHED, 'anchor-mismatch'],
          [SYNCED, 'anchor-truncated'],
        ]),
      );
      // The app filter exports one chain, and still shows its break.
      const one = join(tmp, 'proof-app');
      expect((await cli(stack, 'audit', 'export-proof', one, '--app', 'test-repo-sop')).code).toBe(EXIT.ok);
      const appOnly = JSON.parse((await cli(stack, 'audit', 'verify', '--offline', one, '--json')).out) as {
        chains: number;
        breaks: Array<{ chain: string; reason: string }>;
      };
      expect(appOnly.chains).toBe(1);
      expect(appOnly.breaks.map((b) => [b.chain, b.reason])).toEqual([[SYNCED, 'anchor-truncated']]);
      // Only the parts holding that chain were exported: one per digest with parts; the full proof has them all.
      const partsIn = (d: string) =>
        existsSync(join(d, 'parts')) ? readdirSync(join(d, 'parts'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length : 0;
      expect(partsIn(one)).toBeGreaterThan(0);
      expect(partsIn(one)).toBeLessThan(partsIn(proof));
    } finally {
      await stack.close();
    }
  });
});
