/**
 * Where a secret comes from: an environment variable (local use) or AWS Secrets
 * Manager by name or ARN, optionally a key inside a JSON secret.
 */
export type SecretRef = { env: string; secretId?: never; jsonKey?: never } | { secretId: string; jsonKey?: string; env?: never };

/** What an ArgoCD token is used for. */
export type TokenPurpose = 'worker' | 'scanner' | 'importer' | 'operator';

/** An operator API action (`admin` grants every one). */
export type AccessAction = 'read' | 'verify' | 'rollback' | 'scan' | 'clear-flapping' | 'export' | 'import' | 'admin';

/** One access rule: these principals may take these actions on these instances' projects. */
export interface AccessRule {
  /** Globs (picomatch) over IAM principal ARNs (a role also matches its assumed-role sessions) or `local:<name>`. */
  principals: string[];
  /** Globs over instance names. @default ["*"] */
  instances: string[];
  /** ArgoCD project names; `*` = all. */
  projects: string[];
  actions: AccessAction[];
}

/** A named local bearer token (local stack only). */
export interface LocalTokenConfig {
  /** `local:<name>`, recorded as the actor. */
  principal: string;
  token: SecretRef;
}

/** The access section. */
export interface AccessConfig {
  /** Absent: every authenticated caller may do everything (one-team setups). */
  rules?: AccessRule[];
  /** Further local principals besides the admin token. @default [] */
  localTokens: LocalTokenConfig[];
}

/** One ArgoCD instance. */
export interface InstanceConfig {
  /** Name used in the audit trail and in `/api/apps/{instance}/...`. */
  name: string;
  /** Base URL, e.g. `https://argocd.example.com` (a bare `host:port` means https). */
  server: string;
  /** Where the API token comes from (every purpose without its own token uses it). */
  token: SecretRef;
  /**
   * A token per purpose, so each can have the least ArgoCD RBAC it needs (docs/deploy.md):
   * `worker` (sync worker: get, sync), `scanner` (drift scan: get, sync for repairs),
   * `importer` (disaster-recovery import: create/update), `operator` (operator API reads and
   * rollbacks). @default {} (all use `token`)
   */
  tokens?: Partial<Record<TokenPurpose, SecretRef>>;
  /** Skip TLS verification. @default false */
  insecure: boolean;
  /** Namespace ArgoCD itself runs in; apps there need no `appNamespace`. @default "argocd" */
  namespace: string;
  /**
   * The instance's ApplicationSet controller webhook: every verified push of a provider with a
   * secret here is forwarded to it, re-signed (docs/applicationset-webhook.md). @default none
   */
  applicationSetWebhook?: ApplicationSetWebhookConfig;
}

/**
 * Where an instance's ApplicationSet controller takes webhooks, and the secrets it verifies them
 * with (its `argocd-secret` keys `webhook.github.secret`, `webhook.gitlab.secret`,
 * `webhook.azuredevops.username`/`password`). A provider without a secret here is not forwarded.
 */
export interface ApplicationSetWebhookConfig {
  /** e.g. `https://appset.argocd.example.com/api/webhook` (the controller's service, port 7000). */
  url: string;
  /** One secret per provider ArgoCD's ApplicationSet webhook accepts. */
  secrets: {
    /** Signs `X-Hub-Signature-256`. */
    github?: SecretRef;
    /** Sent as `X-Gitlab-Token`. */
    gitlab?: SecretRef;
    /** With the password: `Authorization: Basic` (both or neither). */
    azureDevOpsUsername?: SecretRef;
    azureDevOpsPassword?: SecretRef;
  };
  /** Only pushes to these repositories (normalised URLs or globs, as a webhook secret's). @default every repository */
  repositories?: readonly string[];
}

/**
 * A webhook secret reference, optionally limited to repositories: normalised URLs
 * (`github.com/acme/app`, as `normalizeRepoUrl` spells them) or picomatch globs on them
 * (`github.com/acme/*`). Without `repositories` the secret covers every repository.
 */
export type WebhookSecretRef = SecretRef & { repositories?: readonly string[] };

/**
 * One provider's webhook secret, or several: while one is being rotated (a delivery passes
 * when any of them verifies it; list the new one first), or one per organisation, each with
 * its `repositories`.
 */
export type WebhookSecretSetting = WebhookSecretRef | readonly WebhookSecretRef[];

