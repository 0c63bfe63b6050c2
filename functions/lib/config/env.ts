/**
 * The settings read from environment variables alone, apart from the schema: `loadConfig` uses
 * them, and so does the anchor function, which reads no configuration file and whose bundle
 * stays free of the schema (valibot) that way.
 */
import { defaults } from './defaults';
import { ConfigError } from './errors';
import type { DeployedAnchorSettings, StorageConfig } from './types';

type Env = Record<string, string | undefined>;

/**
 * An integer environment variable, or undefined when unset or empty.
 * @throws ConfigError naming the variable when it is not an integer from `min` to `max`
 */
export function envInt(env: Env, key: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, 'environment', `expected an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/**
 * The deployed anchoring from the variables the stack sets (`SENTINEL_ANCHOR_*`), or
 * undefined when the bucket or the key is missing (local stack, tests, other functions).
 * @throws ConfigError when `SENTINEL_ANCHOR_CHECKPOINT_MINUTES` is not 1 to 10080
 */
export function anchorSettings(env: Env): DeployedAnchorSettings | undefined {
  const bucket = env.SENTINEL_ANCHOR_BUCKET;
  const keyId = env.SENTINEL_ANCHOR_KEY_ID;
  if (!bucket || !keyId) return undefined;
  const checkpointMinutes = envInt(env, 'SENTINEL_ANCHOR_CHECKPOINT_MINUTES', 1, 10_080);
  return {
    bucket,
    keyId,
    ...(env.SENTINEL_ANCHOR_FUNCTION ? { functionName: env.SENTINEL_ANCHOR_FUNCTION } : {}),
    ...(checkpointMinutes !== undefined ? { checkpointMinutes } : {}),
  };
}

/** The storage settings the environment overrides (`SENTINEL_TABLE_PREFIX`, `DYNAMODB_ENDPOINT`, `AWS_REGION`). */
export function storageFromEnv(env: Env): Partial<StorageConfig> {
  return {
    ...(env.SENTINEL_TABLE_PREFIX ? { tablePrefix: env.SENTINEL_TABLE_PREFIX } : {}),
    ...(env.DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  };
}

/** Storage from defaults and the environment alone (no configuration file): what the anchor function uses. */
export function envStorage(env: Env): StorageConfig {
  return { ...defaults.storage, ...storageFromEnv(env) };
}
