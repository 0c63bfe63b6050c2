/**
 * The dependencies the ArgoCD-facing functions (sync-worker, drift-scan, operator-api)
 * share, built once per cold start. The webhook function does not use this module: it
 * must not bundle the ArgoCD client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createArgoCDClients, type ArgoCDRegistry } from '../argocd/index';
import type { AuditStore } from '../audit/audit-store';
import { DynamoDBAuditStore } from '../audit/dynamodb-audit-store';
import { loadConfig, type SentinelConfig } from '../config/index';
import { tableNames, type TableNames } from '../config/tables';
import { asSimpleLogger, createLogger, type SimpleLogger } from '../observability/logger';
import { SecretsManagerProvider } from '../secrets/secrets-manager-provider';
import type { SecretsProvider } from '../secrets/types';

/** What every ArgoCD-facing function gets. Local mode and tests build the same shape. */
export interface CoreDeps {
  config: SentinelConfig;
  /** Document client for the state table (and anything else but the audit trail). */
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  auditStore: AuditStore;
  secrets: SecretsProvider;
  argocd: ArgoCDRegistry;
  log: SimpleLogger;
  /** Clock. @default () => new Date() */
  now: () => Date;
}

/**
 * Builds the deployed dependencies from the Lambda environment (`SENTINEL_CONFIG_JSON`,
 * `SENTINEL_TABLE_PREFIX`, ...): real DynamoDB, Secrets Manager, one ArgoCD client per instance.
 * @param functionName added to every log line
 */
export function buildCoreDeps(functionName: string, env: Record<string, string | undefined> = process.env): CoreDeps {
  const config = loadConfig(env);
  const log = asSimpleLogger(createLogger(functionName));
  const client = new DynamoDBClient({ region: config.storage.region, ...(config.storage.dynamodbEndpoint ? { endpoint: config.storage.dynamodbEndpoint } : {}) });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = tableNames(config.storage.tablePrefix);
  const secrets = new SecretsManagerProvider({ env });
  return {
    config,
    doc,
    tables,
    auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc, logger: log }),
    secrets,
    argocd: createArgoCDClients(config, secrets, { logger: log }),
    log,
    now: () => new Date(),
  };
}
