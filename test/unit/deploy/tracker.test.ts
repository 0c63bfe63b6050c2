/**
 * Deployment tracking end to end at the library level: `processPush` (or a direct start)
 * against the ArgoCD simulator over HTTP, the tracker's item in dynalite, follow-up checks
 * through the in-process queue with real delays, and the `deploy.*` records in the audit trail.
 * Assertions are on what the simulator received and what the trail holds.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../../../functions/lib/audit/types';
import { defaults } from '../../../functions/lib/config/defaults';
import type { DeployConfig } from '../../../functions/lib/config/types';
import { DeploymentStore, DeploymentTracker, type CheckResult } from '../../../functions/lib/deploy/index';
import { createDeployTrackerHandler } from '../../../functions/deploy-tracker/worker';
import { processPush } from '../../../functions/lib/sync';
import { NotificationPublisher } from '../../../functions/lib/notify/publisher';
import type { NotifyMessage } from '../../../functions/lib/queue/notification';
import { InProcessQueue } from '../../../local/in-process-queue';
import { waitFor } from '../../helpers/argocd-sim';
import { deleteSimApp, pushMessage, REPO, startSyncEnv, type SyncEnv } from '../sync/fixtures';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sha = (c: string) => c.repeat(40);

interface Env extends SyncEnv {
  tracker: DeploymentTracker;
  followUps: InProcessQueue;
  checks: CheckResult[];
  /** Moves the tracker's clock forward (for the deadline). */
  advance(ms: number): void;
  deployRecords(app: string): Promise<AuditRecord[]>;
}

async function startEnv(config: Partial<DeployConfig> = {}): Promise<Env> {
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  // Each app refreshes only for pushes touching its own folder.
  const only = { 'argocd.argoproj.io/manifest-generate-paths': '.' };
  const env = await startSyncEnv(
    {
      default: {
        apps: [
          {
            name: 'web-sop',
            source: { repoURL: REPO, path: 'web-sop', targetRevision: 'main' },
            annotations: { ...only, 'gitops-sentinel/sync-on-push': 'true' },
          },
          {
            name: 'web-auto',
            source: { repoURL: REPO, path: 'web-auto', targetRevision: 'main' },
            syncPolicy: { automated: { prune: true } },
            annotations: only,
          },
          { name: 'web-plain', source: { repoURL: REPO, path: 'web-plain', targetRevision: 'main' }, annotations: only },
          {
            name: 'web-bad',
            source: { repoURL: REPO, path: 'web-bad', targetRevision: 'main' },
            annotations: { ...only, 'gitops-sentinel/sync-on-push': 'true' },
            health: 'Degraded',
            resources: [
              { kind: 'Deployment', name: 'web-bad', health: 'Degraded' },
              { kind: 'Service', name: 'web-bad' },
            ],
          },
        ],
      },
    },
    { simOptions: { autoSync: true } },
  ); // web-auto syncs itself after a refresh, as ArgoCD does
  const followUps = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 10, queueName: 'follow-up-test' });
  const tracker = new DeploymentTracker({
    store: new DeploymentStore({ doc: env.tables.doc, tableName: env.tables.names.state }),
    queue: followUps,
    auditStore: env.audit,
    argocd: env.registry,
    config: { ...defaults.deploy, firstCheckSeconds: 0.02, maxCheckSeconds: 0.1, ...config },
    log: quiet,
    now,
  });
  const checks: CheckResult[] = [];
  const consume = createDeployTrackerHandler({ tracker, log: quiet, onCheck: (r) => checks.push(r) });
  followUps.start((batch) => consume(batch));
  env.deps.deployments = tracker;
  return {
    ...env,
    tracker,
    followUps,
    checks,
    advance: (ms) => {
      offset += ms;
    },
    deployRecords: async (app) =>
      (await env.audit.query({ instance: 'default', namespace: 'argocd', app, limit: 100 })).items.filter((r) => r.kind.startsWith('deploy.')),
    close: async () => {
      await followUps.stop();
      await env.close();
    },
  };
}

/** The GET calls on one app that carried no refresh: the tracker's checks. */
function checkCalls(env: Env, app: string) {
  return env.sims.default.sim.requestsTo('GET', `/api/v1/applications/${app}`).filter((r) => !r.query.refresh);
}

