import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployment } from './config';
import { SentinelStack } from './sentinel-stack';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Register cdk-nag's `AwsSolutionsChecks` as a validation plugin, so synth fails on any
   * unacknowledged finding.
   * @default true
   */
  readonly nag?: boolean;
  /** Process environment (`SENTINEL_CONFIG`, `CDK_DEFAULT_REGION`, ...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Adds the stacks of one deployment to an app: validates context and config (throwing
 * `ConfigError` naming the key), then one {@link SentinelStack} per region, named
 * `GitOpsSentinel-<stage>[-<region>]`. Shared by `infra/bin/app.ts` and the tests.
 * @returns the stacks, in region order
 */
export function buildApp(app: App, options: BuildAppOptions = {}): SentinelStack[] {
  const deployment = loadDeployment((key) => app.node.tryGetContext(key), options.env ?? process.env);
  const { settings } = deployment;
  const stacks = settings.regions.map(
    (region) =>
      new SentinelStack(app, settings.regions.length > 1 ? `GitOpsSentinel-${settings.stage}-${region}` : `GitOpsSentinel-${settings.stage}`, {
        deployment,
        env: region || settings.account ? { region, account: settings.account } : undefined,
        description: `gitops-sentinel (${settings.stage}): ArgoCD push webhooks, drift scans and audit trail`,
      }),
  );
  for (const stack of stacks) {
    Tags.of(stack).add('app', 'gitops-sentinel');
    Tags.of(stack).add('stage', settings.stage);
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
