import type { SentinelConfig } from './types';

/** Every default, in one place (TSDoc on each field lives in `types.ts`). */
export const defaults: Omit<SentinelConfig, 'instances'> = {
  webhook: { maxBodyBytes: 6 * 1024 * 1024, allowUnsigned: false, secrets: {}, dedupeSeconds: 86_400, refLedgerDays: 90 },
  drift: {
    scheduleMinutes: 5,
    maxRepairsPerScan: 10,
    cooldownMinutes: 30,
    detailsConcurrency: 8,
    maxDetailsPerScan: 500,
    detailsRefresh: 'every-scan',
    dryRun: false,
    prune: false,
    rules: [],
  },
  argocd: {
    timeoutMs: 10_000,
    retries: 3,
    backoffMs: 200,
    concurrency: 16,
    ratePerSecond: 50,
    refreshWaitMs: 1_500,
    coalesceWindowMs: 2_000,
    coalesceSkewMs: 1_000,
  },
  storage: { tablePrefix: 'gitops-sentinel', region: 'us-east-1' },
  deploy: { enabled: true, timeoutMinutes: 30, firstCheckSeconds: 10, maxCheckSeconds: 120, backoffFactor: 2 },
  commitStatus: { enabled: true, maxAttempts: 6, retryBaseSeconds: 5, authCooldownMinutes: 60 },
  port: 8080,
  appIndexTtlSeconds: 60,
  access: { localTokens: [] },
  acknowledge: [],
  notify: {
    channels: [],
    rules: [],
    maxAttempts: 5,
    backoffSeconds: 10,
    maxBackoffSeconds: 900,
    timeoutMs: 5_000,
    dedupeHours: 168,
    refusedSpike: { threshold: 100, windowMinutes: 5 },
  },
  maxReceiveCount: 5,
};

/** The control-plane namespace ArgoCD is installed in by default. */
export const DEFAULT_ARGOCD_NAMESPACE = 'argocd';

/** Name of the instance described by `ARGOCD_SERVER` / `ARGOCD_AUTH_TOKEN`. */
export const DEFAULT_INSTANCE_NAME = 'default';

/** Prefix of a gzipped, base64-encoded configuration parameter value. */
export const GZIP_PREFIX = 'gz:';

/** Seconds a function uses its cached copy of the deployed configuration before reading it again. */
export const DEFAULT_CONFIG_MAX_AGE_SECONDS = 60;
