/**
 * Deployed dependencies that follow the configuration: with `SENTINEL_CONFIG_PARAMETER` set,
 * the configuration comes from Parameter Store (cached for `SENTINEL_CONFIG_MAX_AGE_SECONDS`),
 * and the dependencies are rebuilt the first time a function sees a new version, which it
 * records once per function and version as a `config.changed` audit record. Without it, the
 * configuration comes from the environment (`SENTINEL_CONFIG_JSON`), read once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBAuditStore } from '../audit/dynamodb-audit-store';
import type { AuditStore } from '../audit/audit-store';
import { configParameterOf, loadConfig, type SentinelConfig } from '../config/index';
import { ParameterConfigSource, type ConfigSnapshot } from '../config/parameter-source';
import { tableNames } from '../config/tables';
import { refreshing, type DepsOrBuilder } from './lazy';
import type { SimpleLogger } from '../observability/simple-logger';

/** Days a "seen this version" marker is kept (DynamoDB TTL). */
const SEEN_TTL_DAYS = 400;

/** Where a function records that it saw a configuration version. */
export interface ConfigChangeRecorder {
  doc: DynamoDBDocumentClient;
  stateTable: string;
  auditStore: AuditStore;
  log?: Pick<SimpleLogger, 'error'>;
}

/**
 * Audits `config.changed` for a function and version, once: a conditional put of a marker
 * (`config-seen`, `<function>#<hash>`) in the state table decides which of the function's
 * concurrent instances writes the record.
 * @returns true when this call wrote the record
 */
export async function recordConfigChange(
  recorder: ConfigChangeRecorder,
  functionName: string,
  snapshot: Pick<ConfigSnapshot, 'version' | 'hash'>,
  parameter: string,
): Promise<boolean> {
  const now = Date.now();
  try {
    await recorder.doc.send(
      new PutCommand({
        TableName: recorder.stateTable,
        Item: {
          pk: 'config-seen',
          sk: `${functionName}#${snapshot.hash}`,
          version: snapshot.version,
          seenAt: new Date(now).toISOString(),
          expiresAt: Math.floor(now / 1000) + SEEN_TTL_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
  await recorder.auditStore.append({
    kind: 'config.changed',
    outcome: 'info',
    actor: `function:${functionName}`,
    message: `${functionName} runs configuration version ${snapshot.version} (sha256 ${snapshot.hash.slice(0, 12)})`,
    details: { function: functionName, version: snapshot.version, hash: snapshot.hash, parameter },
  });
  return true;
}

/**
 * The dependencies of a deployed function, built by `build` from the configuration in effect.
 * @param functionName recorded in `config.changed` records, e.g. `operator-api`
 * @param build builds the dependencies for one configuration; `previous` are the ones it replaces (close their clients)
 */
export function configuredDeps<T>(
  functionName: string,
  env: Record<string, string | undefined>,
  build: (config: SentinelConfig, previous?: T) => T,
): DepsOrBuilder<T> {
  const parameter = configParameterOf(env);
  if (!parameter) return () => build(loadConfig(env));
  const { name, maxAgeSeconds } = parameter;
  let recorder: ConfigChangeRecorder | undefined;
  const source = new ParameterConfigSource({
    name,
    env,
    maxAgeSeconds,
    onInvalid: (error) => recorder?.log?.error('refused a configuration version; the last good one stays in effect', { parameter: name, key: error.key }),
  });
  let current: { hash: string; deps: T } | undefined;
  let pending: Promise<T> | undefined;
  return refreshing(async () => {
    const snapshot = await source.current();
    if (current?.hash === snapshot.hash) return current.deps;
    // One rebuild at a time, even when several invocations notice the change at once.
    pending ??= (async () => {
      try {
        const deps = build(snapshot.config, current?.deps);
        const { region, dynamodbEndpoint, tablePrefix } = snapshot.config.storage;
        if (!recorder) {
          const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region, ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}) }), {
            marshallOptions: { removeUndefinedValues: true },
          });
          const tables = tableNames(tablePrefix);
          const log = (deps as { log?: ConfigChangeRecorder['log'] }).log;
          recorder = {
            doc,
            stateTable: tables.state,
            auditStore: new DynamoDBAuditStore({ tableName: tables.audit, client: doc, ...(log ? { logger: log } : {}) }),
            log,
          };
        }
        current = { hash: snapshot.hash, deps };
        await recordConfigChange(recorder, functionName, snapshot, name).catch((error: unknown) => {
          // The new configuration is in effect either way; a record that could not be written is logged.
          recorder?.log?.error('could not audit a configuration change', { error: error instanceof Error ? error.name : 'Error' });
        });
        return deps;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  });
}
