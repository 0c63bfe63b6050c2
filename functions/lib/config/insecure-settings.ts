/**
 * The settings that weaken security, found in one place: the CDK app refuses to synth a
 * deployment that has one its `acknowledge` list does not accept, and the banner of
 * `npm start` warns for the same ones, so the two can never disagree on what is unsafe.
 */
import { DEFAULT_INSTANCE_NAME } from './defaults';
import type { SentinelConfig } from './types';

type Env = Record<string, string | undefined>;

/** An `acknowledge` entry: the operator accepts this kind of insecure setting. */
export type Acknowledgement = SentinelConfig['acknowledge'][number];

/** One insecure setting in a configuration. */
export interface InsecureSetting {
  /**
   * Where it is set: a dotted key of the configuration file (`instances.0.server`,
   * `webhook.allowUnsigned`) or the environment variable that set it (`ARGOCD_SERVER`).
   */
  key: string;
  /** What it exposes, in one line. */
  problem: string;
  /** The `acknowledge` entry that accepts it. */
  acknowledgement: Acknowledgement;
  /** True when the configuration's `acknowledge` lists {@link InsecureSetting.acknowledgement}. */
  acknowledged: boolean;
}

/** True for an environment flag `loadConfig` reads as true (the same spellings). */
function envTrue(env: Env, key: string): boolean {
  return /^(1|true|yes|on)$/i.test(env[key] ?? '');
}

/**
 * The settings of a loaded configuration that would expose the ArgoCD token or accept
 * unsigned pushes: an `http://` ArgoCD server (the token crosses the network in clear text),
 * `insecure: true` (TLS not verified, so anyone on the path can impersonate ArgoCD and take
 * the token) and `webhook.allowUnsigned: true` (anyone can queue pushes).
 * @param config the configuration as `loadConfig` returned it
 * @param env the environment it was loaded from, so settings made there are named by their
 *   variable (`ARGOCD_SERVER`, `ARGOCD_INSECURE`, `SENTINEL_ALLOW_UNSIGNED`); the CDK app passes none
 * @returns each insecure setting, in configuration order; empty when there is none
 */
export function insecureSettings(config: Pick<SentinelConfig, 'instances' | 'webhook' | 'acknowledge'>, env: Env = {}): InsecureSetting[] {
  const found: Array<Omit<InsecureSetting, 'acknowledged'>> = [];
  // Without ARGOCD_SERVER the instances are the file's, in file order. With it, loadConfig put
  // its instance first or in place of the file's `default`, which shifts the file's indexes
  // (or not): the file's instances are then named by their unique name instead.
  const envServer = Boolean(env.ARGOCD_SERVER);
  for (const [n, instance] of config.instances.entries()) {
    const envInstance = envServer && instance.name === DEFAULT_INSTANCE_NAME;
    const key = (field: 'server' | 'insecure', variable: string) =>
      envInstance ? variable : envServer ? `instances[name=${instance.name}].${field}` : `instances.${n}.${field}`;
    if (new URL(instance.server).protocol === 'http:') {
      found.push({
        key: key('server', 'ARGOCD_SERVER'),
        problem: `ArgoCD server ${instance.server} is plain http: the API token crosses the network unencrypted`,
        acknowledgement: 'insecure-argocd',
      });
    }
    const appset = instance.applicationSetWebhook?.url;
    if (appset && new URL(appset).protocol === 'http:') {
      found.push({
        key: envServer ? `instances[name=${instance.name}].applicationSetWebhook.url` : `instances.${n}.applicationSetWebhook.url`,
        problem:
          `the ApplicationSet webhook ${appset} of instance "${instance.name}" is plain http: its GitLab token or Azure DevOps password, and ` +
          `every forwarded push, cross the network unencrypted`,
        acknowledgement: 'insecure-argocd',
      });
    }
    if (instance.insecure) {
      found.push({
        key: key('insecure', 'ARGOCD_INSECURE'),
        problem: `TLS verification is off for ArgoCD instance "${instance.name}": whoever answers in its place receives the API token`,
        acknowledgement: 'insecure-argocd',
      });
    }
  }
  if (config.webhook.allowUnsigned) {
    found.push({
      key: envTrue(env, 'SENTINEL_ALLOW_UNSIGNED') ? 'SENTINEL_ALLOW_UNSIGNED' : 'webhook.allowUnsigned',
      problem: 'providers without a webhook secret are accepted unsigned: anyone who can reach the webhook can queue pushes',
      acknowledgement: 'allow-unsigned',
    });
  }
  return found.map((s) => ({ ...s, acknowledged: config.acknowledge.includes(s.acknowledgement) }));
}