/** Webhook secrets per provider. Absent = provider refused unless `allowUnsigned`. */
export interface WebhookSecrets {
  github?: WebhookSecretSetting;
  gitlab?: WebhookSecretSetting;
  /** Bitbucket Cloud hook UUID: verifies hooks configured without a secret (`X-Hook-UUID`). */
  bitbucketCloud?: WebhookSecretSetting;
  /** Bitbucket Cloud hook secret: when set, `X-Hub-Signature` is required and the UUID is not accepted. */
  bitbucketCloudSecret?: WebhookSecretSetting;
  bitbucketServer?: WebhookSecretSetting;
  gogs?: WebhookSecretSetting;
  azureDevOpsUsername?: WebhookSecretSetting;
  azureDevOpsPassword?: WebhookSecretSetting;
}

/** A config rule opting apps into auto-repair. All given fields must match. */
export interface RepairRule {
  instance?: string;
  project?: string;
  /** Label selector as ArgoCD's list call takes it (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; comma = and). */
  selector?: string;
}

export interface WebhookConfig {
  /** Largest accepted body. @default 6291456 (6 MiB) */
  maxBodyBytes: number;
  /** Accept deliveries from providers without a configured secret. @default false */
  allowUnsigned: boolean;
  secrets: WebhookSecrets;
  /**
   * How long a delivery is remembered for dedupe, by delivery id and by body hash. A replay
   * after the window is accepted again, but can at most refresh (sync-on-push deploys the
   * branch, and the ref ledger marks a superseded commit stale). @default 86400 (24 h)
   */
  dedupeSeconds: number;
  /** How long the ref ledger remembers a ref's head and before → after links, in days. @default 90 */
  refLedgerDays: number;
}

export interface DriftConfig {
  /** Minutes between scheduled scans. @default 5 */
  scheduleMinutes: number;
  /** Repairs at most this many apps per scan. @default 10 */
  maxRepairsPerScan: number;
  /** Minutes after a repair before the app may be repaired again. @default 30 */
  cooldownMinutes: number;
  /** Concurrent managed-resources calls per instance. @default 8 */
  detailsConcurrency: number;
  /** Managed-resources calls at most per scan. @default 500 */
  maxDetailsPerScan: number;
  /**
   * When an app that stays drifted gets its field-level details again: `every-scan`, or
   * `on-change`, only when its OutOfSync resources (or Missing ones) or its target revision
   * differ from the stored details: one managed-resources call per drift instead of per scan,
   * but a field that starts to differ inside an already OutOfSync resource shows only once
   * the details are fetched again (the drift itself is reported either way).
   * @default "every-scan"
   */
  detailsRefresh: 'every-scan' | 'on-change';
  /** Report only, change nothing. @default false */
  dryRun: boolean;
  /** Prune on repair. @default false */
  prune: boolean;
  /** Apps opted into auto-repair besides the annotation. @default [] */
  rules: RepairRule[];
}

export interface ArgoCDClientSettings {
  /** Per-call timeout in ms. @default 10000 */
  timeoutMs: number;
  /** Retries after the first attempt on network errors, 5xx and 429. @default 3 */
  retries: number;
  /** Base backoff in ms (exponential, full jitter). @default 200 */
  backoffMs: number;
  /** Concurrent requests per instance. @default 16 */
  concurrency: number;
  /** Requests per second per instance, in arrival order; 0 = no limit. @default 50 */
  ratePerSecond?: number;
  /**
   * How long a refresh listens for ArgoCD's answer. ArgoCD holds a refresh GET until its
   * controller processed the app; still open after this, the request stays open while a
   * projected list looks for the app's refresh annotation (every this many ms, up to the call
   * timeout): seen, the refresh counts as registered, not confirmed. @default 1500
   */
  refreshWaitMs?: number;
  /**
   * Refreshes (and sync-on-push syncs) of one app asked for within this window become one
   * call to ArgoCD (a call at once, then at most one more after the burst). 0 = off. @default 2000
   */
  coalesceWindowMs?: number;
  /**
   * Clock-skew margin between the webhook and the sync worker: a call for an app sent at least
   * this long after the webhook received a delivery covers that delivery (see
   * `functions/lib/sync/coalescer.ts`). @default 1000
   */
  coalesceSkewMs?: number;
}

export interface StorageConfig {
  /** Prefix of the physical table names. @default "gitops-sentinel" */
  tablePrefix: string;
  /** DynamoDB endpoint override (local stack / tests). */
  dynamodbEndpoint?: string;
  /** AWS region. @default "us-east-1" */
  region: string;
}

