import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import { DEFAULT_ARGOCD_NAMESPACE, DEFAULT_INSTANCE_NAME, defaults } from './defaults';
import { anchorSettings, envInt as int, storageFromEnv } from './env';
import { notifyConfigOf } from './notify';
import { firstIssue, type ConfigFile } from './schema';
import type { InstanceConfig, SecretRef, SentinelConfig, TokenPurpose, WebhookSecretRef, WebhookSecrets, WebhookSecretSetting } from './types';
import { stripUndefined } from '../runtime/objects';

export type * from './types';
export { ConfigError } from './errors';
export { defaults, DEFAULT_INSTANCE_NAME, DEFAULT_ARGOCD_NAMESPACE } from './defaults';
export { fileSchema, firstIssue, ACCESS_ACTIONS, TOKEN_PURPOSES, NOTIFY_EVENT_KINDS, type ConfigFile } from './schema';
export { insecureSettings, type InsecureSetting } from './insecure-settings';

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /**
   * Parser for YAML files. Deployed functions pass none (they get `SENTINEL_CONFIG_JSON`, and
   * their bundles stay free of a YAML parser); `loadLocalConfig` passes js-yaml.
   */
  parseYaml?: (text: string) => unknown;
}

type Env = Record<string, string | undefined>;

/** The references of a webhook secret setting, as a list (one, or several during a rotation). */
export function secretRefsOf(setting: WebhookSecretSetting | undefined): readonly WebhookSecretRef[] {
  if (setting === undefined) return [];
  return Array.isArray(setting) ? (setting as readonly WebhookSecretRef[]) : [setting as WebhookSecretRef];
}

/** The token reference an instance uses for a purpose: its own for that purpose, else the one token. */
export function tokenFor(instance: Pick<InstanceConfig, 'token' | 'tokens'>, purpose?: TokenPurpose): SecretRef {
  return (purpose && instance.tokens?.[purpose]) || instance.token;
}

/** Webhook secret environment variables (DESIGN.md) and the config key each fills. */
export const WEBHOOK_SECRET_ENV: Record<string, keyof WebhookSecrets> = {
  GITHUB_WEBHOOK_SECRET: 'github',
  GITLAB_WEBHOOK_SECRET: 'gitlab',
  BITBUCKET_WEBHOOK_UUID: 'bitbucketCloud',
  BITBUCKET_WEBHOOK_SECRET: 'bitbucketCloudSecret',
  BITBUCKET_SERVER_WEBHOOK_SECRET: 'bitbucketServer',
  GOGS_WEBHOOK_SECRET: 'gogs',
  AZURE_DEVOPS_USERNAME: 'azureDevOpsUsername',
  AZURE_DEVOPS_PASSWORD: 'azureDevOpsPassword',
};

/**
 * Normalises an ArgoCD server setting to a base URL. A bare `host:port` means https,
 * as with the argocd CLI.
 * @example normalizeServer('argocd.example.com:443') // 'https://argocd.example.com:443'
 */
export function normalizeServer(server: string): string {
  const s = server.trim().replace(/\/+$/, '');
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`unsupported scheme ${parsed.protocol}`);
  return url;
}

function bool(env: Env, key: string): boolean | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(key, 'environment', `expected true or false, got "${v}"`);
}

/**
 * Reads and parses a configuration file (JSON by extension, else YAML).
 * @param key the setting that named the file, for errors (e.g. `SENTINEL_CONFIG`)
 * @param keySource where that setting came from, for errors
 * @throws ConfigError when the file cannot be read or parsed (the message names the file)
 */
