/**
 * The CDK app: one gitops-sentinel stack per region of the chosen stage, checked by
 * cdk-nag's AWS Solutions rules during synth (any unacknowledged finding fails it).
 *
 *   npx cdk synth -c stage=prod -c region=eu-west-1,us-east-1 -c configFile=sentinel.yaml
 *
 * A bad setting fails synth with one line naming the key, e.g.
 * `invalid configuration: drift.scheduleMinutes (sentinel.yaml): Too small: expected number to be >0`.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../functions/lib/config/errors';
import { buildApp } from '../app-builder';

const app = new App();
try {
  const stacks = buildApp(app);
  // One line on who may use the operator API (docs/access.md).
  if (stacks[0]) process.stderr.write(`${stacks[0].accessSummary}\n`);
  // Each insecure setting the configuration acknowledges, so it is never deployed silently.
  for (const s of stacks[0]?.acknowledged ?? [])
    process.stderr.write(`gitops-sentinel: WARNING ${s.key} (acknowledged as ${s.acknowledgement}): ${s.problem}\n`);
  // The configuration check's line on commit statuses (a provider without a token gets none).
  if (stacks[0]) process.stderr.write(`${stacks[0].commitStatusSummary}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message names the key and its source; a stack trace would only bury it.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
app.synth();