/**
 * Deployment tracking: after a push-triggered sync (or an auto-sync app's refresh), a repair
 * or a rollback, the app is checked with delayed queue messages until it is Synced and
 * Healthy at the new revision, failed, degraded, gone, superseded, or the deadline passed.
 */
export interface DeployConfig {
  /** Track deployments at all. @default true */
  enabled: boolean;
  /** Deadline after ArgoCD accepted the action, in minutes (`deploy.timeout` after it). @default 30 */
  timeoutMinutes: number;
  /** Delay of the first check after acceptance, in seconds. @default 10 */
  firstCheckSeconds: number;
  /** Longest delay between two checks, in seconds (SQS allows 900). @default 120 */
  maxCheckSeconds: number;
  /** Each delay is the previous one times this. @default 2 */
  backoffFactor: number;
}

/**
 * Where the deployed audit anchoring lives. The stack sets these on the anchor function and
 * the operator API (`SENTINEL_ANCHOR_*`); they are not file settings.
 */
export interface DeployedAnchorSettings {
  /** `SENTINEL_ANCHOR_BUCKET`: the Object Lock bucket. */
  bucket: string;
  /** `SENTINEL_ANCHOR_KEY_ID`: the KMS signing key (id or ARN). */
  keyId: string;
  /** `SENTINEL_ANCHOR_FUNCTION`: the anchor function, for anchoring on demand (operator API). */
  functionName?: string;
  /** `SENTINEL_ANCHOR_CHECKPOINT_MINUTES`: checkpoint interval. */
  checkpointMinutes?: number;
}

/** The validated configuration, parsed once. */
export interface SentinelConfig {
  instances: InstanceConfig[];
  webhook: WebhookConfig;
  drift: DriftConfig;
  argocd: ArgoCDClientSettings;
  storage: StorageConfig;
  /** Local HTTP port. @default 8080 */
  port: number;
  /** Index cache TTL in seconds for the sync worker. @default 60 */
  appIndexTtlSeconds: number;
  /** SQS queue URL (deployed). */
  queueUrl?: string;
  /** Who may do what through the operator API. @default { localTokens: [] } (no rules: open) */
  access: AccessConfig;
  /**
   * Insecure settings the operator accepts for a deployment (`insecure-argocd`: an http:// or
   * TLS-unverified ArgoCD server; `allow-unsigned`: unsigned deliveries). @default []
   */
  acknowledge: Array<'insecure-argocd' | 'allow-unsigned'>;
  deploy: DeployConfig;
  /** URL of the follow-up queue (deployment checks; `SENTINEL_FOLLOWUP_QUEUE_URL` deployed). */
  followUpQueueUrl?: string;
  /**
   * Receives of a push message before SQS moves it to the dead-letter queue; the sync worker
   * audits actions still undone as failed on the last one, so it must equal the queue's redrive
   * limit (`SENTINEL_MAX_RECEIVE_COUNT`, which the stack sets from `queue.maxReceiveCount`). @default 5
   */
  maxReceiveCount: number;
  /** The deployed audit anchoring, when the stack configured it (`SENTINEL_ANCHOR_*`). @default none */
  anchor?: DeployedAnchorSettings;
  /**
   * Git providers' APIs the sync worker asks for a push's changed files when the payload has
   * none or a truncated list. Absent: no API calls (every matching app is refreshed).
   */
  gitApis?: GitApisConfig;
  /** Notification rules and channels. @default no channels, no rules (nothing is sent) */
  notify: NotifyConfig;
  /** URL of the notification queue (`SENTINEL_NOTIFY_QUEUE_URL`, deployed); without it nothing is queued. */
  notifyQueueUrl?: string;
  /** URL of the notification dead-letter queue (`SENTINEL_NOTIFY_DLQ_URL`, the notifier function only). */
  notifyDeadLetterQueueUrl?: string;
  /** Commit statuses on pushed commits (per provider with a `gitApis` token). */
  commitStatus: CommitStatusConfig;
}

/**
 * Commit statuses: `pending` when ArgoCD accepted a push's deployment, then `success` /
 * `failure` / `error`, set through the provider's API (`gitApis.<provider>`: base URL and token).
 * A provider without a token gets no statuses.
 */
export interface CommitStatusConfig {
  /** Set statuses at all (where a provider has a token). @default true */
  enabled: boolean;
  /** Tries per status (5xx, timeouts, 429) before it is given up and audited. @default 6 */
  maxAttempts: number;
  /** Delay before the first retry, doubled each time (at most 900 s), unless the API says how long. @default 5 */
  retryBaseSeconds: number;
  /** After a 401/403, the provider is not called again for this long, unless its token changes. @default 60 */
  authCooldownMinutes: number;
}