describe('DeploymentTracker (simulator over HTTP, dynalite, in-process follow-up queue)', () => {
  let env: Env;
  beforeEach(async () => {
    env = await startEnv();
  });
  afterEach(async () => {
    await env?.close();
  });

  it('follows a sync-on-push app to deploy.succeeded with the delivery, commit, deployed revision and durations', async () => {
    // Prepare: the branch head ArgoCD resolves is the pushed commit
    const commit = sha('b');
    env.sims.default.sim.setHead(REPO, 'main', commit);
    const message = pushMessage({ revision: commit, changedFiles: ['web-sop/deploy.yaml'] });

    // Act
    await processPush(message, env.deps);
    await env.followUps.drain();

    // Assess: the simulator got the sync, then only plain reads of that app
    const syncs = env.sims.default.sim.requestsTo('POST', '/api/v1/applications/web-sop/sync');
    expect(syncs).toHaveLength(1);
    const reads = checkCalls(env, 'web-sop');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    for (const r of reads) expect(r.query).toEqual({ project: 'default' });
    const [record] = await env.deployRecords('web-sop');
    expect(record).toMatchObject({
      kind: 'deploy.succeeded',
      outcome: 'success',
      deliveryId: message.push.deliveryId,
      revision: commit,
      actor: 'webhook:github:octocat',
    });
    const d = record.details as Record<string, number | string>;
    expect(d).toMatchObject({ cause: 'push', action: 'sync', commit, revisionDeployed: commit, checks: reads.length, startedAt: message.receivedAt });
    expect(d.leadTimeMs).toBeGreaterThanOrEqual(d.pushToAcceptedMs as number);
    expect(typeof d.acceptedToSyncedMs).toBe('number');
    expect(Date.parse(d.syncedAt as string)).toBeGreaterThanOrEqual(Date.parse(d.acceptedAt as string) - 5000);
    // Each check scheduled exactly one follow-up: ArgoCD reads = checks that called it
    expect(env.checks.filter((c) => c.argocdCalls > 0)).toHaveLength(reads.length);
  });

  it('tracks an auto-sync app through the sync ArgoCD starts by itself after the refresh; a plain app is not tracked', async () => {
    const commit = sha('c');
    env.sims.default.sim.setHead(REPO, 'main', commit);
    const message = pushMessage({ revision: commit, changedFiles: ['web-auto/a.yaml', 'web-plain/a.yaml'] });

    await processPush(message, env.deps);
    await env.followUps.drain();

    expect(env.sims.default.sim.refreshes.map((r) => r.name).sort()).toEqual(['web-auto', 'web-plain']);
    expect(env.sims.default.sim.requestsTo('POST', /sync$/)).toHaveLength(0);
    const [record] = await env.deployRecords('web-auto');
    expect(record).toMatchObject({ kind: 'deploy.succeeded', details: expect.objectContaining({ action: 'refresh', revisionDeployed: commit }) });
    // The simulator's history shows the automated sync we followed
    const history = env.sims.default.sim.getApp('web-auto').status!.history!;
    expect(history[history.length - 1]).toMatchObject({ revision: commit, initiatedBy: { automated: true } });
    expect(await env.deployRecords('web-plain')).toEqual([]);
    expect(checkCalls(env, 'web-plain')).toHaveLength(0);
  });

  it('records deploy.degraded naming the resources that are not healthy', async () => {
    const commit = sha('d');
    env.sims.default.sim.setHead(REPO, 'main', commit);
    await processPush(pushMessage({ revision: commit, changedFiles: ['web-bad/x.yaml'] }), env.deps);
    await env.followUps.drain();

    const [record] = await env.deployRecords('web-bad');
    expect(record).toMatchObject({ kind: 'deploy.degraded', outcome: 'failure' });
    // From the resource tree: the Deployment, its ReplicaSet and its Pod
    expect((record.details as { resources: Array<{ kind: string }> }).resources.map((r) => r.kind)).toEqual(['Deployment', 'ReplicaSet', 'Pod']);
    expect(env.sims.default.sim.requestsTo('GET', '/api/v1/applications/web-bad/resource-tree')).toHaveLength(1);
  });

  it('records deploy.failed when the operation fails, naming the failed resource; the resource tree was read once', async () => {
    const sim = env.sims.default.sim;
    sim.setHead(REPO, 'main', sha('9'));
    sim.setOutcome({ name: 'web-sop' }, { kind: 'fail', message: 'admission webhook denied the request' });

    await processPush(pushMessage({ revision: sha('9'), changedFiles: ['web-sop/a'] }), env.deps);
    await env.followUps.drain();

    const [record] = await env.deployRecords('web-sop');
    expect(record).toMatchObject({ kind: 'deploy.failed', outcome: 'failure' });
    expect((record.details as { reason: string }).reason).toMatch(/operation Failed: one or more objects failed to apply/);
    expect((record.details as { resources: unknown[] }).resources).toContainEqual(
      expect.objectContaining({ kind: 'Deployment', name: 'web-sop', sync: 'SyncFailed' }),
    );
    expect(sim.requestsTo('GET', '/api/v1/applications/web-sop/resource-tree')).toHaveLength(1);
  });

  it('a second push before the first deployment finished supersedes it (not a failure); the stale check calls ArgoCD no more', async () => {
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(100);
    // The first deployment's checks are held back (the consumer is paused), as a slow back-off would
    await env.followUps.stop();
    const first = sha('e');
    sim.setHead(REPO, 'main', first);
    const m1 = pushMessage({ revision: first, changedFiles: ['web-sop/a'] });
    await processPush(m1, env.deps);
    // ArgoCD refuses a second sync while the first runs; the second push comes right after it ended
    await waitFor(() => sim.getApp('web-sop').status?.operationState?.phase === 'Succeeded', 'first operation done', 5000);
    const second = sha('f');
    sim.setHead(REPO, 'main', second);
    const m2 = pushMessage({ revision: second, changedFiles: ['web-sop/a'] });

    // Act
    await processPush(m2, env.deps);
    const readsBefore = checkCalls(env, 'web-sop').length;
    const consume = createDeployTrackerHandler({ tracker: env.tracker, log: quiet, onCheck: (r) => env.checks.push(r) });
    env.followUps.start((batch) => consume(batch));
    await env.followUps.drain();

    // Assess
    const records = await env.deployRecords('web-sop');
    expect(records.map((r) => [r.kind, r.deliveryId]).sort()).toEqual(
      [
        ['deploy.succeeded', m2.push.deliveryId],
        ['deploy.superseded', m1.push.deliveryId],
      ].sort(),
    );
    expect(records.find((r) => r.kind === 'deploy.succeeded')!.details).toMatchObject({ revisionDeployed: second });
    // The first deployment's check was dropped before any call: every read belongs to the second
    expect(env.checks.filter((c) => c.status === 'stale')).toHaveLength(1);
    expect(checkCalls(env, 'web-sop').length - readsBefore).toBe(env.checks.filter((c) => c.argocdCalls > 0).length);
  });

  it('supersedes a deployment still being tracked, and its pending check is stale (no ArgoCD call)', async () => {
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(60_000); // the first operation never ends within this test
    await env.followUps.stop();
    const ref = { instance: 'default', namespace: 'argocd', name: 'web-plain' };
    const base = {
      ref,
      project: 'default',
      cause: 'push' as const,
      action: 'refresh' as const,
      actor: 'test',
      startedAt: new Date().toISOString(),
      acceptedAt: new Date().toISOString(),
    };
    const a = await env.tracker.start({ ...base, deliveryId: 'd-1', commit: sha('1') });
    const b = await env.tracker.start({ ...base, deliveryId: 'd-2', commit: sha('2') });
    sim.clearRequests();

    // Act: the first deployment's check arrives
    const stale = await env.tracker.check({ type: 'deploy.check', v: 1, trackId: a!.trackId, step: 1, checkId: randomUUID(), ...ref });

    // Assess
    expect(stale).toEqual({ status: 'stale', argocdCalls: 0 });
    expect(sim.requests).toHaveLength(0);
    const [record] = await env.deployRecords('web-plain');
    expect(record).toMatchObject({
      kind: 'deploy.superseded',
      outcome: 'skipped',
      deliveryId: 'd-1',
      details: expect.objectContaining({ supersededBy: expect.objectContaining({ deliveryId: 'd-2', trackId: b!.trackId }) }),
    });
  });

  it('runs one check per app per step: a second message for a claimed step does not reach ArgoCD', async () => {
    await env.followUps.stop();
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(60_000);
    const ref = { instance: 'default', namespace: 'argocd', name: 'web-plain' };
    const d = await env.tracker.start({
      ref,
      project: 'default',
      cause: 'push',
      action: 'refresh',
      actor: 'test',
      deliveryId: 'd-x',
      commit: sha('3'),
      startedAt: new Date().toISOString(),
      acceptedAt: new Date().toISOString(),
    });
    sim.clearRequests();
    const msg = { type: 'deploy.check' as const, v: 1 as const, trackId: d!.trackId, step: 1, ...ref };

    const first = await env.tracker.check({ ...msg, checkId: 'check-a' });
    const again = await env.tracker.check({ ...msg, checkId: 'check-b' });
    const redelivered = await env.tracker.check({ ...msg, checkId: 'check-a' });

    expect(first).toMatchObject({ status: 'waiting', argocdCalls: 1 });
    expect(again).toEqual({ status: 'stale', argocdCalls: 0 });
    // The same message delivered twice (SQS at-least-once) may check again, once
    expect(redelivered).toMatchObject({ status: 'waiting' });
    expect(sim.requests).toHaveLength(2);
  });

  it('records that the app disappeared (deploy.gone, not a timeout)', async () => {
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(1_000);
    sim.setHead(REPO, 'main', sha('4'));
    await processPush(pushMessage({ revision: sha('4'), changedFiles: ['web-sop/a'] }), env.deps);
    deleteSimApp(env.sims.default, 'web-sop');
    await env.followUps.drain();

    const [record] = await env.deployRecords('web-sop');
    expect(record).toMatchObject({ kind: 'deploy.gone', outcome: 'info' });
    expect(record.message).toMatch(/deleted/);
  });

  it('records deploy.timeout once the deadline passed, with what it was waiting for', async () => {
    const sim = env.sims.default.sim;
    sim.setSyncDurationMs(60_000);
    sim.setHead(REPO, 'main', sha('5'));
    await processPush(pushMessage({ revision: sha('5'), changedFiles: ['web-sop/a'] }), env.deps);
    await waitFor(() => env.checks.some((c) => c.status === 'waiting'), 'a first check that waits');

    // Act: 31 minutes later (the default deadline is 30)
    env.advance(31 * 60_000);
    await env.followUps.drain();

    const [record] = await env.deployRecords('web-sop');
    expect(record).toMatchObject({ kind: 'deploy.timeout', outcome: 'failure' });
    expect((record.details as { reason: string }).reason).toMatch(/deadline of 30 min passed: operation Running/);
  });
});

