/**
 * Deployment settings for the CDK app: where and how to deploy (stage, regions,
 * sizes, alarms, VPC) from cdk.json context, plus the application configuration
 * (instances, schedule, policies, secret names) from the same YAML/JSON file the
 * local stack reads, validated with the same schema. Anything wrong fails synth with a
 * `ConfigError` naming the key.
 */
import * as path from 'node:path';
import { load as parseYaml } from 'js-yaml';
import * as v from 'valibot';
import { gzipSync } from 'node:zlib';
import {
  ConfigError,
  defaults,
  insecureSettings,
  loadConfig,
  readConfigFile,
  secretRefsOf,
  validateConfigFile,
  type InsecureSetting,
} from '../functions/lib/config/index';
import { DEFAULT_CONFIG_MAX_AGE_SECONDS, GZIP_PREFIX } from '../functions/lib/config/defaults';
import { firstIssue, type ConfigFile } from '../functions/lib/config/schema';
import { REPO_ROOT } from './bundling';

/** The cdk.json context key holding the deployment settings object. */
export const CONTEXT_KEY = 'sentinel';

/** Where deployment settings come from, used in error messages. */
export const CONTEXT_SOURCE = 'cdk.json context';

/** The largest value of an advanced-tier SSM parameter, where the deployed configuration lives. */
export const SSM_ADVANCED_LIMIT_BYTES = 8192;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number(), v.integer('must be an integer'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
const pattern = (re: RegExp, message?: string) => v.pipe(v.string(), v.regex(re, message));

const functionSettings = v.strictObject({
  memoryMb: v.optional(int(128, 10_240)),
  timeoutSeconds: v.optional(int(1, 900)),
});

const idList = (prefix: string) => v.array(pattern(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `must be ${prefix}-<hex>`));

/**
 * Schema of the `sentinel` context object. Strict like the application schema, so a
 * misspelt key fails synth. Flat context keys given with `-c key=value` (see
 * {@link FLAT_CONTEXT_KEYS}) override the matching field.
 */
export const deploymentSchema = v.strictObject({
  stage: v.optional(pattern(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and -, at most 20 characters')),
  regions: v.optional(
    v.pipe(v.array(pattern(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1')), v.minLength(1, 'must list at least one region')),
  ),
  account: v.optional(pattern(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  configFile: v.optional(v.pipe(v.string(), v.minLength(1))),
  config: v.optional(v.unknown()),
  serviceName: v.optional(pattern(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -')),
  tracing: v.optional(v.boolean()),
  logRetentionDays: v.optional(int(1)),
  alarmEmail: v.optional(v.pipe(v.string(), v.email('must be an email address'))),
  driftAlarmThreshold: v.optional(int(1)),
  driftScanReservedConcurrency: v.optional(int(0, 10)),
  configRefreshSeconds: v.optional(int(1, 3600)),
  secretsKmsKeyArns: v.optional(
    v.array(
      pattern(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
        'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)',
      ),
    ),
  ),
  queue: v.optional(
    v.strictObject({
      maxReceiveCount: v.optional(int(1, 1000)),
      batchSize: v.optional(int(1, 10)),
      maxConcurrency: v.optional(int(2, 1000)),
      maxBatchingWindowSeconds: v.optional(int(0, 300)),
    }),
  ),
  api: v.optional(
    v.strictObject({
      throttleRateLimit: v.optional(v.pipe(v.number(), v.gtValue(0, 'must be positive'))),
      throttleBurstLimit: v.optional(int(1)),
    }),
  ),
  functions: v.optional(
    v.strictObject({
      webhook: v.optional(functionSettings),
      syncWorker: v.optional(functionSettings),
      driftScan: v.optional(functionSettings),
      operatorApi: v.optional(functionSettings),
      anchor: v.optional(functionSettings),
      deployTracker: v.optional(functionSettings),
      notifier: v.optional(functionSettings),
    }),
  ),
  anchor: v.optional(
    v.strictObject({
      scheduleMinutes: v.optional(int(1, 1440)),
      checkpointMinutes: v.optional(int(1, 10_080)),
      retentionDays: v.optional(int(1, 36_500)),
    }),
  ),
  vpc: v.optional(
    v.strictObject({
      vpcId: pattern(/^vpc-[0-9a-f]{8,17}$/, 'must be vpc-<hex>'),
      subnetIds: v.pipe(idList('subnet'), v.minLength(1, 'must list at least one subnet')),
      securityGroupIds: v.optional(idList('sg')),
    }),
  ),
});

/** The `sentinel` context object as a user writes it. */
export type DeploymentInput = v.InferOutput<typeof deploymentSchema>;

/** Memory and timeout of one function. */
export interface FunctionSizing {
  /** @default per function, see {@link DEPLOYMENT_DEFAULTS} */
  memoryMb: number;
  /** @default per function, see {@link DEPLOYMENT_DEFAULTS} */
  timeoutSeconds: number;
}

/** Validated deployment settings with every default applied. */
export interface DeploymentSettings {
  /** Deployment stage, part of stack, table and resource names. @default "dev" */
  stage: string;
  /** Regions to deploy to, one stack each. @default the CLI's region (`CDK_DEFAULT_REGION`), else an environment-agnostic stack */
  regions: (string | undefined)[];
  /** @default the CLI's account (`CDK_DEFAULT_ACCOUNT`) */
  account?: string;
  /** Powertools service name of every function (the `service` metric dimension). @default "gitops-sentinel" */
  serviceName: string;
  /** X-Ray active tracing on every function. @default false */
  tracing: boolean;
  /** Retention of function and access log groups, in days. @default 30 */
  logRetentionDays: number;
  /** Subscribe this address to the alarm topic. @default no subscription */
  alarmEmail?: string;
  /** Alarm when the latest scan reports at least this many drifted apps. @default 1 */
  driftAlarmThreshold: number;
  /** Reserved concurrency of the drift scan (1 = scans never overlap; 0 = none reserved). @default 1 */
  driftScanReservedConcurrency: number;
  /**
   * Seconds a function uses its cached copy of the configuration parameter before reading it
   * again: a changed access policy takes effect within this time. @default 60
   */
  configRefreshSeconds: number;
  /**
   * Customer managed KMS keys that encrypt the referenced secrets: each function that reads
   * secrets may `kms:Decrypt` with them, only through Secrets Manager in its own region.
   * @default [] (secrets encrypted with the AWS managed key need no grant)
   */
  secretsKmsKeyArns: string[];
  /** The push queue and the worker's event source. */
  queue: {
    /** Receives before a push goes to the dead-letter queue. @default 5 */
    maxReceiveCount: number;
    /** @default 10 */
    batchSize: number;
    /** Concurrent worker invocations at most; bounds the load on ArgoCD. @default 5 */
    maxConcurrency: number;
    /** @default 0 (a push is handled within a second) */
    maxBatchingWindowSeconds: number;
  };
  /** Stage throttling of the HTTP API. */
  api: {
    /** Steady-state requests per second on the stage. @default 50 */
    throttleRateLimit: number;
    /** @default 100 */
    throttleBurstLimit: number;
  };
  /** Memory and timeout per function. */
  functions: {
    webhook: FunctionSizing;
    syncWorker: FunctionSizing;
    driftScan: FunctionSizing;
    operatorApi: FunctionSizing;
    anchor: FunctionSizing;
    deployTracker: FunctionSizing;
    notifier: FunctionSizing;
  };
  /** Signed digests of the audit chain heads (docs/audit-table.md). */
  anchor: {
    /** Minutes between anchor runs; an alarm fires when no digest was written for 3 of them. @default 5 */
    scheduleMinutes: number;
    /** Minutes between checkpoints (every chain's head). @default 60 */
    checkpointMinutes: number;
    /** Object Lock (compliance mode) retention of each digest, in days. @default 365 */
    retentionDays: number;
  };
  /** Existing VPC for the worker, scan and operator API. @default none (Lambda's own network) */
  vpc?: { vpcId: string; subnetIds: string[]; securityGroupIds: string[] };
}

/** Every deployment default, in one place (TSDoc on each field of {@link DeploymentSettings}). */
export const DEPLOYMENT_DEFAULTS: Omit<DeploymentSettings, 'regions' | 'account' | 'alarmEmail' | 'vpc'> = {
  stage: 'dev',
  serviceName: 'gitops-sentinel',
  tracing: false,
  logRetentionDays: 30,
  driftAlarmThreshold: 1,
  driftScanReservedConcurrency: 1,
  configRefreshSeconds: DEFAULT_CONFIG_MAX_AGE_SECONDS,
  secretsKmsKeyArns: [],
  queue: { maxReceiveCount: 5, batchSize: 10, maxConcurrency: 5, maxBatchingWindowSeconds: 0 },
  api: { throttleRateLimit: 50, throttleBurstLimit: 100 },
  functions: {
    // GitHub gives up on a hook after 10 s; the webhook answers well before that.
    webhook: { memoryMb: 512, timeoutSeconds: 10 },
    syncWorker: { memoryMb: 512, timeoutSeconds: 60 },
    driftScan: { memoryMb: 1024, timeoutSeconds: 240 },
    // API Gateway HTTP APIs cut an integration off at 30 s.
    operatorApi: { memoryMb: 512, timeoutSeconds: 29 },
    // A checkpoint reads one head per chain (100,000 chains: see bench/audit-anchor.bench.ts).
    anchor: { memoryMb: 1024, timeoutSeconds: 300 },
    // One ArgoCD read per deployment check: short.
    deployTracker: { memoryMb: 512, timeoutSeconds: 60 },
    // One send per message, each bounded by notify.timeoutMs (at most 30 s).
    notifier: { memoryMb: 256, timeoutSeconds: 40 },
  },
  anchor: { scheduleMinutes: 5, checkpointMinutes: 60, retentionDays: 365 },
};

/**
 * Flat context keys accepted on the command line (`cdk synth -c stage=prod -c region=eu-west-1`),
 * each overriding a field of the `sentinel` object. Lists are comma-separated.
 */
export const FLAT_CONTEXT_KEYS = ['stage', 'region', 'account', 'configFile', 'tracing', 'alarmEmail', 'vpcId', 'subnetIds', 'securityGroupIds'] as const;

/** Reads context by key; `app.node.tryGetContext` fits. */
export type ContextReader = (key: string) => unknown;

/** Everything the stack needs, validated. */
export interface SentinelDeployment {
  settings: DeploymentSettings;
  /** The validated application configuration (the file schema), as deployed. */
  config: ConfigFile;
  /** Where the application configuration came from. */
  configSource: string;
  /** The deployed configuration as JSON (what `loadConfig` takes as `SENTINEL_CONFIG_JSON`). */
  configJson: string;
  /** The value of the configuration parameter: the JSON, or `gz:` + base64 of it gzipped when the JSON is over the parameter limit. */
  configParameterValue: string;
  /** One line on the access policy, printed at synth. */
  accessSummary: string;
  /** Insecure settings the configuration acknowledges (`acknowledge`), printed at synth; any other fails it. */
  acknowledged: InsecureSetting[];
}

const list = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : v;
const bool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

/**
 * Validates the deployment settings from context and applies the defaults.
 * @param context reads a context key
 * @param env the process environment (`CDK_DEFAULT_REGION`, `CDK_DEFAULT_ACCOUNT`)
 * @throws ConfigError naming the offending key, e.g. `sentinel.queue.maxReceiveCount`
 */
export function readDeploymentSettings(context: ContextReader, env: NodeJS.ProcessEnv = process.env): DeploymentInput & { settings: DeploymentSettings } {
  const raw = context(CONTEXT_KEY) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(CONTEXT_KEY, CONTEXT_SOURCE, 'must be an object');
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const flat = (key: (typeof FLAT_CONTEXT_KEYS)[number]) => context(key);
  if (flat('stage') !== undefined) input.stage = flat('stage');
  if (flat('region') !== undefined) input.regions = list(flat('region'));
  if (flat('account') !== undefined) input.account = String(flat('account'));
  if (flat('configFile') !== undefined) input.configFile = flat('configFile');
  if (flat('tracing') !== undefined) input.tracing = bool(flat('tracing'));
  if (flat('alarmEmail') !== undefined) input.alarmEmail = flat('alarmEmail');
  if (flat('vpcId') !== undefined || flat('subnetIds') !== undefined) {
    const vpc = { ...((input.vpc as object | undefined) ?? {}) } as Record<string, unknown>;
    if (flat('vpcId') !== undefined) vpc.vpcId = flat('vpcId');
    if (flat('subnetIds') !== undefined) vpc.subnetIds = list(flat('subnetIds'));
    if (flat('securityGroupIds') !== undefined) vpc.securityGroupIds = list(flat('securityGroupIds'));
    input.vpc = vpc;
  }
  const issue = firstIssue(input, deploymentSchema);
  if (issue) throw new ConfigError(`${CONTEXT_KEY}.${issue.key}`, CONTEXT_SOURCE, issue.problem);
  const d = input as DeploymentInput;
  const D = DEPLOYMENT_DEFAULTS;
  const sizing = (k: keyof DeploymentSettings['functions']) => ({ ...D.functions[k], ...strip(d.functions?.[k] ?? {}) });
  const settings: DeploymentSettings = {
    stage: d.stage ?? D.stage,
    regions: d.regions ?? [env.CDK_DEFAULT_REGION || undefined],
    account: d.account ?? (env.CDK_DEFAULT_ACCOUNT || undefined),
    serviceName: d.serviceName ?? D.serviceName,
    tracing: d.tracing ?? D.tracing,
    logRetentionDays: d.logRetentionDays ?? D.logRetentionDays,
    alarmEmail: d.alarmEmail,
    driftAlarmThreshold: d.driftAlarmThreshold ?? D.driftAlarmThreshold,
    driftScanReservedConcurrency: d.driftScanReservedConcurrency ?? D.driftScanReservedConcurrency,
    configRefreshSeconds: d.configRefreshSeconds ?? D.configRefreshSeconds,
    secretsKmsKeyArns: d.secretsKmsKeyArns ?? D.secretsKmsKeyArns,
    queue: { ...D.queue, ...strip(d.queue ?? {}) },
    api: { ...D.api, ...strip(d.api ?? {}) },
    functions: {
      webhook: sizing('webhook'),
      syncWorker: sizing('syncWorker'),
      driftScan: sizing('driftScan'),
      operatorApi: sizing('operatorApi'),
      anchor: sizing('anchor'),
      deployTracker: sizing('deployTracker'),
      notifier: sizing('notifier'),
    },
    anchor: { ...D.anchor, ...strip(d.anchor ?? {}) },
    vpc: d.vpc ? { vpcId: d.vpc.vpcId, subnetIds: d.vpc.subnetIds, securityGroupIds: d.vpc.securityGroupIds ?? [] } : undefined,
  };
  return { ...d, settings };
}

function readFile(file: string): unknown {
  return readConfigFile(path.resolve(REPO_ROOT, file), (text) => parseYaml(text), `${CONTEXT_KEY}.configFile`, CONTEXT_SOURCE).data;
}

/** Deployed functions read every secret from Secrets Manager: a `{ env }` reference anywhere is refused, naming its key. */
function refuseEnvSecrets(file: ConfigFile, source: string): void {
  (file.instances ?? []).forEach((instance, n) => {
    if ('env' in instance.token) {
      throw new ConfigError(
        `instances.${n}.token`,
        source,
        'deployed functions read secrets from Secrets Manager: give { secretId } (a name or ARN), not { env }',
      );
    }
    for (const [provider, ref] of Object.entries(instance.applicationSetWebhook?.secrets ?? {})) {
      if (ref && 'env' in ref)
        throw new ConfigError(
          `instances.${n}.applicationSetWebhook.secrets.${provider}`,
          source,
          'deployed functions read secrets from Secrets Manager: give { secretId } (a name or ARN), not { env }',
        );
    }
    for (const [purpose, ref] of Object.entries(instance.tokens ?? {})) {
      if (ref && 'env' in ref)
        throw new ConfigError(
          `instances.${n}.tokens.${purpose}`,
          source,
          'deployed functions read secrets from Secrets Manager: give { secretId } (a name or ARN), not { env }',
        );
    }
  });
  for (const [provider, setting] of Object.entries(file.webhook?.secrets ?? {})) {
    secretRefsOf(setting).forEach((ref, n) => {
      if ('env' in ref) {
        const key = Array.isArray(setting) ? `webhook.secrets.${provider}.${n}` : `webhook.secrets.${provider}`;
        throw new ConfigError(key, source, 'deployed functions read secrets from Secrets Manager: give { secretId } (a name or ARN), not { env }');
      }
    });
  }

  for (const [provider, api] of Object.entries(file.gitApis ?? {})) {
    if (typeof api === 'object' && api.token && 'env' in api.token) {
      throw new ConfigError(
        `gitApis.${provider}.token`,
        source,
        'deployed functions read secrets from Secrets Manager: give { secretId } (a name or ARN), not { env }',
      );
    }
  }
}

/**
 * Loads and validates everything a deployment needs: the deployment settings, then the
 * application configuration from `sentinel.config` (inline), `sentinel.configFile` /
 * `-c configFile=...`, or the `SENTINEL_CONFIG` environment variable, in that order.
 * Deployed functions read every secret from Secrets Manager, so a `{ env }` secret
 * reference is refused here. Settings that only make sense locally (`port`,
 * `queueUrl`, `storage.dynamodbEndpoint`) are dropped from the deployed copy.
 * @throws ConfigError naming the key and its source
 */
export function loadDeployment(context: ContextReader, env: NodeJS.ProcessEnv = process.env): SentinelDeployment {
  const input = readDeploymentSettings(context, env);
  let data: unknown = {};
  let source = 'defaults';
  if (input.config !== undefined) {
    data = input.config;
    source = `${CONTEXT_SOURCE} ${CONTEXT_KEY}.config`;
  } else if (input.configFile ?? env.SENTINEL_CONFIG) {
    source = (input.configFile ?? env.SENTINEL_CONFIG) as string;
    data = readFile(source);
  }
  const file = validateConfigFile(data, source);

  refuseEnvSecrets(file, source);
  const acknowledged = refuseUnacknowledged(file, source);

  const deployed: ConfigFile = { ...file };
  delete deployed.port;
  delete deployed.queueUrl;
  // Local bearer tokens mean nothing deployed, where IAM authenticates callers.
  if (deployed.access) {
    deployed.access = { ...deployed.access };
    delete deployed.access.localTokens;
  }
  if (deployed.storage) {
    deployed.storage = { ...deployed.storage };
    delete deployed.storage.dynamodbEndpoint;
  }
  const configJson = JSON.stringify(deployed);
  // Access policies for many teams outgrow 8 KB of JSON long before they outgrow 8 KB gzipped.
  const configParameterValue =
    Buffer.byteLength(configJson) <= SSM_ADVANCED_LIMIT_BYTES
      ? configJson
      : `${GZIP_PREFIX}${gzipSync(Buffer.from(configJson), { level: 9 }).toString('base64')}`;
  if (Buffer.byteLength(configParameterValue) > SSM_ADVANCED_LIMIT_BYTES) {
    throw new ConfigError(
      '(file)',
      source,
      `configuration is ${Buffer.byteLength(configJson)} bytes as JSON, ${Buffer.byteLength(configParameterValue)} gzipped and base64-encoded; an ` +
        `advanced SSM parameter holds at most ${SSM_ADVANCED_LIMIT_BYTES}`,
    );
  }
  const rules = file.access?.rules;
  const accessSummary = rules
    ? `gitops-sentinel: access policy with ${rules.length} rule(s) (access.rules) for the operator API`
    : 'gitops-sentinel: no access policy (access.rules): every principal IAM lets invoke the operator API may do everything';
  return { settings: input.settings, config: file, configSource: source, configJson, configParameterValue, accessSummary, acknowledged };
}

/**
 * Fails synth on an insecure setting (an `http://` ArgoCD server, `insecure: true`,
 * `webhook.allowUnsigned: true`) that `acknowledge` does not accept: a deployment that would
 * send the ArgoCD token in clear text, or queue unsigned pushes, must be chosen knowingly.
 * The rule is `insecureSettings`, the same one the local banner warns with.
 * @returns the acknowledged ones
 * @throws ConfigError naming the first unacknowledged setting's key, the problem and the entry that would accept it
 */
function refuseUnacknowledged(file: ConfigFile, source: string): InsecureSetting[] {
  let config;
  try {
    // The configuration exactly as the functions will load it (servers normalised, defaults applied).
    config = loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify(file) });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.key, source, error.problem, { cause: error });
    throw error;
  }
  const settings = insecureSettings(config);
  const refused = settings.find((s) => !s.acknowledged);
  if (refused) {
    throw new ConfigError(refused.key, source, `${refused.problem}; refused in a deployment unless acknowledged (acknowledge: [${refused.acknowledgement}])`);
  }
  return settings;
}

/** Minutes between scheduled drift scans, from the application config. */
export function driftScheduleMinutes(config: ConfigFile): number {
  return config.drift?.scheduleMinutes ?? defaults.drift.scheduleMinutes;
}

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