/** One provider's API. */
export interface GitApiConfig {
  /** Base URL. @default the provider's cloud API (api.github.com, gitlab.com, dev.azure.com, api.bitbucket.org) */
  apiUrl?: string;
  /** Token (GitHub/Bitbucket Cloud bearer, Bitbucket Server HTTP access token as bearer, GitLab PRIVATE-TOKEN, Azure DevOps PAT). */
  token?: SecretRef;
}

/** Provider APIs for changed files and commit statuses. */
export interface GitApisConfig {
  /** Bound on each compare call and each commit status call, ms. @default 3000 */
  timeoutMs?: number;
  github?: GitApiConfig;
  gitlab?: GitApiConfig;
  azureDevOps?: GitApiConfig;
  bitbucketCloud?: GitApiConfig;
  /** Bitbucket Server / Data Center (`apiUrl` required: the server's own URL, with any context path). */
  bitbucketServer?: GitApiConfig & { apiUrl: string };
  /** Gitea (commit statuses only; `apiUrl` required). */
  gitea?: GitApiConfig;
}

/** The event kinds a notification rule may name. */
export type NotifyEventKind =
  | 'drift.found'
  | 'drift.repaired'
  | 'drift.flapping'
  | 'deploy.succeeded'
  | 'deploy.failed'
  | 'deploy.degraded'
  | 'deploy.timeout'
  | 'delivery.dead-lettered'
  | 'audit.verify-failed'
  | 'webhook.refused-spike';

/** A Slack incoming webhook. The URL is the credential, so it is a secret reference. */
export interface SlackChannelConfig {
  name: string;
  type: 'slack';
  /** The incoming-webhook URL (Secrets Manager deployed, an environment variable locally). */
  url: SecretRef;
}

/** A generic webhook: a JSON body signed with `X-Sentinel-Signature: sha256=<HMAC>`. */
export interface WebhookChannelConfig {
  name: string;
  type: 'webhook';
  /** Where the JSON is posted (not a secret; the HMAC secret is). */
  url: string;
  /** The HMAC-SHA256 key. */
  secret: SecretRef;
}

/** An Amazon SNS topic (deployed): the message is the JSON the generic webhook gets. */
export interface SNSChannelConfig {
  name: string;
  type: 'sns';
  topicArn: string;
}

/** An Amazon EventBridge bus (deployed): the event's detail is the audit record. */
export interface EventBridgeChannelConfig {
  name: string;
  type: 'eventbridge';
  /** Bus ARN (or `default`). */
  eventBusName: string;
  /** The events' `source`. @default "gitops-sentinel" */
  source: string;
}

/** One notification channel. */
export type NotifyChannelConfig = SlackChannelConfig | WebhookChannelConfig | SNSChannelConfig | EventBridgeChannelConfig;

/** A rule: these event kinds, optionally only for these instances, projects and apps (globs), go to these channels. */
export interface NotifyRule {
  events: NotifyEventKind[];
  /** Globs over instance names. Absent: every instance. */
  instances?: string[];
  /** Globs over ArgoCD project names. Absent: every project. */
  projects?: string[];
  /** Globs over app names. Absent: every app. */
  apps?: string[];
  /** Channel names (each must be defined under `notify.channels`). */
  channels: string[];
}

/** Notifications (issue 14 item 3): rules map event kinds to channels; a notifier sends off the push path. */
export interface NotifyConfig {
  /** @default [] */
  channels: NotifyChannelConfig[];
  /** @default [] */
  rules: NotifyRule[];
  /** Attempts per (event, channel) before it goes to the dead-letter queue and `notify.failed` is audited. @default 5 */
  maxAttempts: number;
  /** Delay before the first retry, in seconds; each retry doubles it. @default 10 */
  backoffSeconds: number;
  /** Longest delay between attempts, in seconds (SQS allows 900; a longer `Retry-After` is capped here). @default 900 */
  maxBackoffSeconds: number;
  /** Bound on one HTTP send, ms. @default 5000 */
  timeoutMs: number;
  /** How long a sent (event, app, revision, channel) is remembered, in hours. @default 168 (7 days) */
  dedupeHours: number;
  /**
   * When `webhook.refused-spike` fires: `threshold` refused webhook requests naming one provider
   * within a fixed window of `windowMinutes` (UTC-aligned), once per window.
   * @default { threshold: 100, windowMinutes: 5 } (the stack's refusal alarm)
   */
  refusedSpike: { threshold: number; windowMinutes: number };
}
