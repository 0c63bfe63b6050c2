/**
 * Builds gitops-sentinel apps for the infra tests exactly as `infra/bin/app.ts` does,
 * minus the cdk-nag plugin (the tests run the checks themselves with `validateScope`,
 * so a finding is an assertion failure instead of a synth error).
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app-builder';
import type { SentinelStack } from '../../infra/sentinel-stack';

/** A configuration with two instances, two webhook secrets and a 10-minute schedule. */
export const TEST_CONFIG = {
  instances: [
    { name: 'prod-eu', server: 'https://argocd.eu.example.com', token: { secretId: 'argocd/prod-eu-token' } },
    {
      name: 'prod-us',
      server: 'argocd.us.example.com:443',
      token: { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:argocd/prod-us-AbC123', jsonKey: 'token' },
    },
  ],
  // GitHub's secret mid-rotation: both are read.
  webhook: {
    secrets: {
      github: [{ secretId: 'gitops-sentinel/github-webhook' }, { secretId: 'gitops-sentinel/github-webhook-previous' }],
      gitlab: { secretId: 'gitops-sentinel/gitlab-webhook' },
    },
  },
  drift: { scheduleMinutes: 10 },
  // One channel of each type: the notifier alone reads these secrets, publishes to this topic and puts to these buses.
  notify: {
    channels: [
      { name: 'team-slack', type: 'slack', url: { secretId: 'gitops-sentinel/slack-webhook-url' } },
      { name: 'ops-hook', type: 'webhook', url: 'https://hooks.example.com/sentinel', secret: { secretId: 'gitops-sentinel/notify-hmac' } },
      { name: 'ops-topic', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:gitops-sentinel-events' },
      { name: 'default-bus', type: 'eventbridge', eventBusName: 'default' },
      { name: 'audit-bus', type: 'eventbridge', eventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/audit' },
    ],
    rules: [{ events: ['drift.found', 'deploy.failed'], channels: ['team-slack', 'ops-hook', 'ops-topic', 'default-bus', 'audit-bus'] }],
  },
};

/** The customer managed key the test deployment's secrets are encrypted with. */
export const SECRETS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

/** Context of the main test deployment. */
export const TEST_CONTEXT = {
  sentinel: {
    stage: 'test',
    regions: ['eu-west-1'],
    account: '123456789012',
    config: TEST_CONFIG,
    queue: { maxReceiveCount: 7, maxConcurrency: 4 },
    secretsKmsKeyArns: [SECRETS_KEY_ARN],
  },
};

/** An app built from context (and an empty environment, so the developer's shell cannot leak in). */
export function synthApp(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): { app: App; stacks: SentinelStack[] } {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': ['**'] } });
  const stacks = buildApp(app, { nag: false, env });
  return { app, stacks };
}
