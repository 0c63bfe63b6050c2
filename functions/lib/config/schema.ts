import { z } from 'zod';

/**
 * The schema of the configuration file (`SENTINEL_CONFIG`, YAML or JSON) and of the
 * deployed `SENTINEL_CONFIG_JSON`. Every object is strict, so a misspelt key fails loudly.
 * The CDK app validates the very same schema at synth time.
 */
const secretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ secretId: z.string().min(1), jsonKey: z.string().min(1).optional() }),
]);

const instance = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)'),
  server: z.string().min(1),
  token: secretRef,
  insecure: z.boolean().optional(),
  namespace: z.string().min(1).optional(),
});

const rule = z.strictObject({
  instance: z.string().optional(),
  project: z.string().optional(),
  selector: z.string().optional(),
});

const positiveInt = z.number().int().positive();

/** The file schema: every field optional, defaults come from `defaults.ts`. */
export const fileSchema = z.strictObject({
  instances: z.array(instance).optional(),
  webhook: z
    .strictObject({
      maxBodyBytes: positiveInt.max(50 * 1024 * 1024).optional(),
      allowUnsigned: z.boolean().optional(),
      dedupeSeconds: positiveInt.optional(),
      secrets: z
        .strictObject({
          github: secretRef.optional(),
          gitlab: secretRef.optional(),
          bitbucketCloud: secretRef.optional(),
          bitbucketServer: secretRef.optional(),
          gogs: secretRef.optional(),
          azureDevOpsUsername: secretRef.optional(),
          azureDevOpsPassword: secretRef.optional(),
        })
        .optional(),
    })
    .optional(),
  drift: z
    .strictObject({
      scheduleMinutes: positiveInt.max(1440).optional(),
      maxRepairsPerScan: z.number().int().min(0).optional(),
      cooldownMinutes: z.number().int().min(0).optional(),
      detailsConcurrency: positiveInt.max(256).optional(),
      maxDetailsPerScan: z.number().int().min(0).optional(),
      dryRun: z.boolean().optional(),
      prune: z.boolean().optional(),
      rules: z.array(rule).optional(),
    })
    .optional(),
  argocd: z
    .strictObject({
      timeoutMs: positiveInt.optional(),
      retries: z.number().int().min(0).max(10).optional(),
      backoffMs: z.number().int().min(0).optional(),
      concurrency: positiveInt.max(1024).optional(),
    })
    .optional(),
  storage: z
    .strictObject({
      tablePrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/).optional(),
      dynamodbEndpoint: z.string().url().optional(),
      region: z.string().min(1).optional(),
    })
    .optional(),
  port: positiveInt.max(65535).optional(),
  appIndexTtlSeconds: positiveInt.optional(),
  queueUrl: z.string().min(1).optional(),
});

/** The configuration file as written by a user. */
export type ConfigFile = z.infer<typeof fileSchema>;
