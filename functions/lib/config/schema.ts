import * as v from 'valibot';

/**
 * The schema of the configuration file (`SENTINEL_CONFIG`, YAML or JSON) and of the
 * deployed `SENTINEL_CONFIG_JSON`. Every object is strict, so a misspelt key fails loudly.
 * The CDK app validates the very same schema at synth time. (valibot: a few KB in a
 * Lambda bundle, where zod cost over 400 KB.)
 */
const secretRef = v.union([
  v.strictObject({ env: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')) }),
  v.strictObject({ secretId: v.pipe(v.string(), v.minLength(1)), jsonKey: v.optional(v.pipe(v.string(), v.minLength(1))) }),
]);

/**
 * Repositories a webhook secret may sign for: normalised URLs (`github.com/acme/app`) or globs
 * on them (`github.com/acme/*`). Absent: every repository.
 */
const repositories = v.optional(
  v.pipe(
    v.array(
      v.pipe(
        v.string(),
        v.minLength(1, 'must not be empty'),
        v.maxLength(1024, 'must be at most 1024 characters'),
        v.regex(/^[^\s]+$/, 'must not contain spaces'),
      ),
    ),
    v.minLength(1, 'must list at least one repository (leave the key out to allow every repository)'),
    v.maxLength(500, 'must list at most 500 repositories'),
  ),
);

/** One webhook secret reference, optionally limited to repositories. */
const webhookSecretRef = v.union([
  v.strictObject({ env: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')), repositories }),
  v.strictObject({ secretId: v.pipe(v.string(), v.minLength(1)), jsonKey: v.optional(v.pipe(v.string(), v.minLength(1))), repositories }),
]);

/** A webhook secret, or up to 20 of them (rotation, or one per organisation with `repositories`). */
const webhookSecret = v.union([
  webhookSecretRef,
  v.pipe(v.array(webhookSecretRef), v.minLength(1, 'must list at least one secret'), v.maxLength(20, 'must list at most 20 secrets')),
]);

/** Settings that weaken security, each refused in a deployed configuration unless acknowledged here. */
export const ACKNOWLEDGEABLE = ['insecure-argocd', 'allow-unsigned'] as const;

const nonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number(), v.integer('must be an integer'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

/** The ArgoCD token purposes; each may have its own token (and ArgoCD RBAC role), see docs/deploy.md. */
export const TOKEN_PURPOSES = ['worker', 'scanner', 'importer', 'operator'] as const;

/**
 * The ApplicationSet controller's webhook of an instance (`argocd-applicationset-controller`,
 * port 7000, `/api/webhook`): each verified push of a provider with a secret here is forwarded
 * to it, re-signed with that secret (the values of `webhook.github.secret`, `webhook.gitlab.secret`,
 * `webhook.azuredevops.username`/`password` in that ArgoCD's `argocd-secret`). ArgoCD's
 * ApplicationSet webhook accepts only GitHub, GitLab and Azure DevOps, hence only these keys.
 */
const applicationSetWebhook = v.strictObject({
  url: v.pipe(
    v.string(),
    v.url('must be a URL'),
    v.check((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
    // Credentials in the URL would end up in logs and audit records; the secrets below authenticate.
    v.check((u) => !/^https?:\/\/[^/?#]*@/i.test(u), 'must not contain credentials (user:password@)'),
  ),
  secrets: v.pipe(
    v.strictObject({
      github: v.optional(secretRef),
      gitlab: v.optional(secretRef),
      azureDevOpsUsername: v.optional(secretRef),
      azureDevOpsPassword: v.optional(secretRef),
    }),
    v.check((s) => Object.values(s).some((x) => x !== undefined), 'must name at least one of github, gitlab, azureDevOpsUsername + azureDevOpsPassword'),
    v.check((s) => (s.azureDevOpsUsername === undefined) === (s.azureDevOpsPassword === undefined), 'azureDevOpsUsername and azureDevOpsPassword go together'),
  ),
  /** Only pushes to these repositories are forwarded (same patterns as a webhook secret's). Absent: every repository. */
  repositories,
});

const instance = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)')),
  server: nonEmpty,
  token: secretRef,
  /** A token per purpose; a purpose without one uses `token`. */
  tokens: v.optional(
    v.strictObject({
      worker: v.optional(secretRef),
      scanner: v.optional(secretRef),
      importer: v.optional(secretRef),
      operator: v.optional(secretRef),
    }),
  ),
  insecure: v.optional(v.boolean()),
  namespace: v.optional(nonEmpty),
  applicationSetWebhook: v.optional(applicationSetWebhook),
});

const rule = v.strictObject({
  instance: v.optional(v.string()),
  project: v.optional(v.string()),
  selector: v.optional(v.string()),
});

/** The operator API actions an access rule may grant (`admin` grants all of them). */
export const ACCESS_ACTIONS = ['read', 'verify', 'rollback', 'scan', 'clear-flapping', 'export', 'import', 'admin'] as const;

const globList = (what: string) =>
  v.pipe(
    v.array(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512, 'must be at most 512 characters'))),
    v.minLength(1, `must list at least one ${what}`),
  );

const accessRule = v.strictObject({
  /** Globs (picomatch) over IAM principal ARNs or `local:<name>`. */
  principals: globList('principal'),
  /** Globs over instance names. @default ["*"] */
  instances: v.optional(globList('instance')),
  /** ArgoCD project names, `*` = all. */
  projects: v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^(\*|[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/, 'must be an ArgoCD project name or *'))),
    v.minLength(1, 'must list at least one project ("*" for all)'),
  ),
  actions: v.pipe(v.array(v.picklist(ACCESS_ACTIONS, `must be one of: ${ACCESS_ACTIONS.join(', ')}`)), v.minLength(1, 'must list at least one action')),
});

const localToken = v.strictObject({
  principal: v.pipe(v.string(), v.regex(/^local:[A-Za-z0-9_.@-]{1,64}$/, 'must be local:<name> (letters, digits, _ . @ -)')),
  token: secretRef,
});

/** A Git provider's REST API: base URL and token (compare API for changed files, commit statuses). */
const gitApi = v.strictObject({
  apiUrl: v.optional(v.pipe(v.string(), v.url())),
  token: v.optional(secretRef),
});

/** The event kinds a notification rule may name (issue 14 item 3). */
export const NOTIFY_EVENT_KINDS = [
  'drift.found',
  'drift.repaired',
  'drift.flapping',
  'deploy.succeeded',
  'deploy.failed',
  'deploy.degraded',
  'deploy.timeout',
  'delivery.dead-lettered',
  'audit.verify-failed',
  'webhook.refused-spike',
] as const;

const channelName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -'));
const httpUrl = v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//i, 'must be an http(s) URL'));

/** One notification channel; `type` picks the shape. */
const notifyChannel = v.variant('type', [
  v.strictObject({ name: channelName, type: v.literal('slack'), url: secretRef }),
  v.strictObject({ name: channelName, type: v.literal('webhook'), url: httpUrl, secret: secretRef }),
  v.strictObject({
    name: channelName,
    type: v.literal('sns'),
    topicArn: v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'must be an SNS topic ARN')),
  }),
  v.strictObject({
    name: channelName,
    type: v.literal('eventbridge'),
    eventBusName: v.pipe(
      v.string(),
      v.regex(/^(default|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/, 'must be default or an event bus ARN'),
    ),
    source: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be 1-256 of A-Z a-z 0-9 . _ -'))),
  }),
]);

const notifyRule = v.strictObject({
  events: v.pipe(
    v.array(v.picklist(NOTIFY_EVENT_KINDS, `must be one of: ${NOTIFY_EVENT_KINDS.join(', ')}`)),
    v.minLength(1, 'must list at least one event kind'),
  ),
  instances: v.optional(globList('instance')),
  projects: v.optional(globList('project')),
  apps: v.optional(globList('app')),
  channels: v.pipe(v.array(channelName), v.minLength(1, 'must list at least one channel')),
});

/** The file schema: every field optional, defaults come from `defaults.ts`. */
export const fileSchema = v.strictObject({
  instances: v.optional(v.array(instance)),
  webhook: v.optional(
    v.strictObject({
      maxBodyBytes: v.optional(int(1, 50 * 1024 * 1024)),
      allowUnsigned: v.optional(v.boolean()),
      dedupeSeconds: v.optional(int(1)),
      refLedgerDays: v.optional(int(1, 3650)),
      secrets: v.optional(
        v.strictObject({
          github: v.optional(webhookSecret),
          gitlab: v.optional(webhookSecret),
          bitbucketCloud: v.optional(webhookSecret),
          bitbucketCloudSecret: v.optional(webhookSecret),
          bitbucketServer: v.optional(webhookSecret),
          gogs: v.optional(webhookSecret),
          azureDevOpsUsername: v.optional(webhookSecret),
          azureDevOpsPassword: v.optional(webhookSecret),
        }),
      ),
    }),
  ),
  drift: v.optional(
    v.strictObject({
      scheduleMinutes: v.optional(int(1, 1440)),
      maxRepairsPerScan: v.optional(int(0)),
      cooldownMinutes: v.optional(int(0)),
      detailsConcurrency: v.optional(int(1, 256)),
      maxDetailsPerScan: v.optional(int(0)),
      detailsRefresh: v.optional(v.picklist(['every-scan', 'on-change'], 'must be every-scan or on-change')),
      dryRun: v.optional(v.boolean()),
      prune: v.optional(v.boolean()),
      rules: v.optional(v.array(rule)),
    }),
  ),
  argocd: v.optional(
    v.strictObject({
      timeoutMs: v.optional(int(1)),
      retries: v.optional(int(0, 10)),
      backoffMs: v.optional(int(0)),
      concurrency: v.optional(int(1, 1024)),
      ratePerSecond: v.optional(int(0, 10_000)),
      refreshWaitMs: v.optional(int(1, 60_000)),
      coalesceWindowMs: v.optional(int(0, 60_000)),
      coalesceSkewMs: v.optional(int(0, 60_000)),
    }),
  ),
  storage: v.optional(
    v.strictObject({
      tablePrefix: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,200}$/, 'must be 1-200 of A-Z a-z 0-9 _ . -'))),
      dynamodbEndpoint: v.optional(v.pipe(v.string(), v.url())),
      region: v.optional(nonEmpty),
    }),
  ),
  access: v.optional(
    v.strictObject({
      /** Without rules every authenticated caller may do everything. */
      rules: v.optional(v.array(accessRule)),
      localTokens: v.optional(v.array(localToken)),
    }),
  ),
  deploy: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean()),
      timeoutMinutes: v.optional(int(1, 1440)),
      // Fractions of a second are for local demos and tests; SQS rounds up to whole seconds.
      firstCheckSeconds: v.optional(v.pipe(v.number(), v.minValue(0.01, 'must be at least 0.01'), v.maxValue(900, 'must be at most 900'))),
      maxCheckSeconds: v.optional(
        v.pipe(v.number(), v.minValue(0.01, 'must be at least 0.01'), v.maxValue(900, 'must be at most 900 (the SQS DelaySeconds limit)')),
      ),
      backoffFactor: v.optional(v.pipe(v.number(), v.minValue(1, 'must be at least 1'), v.maxValue(10, 'must be at most 10'))),
    }),
  ),
  gitApis: v.optional(
    v.strictObject({
      timeoutMs: v.optional(int(1, 60_000)),
      github: v.optional(gitApi),
      gitlab: v.optional(gitApi),
      azureDevOps: v.optional(gitApi),
      bitbucketCloud: v.optional(gitApi),
      // Self-hosted: no default URL, so one is required.
      bitbucketServer: v.optional(v.strictObject({ ...gitApi.entries, apiUrl: v.pipe(v.string(), v.url()) })),
      gitea: v.optional(gitApi),
    }),
  ),
  commitStatus: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean()),
      maxAttempts: v.optional(int(1, 20)),
      // Fractions of a second are for local demos and tests; SQS rounds up to whole seconds.
      retryBaseSeconds: v.optional(v.pipe(v.number(), v.minValue(0.01, 'must be at least 0.01'), v.maxValue(900, 'must be at most 900'))),
      authCooldownMinutes: v.optional(int(1, 10_080)),
    }),
  ),
  port: v.optional(int(1, 65535)),
  appIndexTtlSeconds: v.optional(int(1)),
  queueUrl: v.optional(nonEmpty),
  acknowledge: v.optional(v.array(v.picklist(ACKNOWLEDGEABLE, `must be one of ${ACKNOWLEDGEABLE.join(', ')}`))),
  followUpQueueUrl: v.optional(nonEmpty),
  notify: v.optional(
    v.strictObject({
      channels: v.optional(v.pipe(v.array(notifyChannel), v.maxLength(50, 'must list at most 50 channels'))),
      rules: v.optional(v.pipe(v.array(notifyRule), v.maxLength(200, 'must list at most 200 rules'))),
      maxAttempts: v.optional(int(1, 20)),
      // Fractions of a second are for local demos and tests; SQS rounds up to whole seconds.
      backoffSeconds: v.optional(v.pipe(v.number(), v.minValue(0.01, 'must be at least 0.01'), v.maxValue(900, 'must be at most 900'))),
      maxBackoffSeconds: v.optional(
        v.pipe(v.number(), v.minValue(0.01, 'must be at least 0.01'), v.maxValue(900, 'must be at most 900 (the SQS DelaySeconds limit)')),
      ),
      timeoutMs: v.optional(int(100, 30_000)),
      dedupeHours: v.optional(int(1, 24 * 90)),
      refusedSpike: v.optional(v.strictObject({ threshold: v.optional(int(1, 1_000_000)), windowMinutes: v.optional(int(1, 1440)) })),
    }),
  ),
});

/** The configuration file as written by a user. */
export type ConfigFile = v.InferOutput<typeof fileSchema>;

/**
 * The first problem of a failed validation as a dotted key and a one-line reason, or null
 * when `data` is valid.
 * @param schema the file schema by default; the CDK app passes its deployment schema
 */
export function firstIssue(data: unknown, schema: v.GenericSchema = fileSchema): { key: string; problem: string } | null {
  const result = v.safeParse(schema, data);
  if (result.success) return null;
  let issue = result.issues[0];
  // A union reports its own issue; the branch's issue is more telling (e.g. a bad `env` name).
  while (issue.issues?.length && issue.type === 'union') issue = issue.issues[0];
  const key = v.getDotPath(issue) ?? '(root)';
  const problem = issue.type === 'strict_object' && issue.expected === 'never' ? 'unknown key' : issue.message;
  return { key, problem };
}