describe('follow-ups that end in the dead letters (delivery.dead-lettered)', () => {
  let env: Env;
  beforeEach(async () => {
    env = await startEnv();
  });
  afterEach(async () => {
    await env?.close();
  });

  /** A follow-up consumer whose tracker cannot reach its state table, telling a keeping queue on the last receive. */
  function brokenConsumer() {
    const messages: NotifyMessage[] = [];
    const notify = new NotificationPublisher({
      config: { rules: [{ events: ['delivery.dead-lettered'], channels: ['ops'] }] },
      queue: { publish: async (m) => void messages.push(m), deadLetter: async () => undefined },
    });
    const tracker = new DeploymentTracker({
      store: new DeploymentStore({ doc: env.tables.doc, tableName: `${env.tables.prefix}-no-such-table` }),
      queue: env.followUps,
      auditStore: env.audit,
      argocd: env.registry,
      config: defaults.deploy,
      log: quiet,
    });
    const queue = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 0, queueName: 'follow-up-broken' });
    const seenAt: number[] = [];
    const consume = createDeployTrackerHandler({ tracker, log: quiet, maxReceiveCount: 3, notify });
    queue.start(async (batch) => {
      const response = await consume(batch);
      seenAt.push(messages.length);
      return response;
    });
    return { messages, queue, seenAt };
  }

  it('tells, on the last receive only, that a deployment check failed for good and the deployment is no longer followed', async () => {
    const { messages, queue, seenAt } = brokenConsumer();
    const check = {
      type: 'deploy.check' as const,
      v: 1 as const,
      trackId: randomUUID(),
      step: 2,
      checkId: randomUUID(),
      instance: 'default',
      namespace: 'argocd',
      name: 'web-sop',
    };

    await queue.schedule(check, 0);
    await queue.drain();
    await queue.stop();

    expect(queue.deadLetters()).toHaveLength(1);
    expect(seenAt).toEqual([0, 0, 1]);
    expect(messages[0].event).toMatchObject({
      kind: 'delivery.dead-lettered',
      instance: 'default',
      namespace: 'argocd',
      app: 'web-sop',
      details: { queue: 'follow-up', receiveCount: 3, type: 'deploy.check' },
    });
    expect(messages[0].event.message).toBe(
      'deployment check 2 of default/argocd/web-sop went to the follow-up dead-letter queue after 3 receive(s) (ResourceNotFoundException): the ' +
        'deployment is no longer followed (no outcome record, no final commit status)',
    );
  });

  it('tells about a body that is not a follow-up by its message id, without quoting it', async () => {
    const { messages, queue } = brokenConsumer();

    const id = queue.send('{"token":"s3cr3t-follow-up"}');
    await queue.drain();
    await queue.stop();

    expect(messages).toHaveLength(1);
    expect(messages[0].event).toMatchObject({ kind: 'delivery.dead-lettered', details: { queue: 'follow-up', receiveCount: 3, messageId: id } });
    expect(JSON.stringify(messages[0])).not.toContain('s3cr3t');
  });
});
