/**
 * Shared set-up of the sync tests: ArgoCD simulators over real HTTP, a registry of clients
 * aimed at them, tables in the test run's dynalite, and push messages.
 */
import { randomUUID } from 'node:crypto';
import { ArgoCDClient, ArgoCDRegistry, type ArgoCDClientOptions } from '../../../functions/lib/argocd';
import { DynamoDBAuditStore } from '../../../functions/lib/audit/dynamodb-audit-store';
import type { PushEvent } from '../../../functions/lib/providers/types';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { ActionLedger, AppIndexCache, type SyncDeps } from '../../../functions/lib/sync';
import { startArgoCDSimulator, type SeedInstance, type StartArgoCDSimulatorOptions, type StartedArgoCDSimulator } from '../../../local/argocd-sim';
import { waitFor } from '../../helpers/argocd-sim';
import { createTestTables } from '../../helpers/dynamo';

export const REPO = 'https://github.com/acme/web.git';
export const SHA = 'a'.repeat(40);

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The seed most tests use: one app per kind of action on the `default` instance. */
export function webSeed(): SeedInstance {
  const source = (path: string) => ({ repoURL: REPO, path, targetRevision: 'main' });
  return {
    projects: [
      {
        name: 'frozen',
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'], manualSync: false }],
        },
      },
    ],
    apps: [
      { name: 'web', source: source('web') },
      { name: 'web-auto', source: source('web-auto'), syncPolicy: { automated: { prune: true } } },
      { name: 'web-sop', source: source('web-sop'), annotations: { 'gitops-sentinel/sync-on-push': 'true' } },
      { name: 'web-blocked', project: 'frozen', source: source('web-blocked'), annotations: { 'gitops-sentinel/sync-on-push': 'true' } },
      { name: 'web-ignored', source: source('web-ignored'), annotations: { 'gitops-sentinel/ignore': 'true' } },
      { name: 'web-team', namespace: 'team-a', source: source('web-team') },
      { name: 'other', source: { repoURL: 'https://github.com/acme/other.git', path: '.', targetRevision: 'main' } },
    ],
  };
}

/** A push of `main` (or `ref`) to `repo`, as the webhook enqueues it. */
export function pushMessage(overrides: Partial<PushEvent> = {}, receivedAt = new Date()): PushMessage {
  const push: PushEvent = {
    provider: 'github',
    deliveryId: randomUUID(),
    repoUrls: [REPO],
    revision: SHA,
    ref: 'refs/heads/main',
    isTag: false,
    touchedHead: true,
    deleted: false,
    changedFiles: null,
    pusher: 'octocat',
    commits: [{ id: SHA, message: 'change' }],
    defaultBranch: 'main',
    ...overrides,
  };
  return { push, receivedAt: receivedAt.toISOString() };
}

/** A running test environment. */
export interface SyncEnv {
  sims: Record<string, StartedArgoCDSimulator>;
  registry: ArgoCDRegistry;
  deps: SyncDeps;
  audit: DynamoDBAuditStore;
  ledger: ActionLedger;
  indexes: AppIndexCache;
  tables: Awaited<ReturnType<typeof createTestTables>>;
  /** Every app request the simulators received (list calls excluded), as `instance METHOD path?query`. */
  appCalls(): string[];
  close(): Promise<void>;
}

/**
 * Starts one simulator per seed instance and builds `SyncDeps` around them.
 * @param clientOptions fast retries by default (2 retries, 1 ms backoff)
 */
export async function startSyncEnv(
  seeds: Record<string, SeedInstance>,
  options: { ttlSeconds?: number; clientOptions?: Partial<ArgoCDClientOptions>; now?: () => Date; simOptions?: Partial<StartArgoCDSimulatorOptions> } = {},
): Promise<SyncEnv> {
  const sims: Record<string, StartedArgoCDSimulator> = {};
  for (const [name, seed] of Object.entries(seeds))
    sims[name] = await startArgoCDSimulator({ instance: name, seed, syncDurationMs: 20, autoSync: false, ...options.simOptions });
  const registry = new ArgoCDRegistry(
    Object.entries(sims).map(
      ([name, s]) =>
        new ArgoCDClient({
          name,
          server: s.url,
          getToken: async () => s.token,
          retries: 2,
          backoffMs: 1,
          timeoutMs: 2000,
          logger: quiet,
          ...options.clientOptions,
        }),
    ),
  );
  const tables = await createTestTables('sync');
  const now = options.now ?? (() => new Date());
  const audit = new DynamoDBAuditStore({ tableName: tables.names.audit, client: tables.doc, logger: quiet });
  const ledger = new ActionLedger({ doc: tables.doc, tableName: tables.names.state, now });
  const indexes = new AppIndexCache(registry, { ttlSeconds: options.ttlSeconds ?? 60, now, log: quiet });
  const deps: SyncDeps = { argocd: registry, auditStore: audit, indexes, ledger, log: quiet, now };
  return {
    sims,
    registry,
    deps,
    audit,
    ledger,
    indexes,
    tables,
    appCalls: () =>
      Object.entries(sims).flatMap(([name, s]) =>
        s.sim.requests
          .filter((r) => r.path !== '/api/v1/applications')
          .map(
            (r) => `${name} ${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query as Record<string, string>).toString()}` : ''}`,
          ),
      ),
    close: async () => {
      registry.close();
      await Promise.all(Object.values(sims).map((s) => s.close()));
      tables.client.destroy();
    },
  };
}

/** Every audit record of a delivery, oldest first. */
export async function auditOf(audit: DynamoDBAuditStore, deliveryId: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await audit.query({ deliveryId, limit: 100, cursor });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items.reverse();
}

/**
 * Waits until the simulators have read every refresh the given results report as sent. The
 * client stops listening to a refresh GET once its bytes are written (ArgoCD holds the answer
 * until its controller is done), so on a loaded machine processPush can return before the
 * simulator has read the last of them: count the simulator's log only after this.
 */
export async function refreshesReceived(env: SyncEnv, results: { actions: { instance: string; status: string }[] }[]): Promise<void> {
  const want: Record<string, number> = {};
  for (const r of results) for (const a of r.actions) if (a.status === 'refreshed') want[a.instance] = (want[a.instance] ?? 0) + 1;
  await waitFor(
    () => Object.entries(want).every(([instance, n]) => env.sims[instance].sim.refreshes.length >= n),
    'every refresh read by the simulators',
    30_000,
  );
}

/** Removes an app from a simulator behind the sentinel's back (the simulator has no delete route). */
export function deleteSimApp(s: StartedArgoCDSimulator, name: string, namespace = 'argocd'): void {
  if (!s.sim.deleteApp(name, namespace)) throw new Error(`no app ${namespace}/${name} in the simulator`);
}