export function readConfigFile(
  path: string,
  parseYaml: LoadConfigOptions['parseYaml'],
  key = 'SENTINEL_CONFIG',
  keySource = 'environment',
): { data: unknown; source: string } {
  const isJson = path.endsWith('.json');
  if (!isJson && !parseYaml) {
    throw new ConfigError(
      key,
      keySource,
      `${path}: YAML files are read by the local stack, the CLI and the CDK app; deployed functions take SENTINEL_CONFIG_JSON or a .json file`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(key, keySource, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return { data: isJson ? JSON.parse(text) : parseYaml!(text), source: path };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'parse error';
    throw new ConfigError('(file)', path, `not valid ${isJson ? 'JSON' : 'YAML'}: ${reason}`);
  }
}

/**
 * Validates raw file content against the schema.
 * @throws ConfigError naming the first offending key and the source
 */
export function validateConfigFile(data: unknown, source: string): ConfigFile {
  const issue = firstIssue(data ?? {});
  if (issue) throw new ConfigError(issue.key, source, issue.problem);
  return data ?? {};
}

/** The configuration file's content and where it came from: `SENTINEL_CONFIG_JSON`, the file `SENTINEL_CONFIG` names, or none. */
function readConfigSource(env: Env, options: LoadConfigOptions): { file: ConfigFile; source: string } {
  if (env.SENTINEL_CONFIG_JSON) {
    let data: unknown;
    try {
      data = JSON.parse(env.SENTINEL_CONFIG_JSON);
    } catch {
      throw new ConfigError('SENTINEL_CONFIG_JSON', 'environment', 'not valid JSON');
    }
    return { file: validateConfigFile(data, 'SENTINEL_CONFIG_JSON'), source: 'environment' };
  }
  if (env.SENTINEL_CONFIG) {
    const read = readConfigFile(env.SENTINEL_CONFIG, options.parseYaml);
    return { file: validateConfigFile(read.data, read.source), source: read.source };
  }
  return { file: {}, source: 'environment' };
}

/** The file's instances with their defaults, servers normalised, names unique. */
function instancesOf(file: ConfigFile, source: string): InstanceConfig[] {
  const instances: InstanceConfig[] = (file.instances ?? []).map((i, n) => {
    try {
      return {
        name: i.name,
        server: normalizeServer(i.server),
        token: i.token,
        ...(i.tokens ? { tokens: stripUndefined(i.tokens) } : {}),
        insecure: i.insecure ?? false,
        namespace: i.namespace ?? DEFAULT_ARGOCD_NAMESPACE,
        ...(i.applicationSetWebhook ? { applicationSetWebhook: i.applicationSetWebhook } : {}),
      };
    } catch {
      throw new ConfigError(`instances.${n}.server`, source, `not a URL or host:port: "${i.server}"`);
    }
  });
  const names = new Set<string>();
  instances.forEach((i, n) => {
    if (names.has(i.name)) throw new ConfigError(`instances.${n}.name`, source, `duplicate instance name "${i.name}"`);
    names.add(i.name);
  });
  return instances;
}

/**
 * `ARGOCD_SERVER` + `ARGOCD_AUTH_TOKEN` (DESIGN.md) define the instance named `default`: it replaces
 * the file's `default` instance in place, else comes first.
 */
function applyArgoCDEnv(instances: InstanceConfig[], env: Env): void {
  if (!env.ARGOCD_SERVER) return;
  let server: string;
  try {
    server = normalizeServer(env.ARGOCD_SERVER);
  } catch {
    throw new ConfigError('ARGOCD_SERVER', 'environment', `not a URL or host:port: "${env.ARGOCD_SERVER}"`);
  }
  if (!env.ARGOCD_AUTH_TOKEN) throw new ConfigError('ARGOCD_AUTH_TOKEN', 'environment', 'required when ARGOCD_SERVER is set');
  const fromEnv: InstanceConfig = {
    name: DEFAULT_INSTANCE_NAME,
    server,
    token: { env: 'ARGOCD_AUTH_TOKEN' },
    insecure: bool(env, 'ARGOCD_INSECURE') ?? false,
    namespace: env.ARGOCD_NAMESPACE || DEFAULT_ARGOCD_NAMESPACE,
  };
  const at = instances.findIndex((i) => i.name === DEFAULT_INSTANCE_NAME);
  // The variables name the server and token; the file's ApplicationSet webhook for `default` stays.
  const appset = at >= 0 ? instances[at].applicationSetWebhook : undefined;
  if (appset) fromEnv.applicationSetWebhook = appset;
  if (at >= 0) instances[at] = fromEnv;
  else instances.unshift(fromEnv);
}

/** The file's webhook secrets, each provider's replaced by its environment variable when set ({@link WEBHOOK_SECRET_ENV}). */
function webhookSecretsOf(file: ConfigFile, env: Env): WebhookSecrets {
  const secrets: WebhookSecrets = { ...(file.webhook?.secrets ?? {}) };
  for (const [variable, key] of Object.entries(WEBHOOK_SECRET_ENV)) {
    if (env[variable]) secrets[key] = { env: variable };
  }
  return secrets;
}

/**
 * Parses and validates the whole configuration once: defaults, then the file named by
 * `SENTINEL_CONFIG` (YAML or JSON) or the inline `SENTINEL_CONFIG_JSON` (deployed), then
 * environment variables (DESIGN.md names). Takes its input, so tests never touch
 * `process.env`.
 * @throws ConfigError with a message that names the key and the file or variable
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): SentinelConfig {
  const { file, source } = readConfigSource(env, options);
  const instances = instancesOf(file, source);
  applyArgoCDEnv(instances, env);
  const secrets = webhookSecretsOf(file, env);

  return {
    instances,
    webhook: {
      ...defaults.webhook,
      ...stripUndefined(file.webhook ?? {}),
      secrets,
      ...stripUndefined({ allowUnsigned: bool(env, 'SENTINEL_ALLOW_UNSIGNED'), maxBodyBytes: int(env, 'SENTINEL_MAX_BODY_BYTES', 1, 50 * 1024 * 1024) }),
    },
    drift: {
      ...defaults.drift,
      ...stripUndefined(file.drift ?? {}),
      ...stripUndefined({ scheduleMinutes: int(env, 'SENTINEL_DRIFT_INTERVAL_MINUTES', 1, 1440), dryRun: bool(env, 'SENTINEL_DRIFT_DRY_RUN') }),
    },
    argocd: { ...defaults.argocd, ...stripUndefined(file.argocd ?? {}) },
    storage: {
      ...defaults.storage,
      ...stripUndefined(file.storage ?? {}),
      ...storageFromEnv(env),
    },
    port: int(env, 'PORT', 1, 65535) ?? file.port ?? defaults.port,
    appIndexTtlSeconds: file.appIndexTtlSeconds ?? defaults.appIndexTtlSeconds,
    queueUrl: env.SENTINEL_QUEUE_URL || file.queueUrl,
    access: {
      ...(file.access?.rules
        ? { rules: file.access.rules.map((r) => ({ principals: r.principals, instances: r.instances ?? ['*'], projects: r.projects, actions: r.actions })) }
        : {}),
      localTokens: file.access?.localTokens ?? [],
    },
    acknowledge: [...new Set(file.acknowledge ?? [])],
    deploy: { ...defaults.deploy, ...stripUndefined(file.deploy ?? {}) },
    commitStatus: { ...defaults.commitStatus, ...stripUndefined(file.commitStatus ?? {}) },
    followUpQueueUrl: env.SENTINEL_FOLLOWUP_QUEUE_URL || file.followUpQueueUrl,
    ...(file.gitApis ? { gitApis: file.gitApis } : {}),
    notify: notifyConfigOf(file.notify, source),
    ...stripUndefined({ notifyQueueUrl: env.SENTINEL_NOTIFY_QUEUE_URL || undefined, notifyDeadLetterQueueUrl: env.SENTINEL_NOTIFY_DLQ_URL || undefined }),
    maxReceiveCount: int(env, 'SENTINEL_MAX_RECEIVE_COUNT', 1, 1000) ?? defaults.maxReceiveCount,
    ...stripUndefined({ anchor: anchorSettings(env) }),
  };
}

/** Where a deployed function reads its configuration from. */
export interface ConfigParameterSettings {
  /** `SENTINEL_CONFIG_PARAMETER`: the SSM parameter's name or ARN. */
  name: string;
  /** `SENTINEL_CONFIG_MAX_AGE_SECONDS`: how long a read copy is used. @default 60 (`DEFAULT_CONFIG_MAX_AGE_SECONDS`) */
  maxAgeSeconds?: number;
}

/**
 * The configuration parameter the stack named for a function, or undefined when there is none
 * (the configuration is then `SENTINEL_CONFIG_JSON` or `SENTINEL_CONFIG`, read by `loadConfig`).
 * These two variables say where the configuration lives, so they are read before it.
 * @throws ConfigError when `SENTINEL_CONFIG_MAX_AGE_SECONDS` is not a whole number of seconds from 1 to 3600
 */
export function configParameterOf(env: Env): ConfigParameterSettings | undefined {
  const name = env.SENTINEL_CONFIG_PARAMETER;
  if (!name) return undefined;
  return { name, ...stripUndefined({ maxAgeSeconds: int(env, 'SENTINEL_CONFIG_MAX_AGE_SECONDS', 1, 3600) }) };
}
