/**
 * A commit status test bed: the fake status APIs (local/fake-status-api), the configuration
 * pointing every provider at them, dynalite tables, the real audit store, a deployment tracker
 * whose listener is the commit status service, and the follow-up consumer on an in-process queue.
 */
import { ArgoCDRegistry } from '../../functions/lib/argocd/index';
import { DynamoDBAuditStore } from '../../functions/lib/audit/dynamodb-audit-store';
import { AuthBlockStore, CommitStatusService, type StatusHandling } from '../../functions/lib/commit-status/index';
import { defaults } from '../../functions/lib/config/defaults';
import type { CommitStatusConfig, GitApisConfig, SentinelConfig } from '../../functions/lib/config/types';
import { DeploymentStore, DeploymentTracker, type StartDeployment } from '../../functions/lib/deploy/index';
import type { FollowUpMessage, FollowUpQueue } from '../../functions/lib/queue/follow-up';
import { EnvSecretsProvider } from '../../functions/lib/secrets/env-secrets-provider';
import { createDeployTrackerHandler } from '../../functions/deploy-tracker/worker';
import { startFakeStatusApi, type FakeStatusApi } from '../../local/fake-status-api';
import { InProcessQueue } from '../../local/in-process-queue';
import { createTestTables } from './dynamo';

/** The `gitApis` of every provider, all pointing at one fake, with the token in `tokenVariable`. */
export function gitApisFor(url: string, tokenVariable: string): GitApisConfig {
  const api = { apiUrl: url, token: { env: tokenVariable } };
  return { timeoutMs: 2000, github: api, gitlab: api, bitbucketCloud: api, bitbucketServer: api, gitea: api, azureDevOps: api };
}

/** A running test bed. */
export interface StatusBed {
  fake: FakeStatusApi;
  service: CommitStatusService;
  tracker: DeploymentTracker;
  store: DeploymentStore;
  audit: DynamoDBAuditStore;
  authBlocks: AuthBlockStore;
  env: Record<string, string | undefined>;
  config: Pick<SentinelConfig, 'gitApis' | 'commitStatus' | 'instances'>;
  /** What each handled status message did, in order. */
  handled: StatusHandling[];
  /** Every message scheduled on the follow-up queue, with its delay. */
  scheduled: Array<{ message: FollowUpMessage; delaySeconds: number }>;
  /** Lines the service logged (to check no token leaks). */
  logged: string[];
  refusedCount(): number;
  /** A push deployment of `app` on instance `prod`. */
  start(app: string, input: Partial<StartDeployment>): ReturnType<DeploymentTracker['start']>;
  /** Another service on the same tables (a second function instance). */
  anotherService(): CommitStatusService;
  close(): Promise<void>;
}

export const TOKEN = 'ghp_secret-token-value-0123456789';

/** Starts the bed; the tracker's own checks are scheduled far in the future, so only statuses run. */
export async function startStatusBed(
  options: { commitStatus?: Partial<CommitStatusConfig>; gitApis?: (url: string) => GitApisConfig } = {},
): Promise<StatusBed> {
  const fake = await startFakeStatusApi();
  const tables = await createTestTables('status');
  const env: Record<string, string | undefined> = { GIT_TOKEN: TOKEN };
  const audit = new DynamoDBAuditStore({ tableName: tables.names.audit, client: tables.doc });
  const store = new DeploymentStore({ doc: tables.doc, tableName: tables.names.state });
  const authBlocks = new AuthBlockStore({ doc: tables.doc, tableName: tables.names.state });
  const config = {
    gitApis: options.gitApis ? options.gitApis(fake.url) : gitApisFor(fake.url, 'GIT_TOKEN'),
    commitStatus: { ...defaults.commitStatus, retryBaseSeconds: 0.01, maxAttempts: 3, ...options.commitStatus },
    instances: [{ name: 'prod', server: 'https://argocd.example.com', token: { env: 'ARGOCD' }, insecure: false, namespace: 'argocd' }],
  };
  const followUps = new InProcessQueue({ maxReceiveCount: 3, visibilityTimeoutMs: 10, queueName: 'status-test' });
  const scheduled: StatusBed['scheduled'] = [];
  const queue: FollowUpQueue = {
    schedule: (message, delaySeconds) => {
      scheduled.push({ message, delaySeconds });
      return followUps.schedule(message, delaySeconds);
    },
  };
  const logged: string[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string, e?: unknown) => void logged.push(`${m} ${JSON.stringify(e ?? {})}`),
    error: (m: string, e?: unknown) => void logged.push(`${m} ${JSON.stringify(e ?? {})}`),
  };
  let refused = 0;
  const build = () =>
    new CommitStatusService({
      config,
      secrets: new EnvSecretsProvider(env),
      queue,
      auditStore: audit,
      deployments: store,
      authBlocks,
      log,
      onRefused: () => void refused++,
    });
  const service = build();
  const tracker = new DeploymentTracker({
    store,
    queue,
    auditStore: audit,
    argocd: new ArgoCDRegistry([]),
    // The tracker's checks never come due in a test: only commit status messages are consumed.
    config: { ...defaults.deploy, firstCheckSeconds: 900 },
    listeners: [service.listener],
    log,
  });
  const handled: StatusHandling[] = [];
  const consume = createDeployTrackerHandler({ tracker, statuses: service, log, onStatus: (r) => handled.push(r) });
  followUps.start((batch) => consume(batch));
  return {
    fake,
    service,
    tracker,
    store,
    audit,
    authBlocks,
    env,
    config,
    handled,
    scheduled,
    logged,
    refusedCount: () => refused,
    start: (app, input) =>
      tracker.start({
        ref: { instance: 'prod', namespace: 'argocd', name: app },
        project: 'default',
        cause: 'push',
        action: 'sync',
        actor: 'webhook:github:octocat',
        startedAt: new Date(Date.now() - 1000).toISOString(),
        acceptedAt: new Date().toISOString(),
        ...input,
      }),
    anotherService: build,
    close: async () => {
      await followUps.stop();
      await fake.close();
      tables.client.destroy();
    },
  };
}
