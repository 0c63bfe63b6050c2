/**
 * Set-up of the ApplicationSet forward tests: the webhook's `receivePush` (real sample events,
 * signed with sentinel's test secrets) produces the queue message exactly as deployed, the
 * forwarder sends it over HTTP to simulated ApplicationSet webhooks, claims and audit records
 * go to dynalite.
 */
import { createHash } from 'node:crypto';
import { ApplicationSetForwarder } from '../../../functions/lib/appset';
import { DynamoDBAuditStore } from '../../../functions/lib/audit/dynamodb-audit-store';
import { loadConfig, type SentinelConfig } from '../../../functions/lib/config/index';
import { receivePush } from '../../../functions/lib/intake/index';
import { parsePushMessage, serializePushMessage } from '../../../functions/lib/queue/message';
import type { PushMessage } from '../../../functions/lib/queue/types';
import { EnvSecretsProvider } from '../../../functions/lib/secrets/env-secrets-provider';
import { ActionLedger } from '../../../functions/lib/sync';
import { startAppSetWebhook, type StartedAppSetWebhook } from '../../../local/argocd-sim';
import { createTestTables } from '../../helpers/dynamo';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { InMemoryDeliveryLedgerStore } from '../../helpers/in-memory-delivery-ledger-store';
import { sample, TEST_ENV } from '../providers/fixtures';

/** The ApplicationSet controllers' own secrets (never sentinel's webhook secrets). */
export const APPSET = { github: 'appset-gh-secret-prod', gitlab: 'appset-gl-token-prod', user: 'appset-user', password: 'appset-password-prod' };
export const APPSET_EU = { github: 'appset-gh-secret-eu', gitlab: 'appset-gl-token-eu' };

/** Every secret value of these tests: none may appear in an audit record or a log line. */
export const ALL_SECRETS = [...Object.values(APPSET), ...Object.values(APPSET_EU), TEST_ENV.GITHUB_WEBHOOK_SECRET];

export const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Log lines written, as JSON text, to search for secrets. */
export type LogLines = string[];

/** A running forward environment. */
export interface AppSetEnv {
  prod: StartedAppSetWebhook;
  eu: StartedAppSetWebhook;
  config: SentinelConfig;
  env: Record<string, string>;
  forwarder: ApplicationSetForwarder;
  audit: DynamoDBAuditStore;
  ledger: ActionLedger;
  logs: LogLines;
  /**
   * Runs `receivePush` on a sample event (or a raw request) and returns the queue message as
   * the worker reads it (serialised under `maxBytes`, parsed back).
   */
  queued(name: string | { body: string; headers: Record<string, string> }, maxBytes?: number): Promise<PushMessage | undefined>;
  /** Every appset.* audit record of a delivery. */
  records(deliveryId: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Two instances: `prod` takes GitHub, GitLab and Azure DevOps; `eu` takes GitHub and GitLab for
 * `acme/*` repositories only. Sentinel's own webhook secrets are the sample events' test secrets.
 * @param extra instance settings merged into `prod`'s `applicationSetWebhook`
 */
export async function startAppSetEnv(
  options: { retries?: number; timeoutMs?: number; prodExtra?: Record<string, unknown>; prodUrl?: string; unsigned?: boolean } = {},
): Promise<AppSetEnv> {
  const prod = await startAppSetWebhook();
  prod.receiver.setSecrets({ github: APPSET.github, gitlab: APPSET.gitlab, azureDevOpsUsername: APPSET.user, azureDevOpsPassword: APPSET.password });
  const eu = await startAppSetWebhook();
  eu.receiver.setSecrets({ github: APPSET_EU.github, gitlab: APPSET_EU.gitlab });
  const env: Record<string, string> = {
    ...TEST_ENV,
    TOKEN: 'argocd-token',
    PROD_GH: APPSET.github,
    PROD_GL: APPSET.gitlab,
    PROD_AZ_USER: APPSET.user,
    PROD_AZ_PASSWORD: APPSET.password,
    EU_GH: APPSET_EU.github,
    EU_GL: APPSET_EU.gitlab,
  };
  env.SENTINEL_CONFIG_JSON = JSON.stringify({
    instances: [
      {
        name: 'prod',
        server: 'http://127.0.0.1:1',
        token: { env: 'TOKEN' },
        applicationSetWebhook: {
          url: options.prodUrl ?? prod.url,
          secrets: {
            github: { env: 'PROD_GH' },
            gitlab: { env: 'PROD_GL' },
            azureDevOpsUsername: { env: 'PROD_AZ_USER' },
            azureDevOpsPassword: { env: 'PROD_AZ_PASSWORD' },
          },
          ...options.prodExtra,
        },
      },
      {
        name: 'eu',
        server: 'http://127.0.0.1:1',
        token: { env: 'TOKEN' },
        applicationSetWebhook: { url: eu.url, secrets: { github: { env: 'EU_GH' }, gitlab: { env: 'EU_GL' } }, repositories: ['github.com/acme/*'] },
      },
      { name: 'plain', server: 'http://127.0.0.1:1', token: { env: 'TOKEN' } },
    ],
  });
  if (options.unsigned) {
    // No GitHub secret for sentinel at all, and unsigned deliveries allowed.
    delete env.GITHUB_WEBHOOK_SECRET;
    env.SENTINEL_ALLOW_UNSIGNED = 'true';
  }
  const config = loadConfig(env);
  const tables = await createTestTables('appset');
  const logs: LogLines = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string, e?: Record<string, unknown>) => void logs.push(JSON.stringify([m, e])),
    error: (m: string, e?: Record<string, unknown>) => void logs.push(JSON.stringify([m, e])),
  };
  const audit = new DynamoDBAuditStore({ tableName: tables.names.audit, client: tables.doc, logger: log });
  const ledger = new ActionLedger({ doc: tables.doc, tableName: tables.names.state });
  const secrets = new EnvSecretsProvider(env);
  const forwarder = new ApplicationSetForwarder({
    instances: config.instances,
    secrets,
    ledger,
    auditStore: audit,
    log,
    retries: options.retries ?? 2,
    backoffMs: 1,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  const queued = async (name: string | { body: string; headers: Record<string, string> }, maxBytes?: number) => {
    const messages: PushMessage[] = [];
    const s = typeof name === 'string' ? sample(name) : name;
    await receivePush(
      { rawBody: s.body, headers: s.headers },
      {
        config,
        secrets,
        queue: { enqueue: async (m) => void messages.push(parsePushMessage(serializePushMessage(m, maxBytes))) },
        auditStore: new InMemoryAuditStore(),
        ledger: new InMemoryDeliveryLedgerStore(),
        log,
      },
    );
    return messages[0];
  };
  const records = async (deliveryId: string) =>
    (await audit.query({ deliveryId, limit: 100 })).items.filter((r) => r.kind.startsWith('appset.')) as unknown as Array<Record<string, unknown>>;
  return {
    prod,
    eu,
    config,
    env,
    forwarder,
    audit,
    ledger,
    logs,
    queued,
    records,
    close: async () => {
      await prod.close();
      await eu.close();
      tables.client.destroy();
    },
  };
}
