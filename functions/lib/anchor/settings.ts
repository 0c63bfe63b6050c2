/**
 * The deployed anchoring's settings from a function's environment. Kept apart from
 * `deployed.ts` so a caller can decide whether anchoring is configured without loading the
 * S3, KMS and Lambda clients.
 */

/** Where the deployed anchoring lives, from the function's environment. */
export interface DeployedAnchorSettings {
  /** `SENTINEL_ANCHOR_BUCKET`: the Object Lock bucket. */
  bucket: string;
  /** `SENTINEL_ANCHOR_KEY_ID`: the KMS signing key (id or ARN). */
  keyId: string;
  /** `SENTINEL_ANCHOR_FUNCTION`: the anchor function, for anchoring on demand. */
  functionName?: string;
  /** `SENTINEL_ANCHOR_CHECKPOINT_MINUTES`: checkpoint interval. */
  checkpointMinutes?: number;
}

/** The anchoring settings in an environment, or undefined when the stack configured none. */
export function anchorSettingsFromEnv(env: Record<string, string | undefined>): DeployedAnchorSettings | undefined {
  const bucket = env.SENTINEL_ANCHOR_BUCKET;
  const keyId = env.SENTINEL_ANCHOR_KEY_ID;
  if (!bucket || !keyId) return undefined;
  const minutes = Number(env.SENTINEL_ANCHOR_CHECKPOINT_MINUTES);
  return {
    bucket,
    keyId,
    ...(env.SENTINEL_ANCHOR_FUNCTION ? { functionName: env.SENTINEL_ANCHOR_FUNCTION } : {}),
    ...(Number.isFinite(minutes) && minutes > 0 ? { checkpointMinutes: minutes } : {}),
  };
}
