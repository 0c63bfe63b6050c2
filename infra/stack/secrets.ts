/**
 * Existing Secrets Manager secrets the functions read, imported by name or ARN, and which
 * function group reads which: the webhook reads webhook secrets only; the functions that
 * call ArgoCD read the ArgoCD tokens of their purposes only.
 */
import { createHash } from 'node:crypto';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { InstanceConfig, SecretRef, TokenPurpose } from '../../functions/lib/config/types';
import type { ConfigFile } from '../../functions/lib/config/schema';
import { secretRefsOf, tokenFor } from '../../functions/lib/config/index';

/** The secrets of a deployment, grouped by the functions that may read them. */
export interface SentinelSecrets {
  /** The imported secret of a reference (one import per secret id, shared by every grant). */
  readonly secretFor: (ref: SecretRef) => secretsmanager.ISecret;
  /** The Git providers' webhook secrets (`webhook.secrets`): the webhook function's. */
  readonly webhook: secretsmanager.ISecret[];
  /**
   * The ApplicationSet controllers' webhook secrets: the sync worker forwards pushes, so it
   * alone reads them (the webhook function only carries the body in the queue message).
   */
  readonly appset: secretsmanager.ISecret[];
  /**
   * The Git providers' API tokens (`gitApis`): the sync worker asks the compare APIs for changed
   * files, the deploy tracker sets commit statuses; no other function reads them.
   */
  readonly gitApiTokens: secretsmanager.ISecret[];
  /** The ArgoCD tokens of these purposes (`instances[].tokens`, else the one token), each once. */
  readonly argocdTokens: (...purposes: TokenPurpose[]) => secretsmanager.ISecret[];
}

/**
 * Imports the secrets a configuration references, under `scope` (the stack) as
 * `Secret<first 8 hex of sha-256(secretId)>`, the ids of every earlier deploy.
 */
export function sentinelSecrets(scope: Construct, config: ConfigFile): SentinelSecrets {
  const secretCache = new Map<string, secretsmanager.ISecret>();
  const secretFor = (ref: SecretRef) => {
    const secretId = ref.secretId as string;
    let secret = secretCache.get(secretId);
    if (!secret) {
      secret = importSecret(scope, `Secret${createHash('sha256').update(secretId).digest('hex').slice(0, 8)}`, secretId);
      secretCache.set(secretId, secret);
    }
    return secret;
  };
  const webhook = Object.values(config.webhook?.secrets ?? {})
    .flatMap((setting) => secretRefsOf(setting))
    .map(secretFor);
  const appset = [
    ...new Set(
      (config.instances ?? []).flatMap((i) =>
        Object.values(i.applicationSetWebhook?.secrets ?? {})
          .filter((ref): ref is SecretRef => ref !== undefined)
          .map(secretFor),
      ),
    ),
  ];
  const argocdTokens = (...purposes: TokenPurpose[]) => [
    ...new Set((config.instances ?? []).flatMap((i) => purposes.map((p) => secretFor(tokenFor(i as InstanceConfig, p))))),
  ];
  const gitApiTokens = [
    ...new Set(
      Object.values(config.gitApis ?? {})
        .flatMap((api) => (typeof api === 'object' && api.token ? [api.token] : []))
        .map(secretFor),
    ),
  ];
  return { secretFor, webhook, appset, gitApiTokens, argocdTokens };
}

/**
 * An existing secret by name or ARN. A complete ARN (ending in the six-character suffix
 * Secrets Manager adds) is imported as is; a partial ARN or a name gets the `-??????`
 * suffix pattern in grants.
 */
function importSecret(scope: Construct, id: string, secretId: string): secretsmanager.ISecret {
  if (secretId.startsWith('arn:')) {
    return /:secret:.+-[A-Za-z0-9]{6}$/.test(secretId)
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, secretId)
      : secretsmanager.Secret.fromSecretPartialArn(scope, id, secretId);
  }
  return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
}
