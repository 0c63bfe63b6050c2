import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../functions/lib/config/index';
import { decodeConfigValue } from '../../functions/lib/config/parameter-source';
import { buildApp } from '../../infra/app-builder';
import { DEPLOYMENT_DEFAULTS, loadDeployment, readDeploymentSettings } from '../../infra/config';
import { TEST_CONFIG } from './synth';

/** Runs what `infra/bin/app.ts` runs and returns the error synth would fail with. */
function synthError(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    buildApp(new App({ context }), { nag: false, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('synth did not fail');
}

const ctx = (values: Record<string, unknown>) => (key: string) => values[key];

describe('deployment config (synth-time validation)', () => {
  it('fails synth naming a misspelt application key', () => {
    const error = synthError({ sentinel: { config: { ...TEST_CONFIG, drift: { scheduleMinuts: 5 } } } });
    expect(error.key).toBe('drift.scheduleMinuts');
    expect(error.message).toMatch(/drift\.scheduleMinuts.*unknown key/);
  });

  it('fails synth naming an out-of-range application value', () => {
    const error = synthError({ sentinel: { config: { drift: { scheduleMinutes: 0 } } } });
    expect(error.key).toBe('drift.scheduleMinutes');
  });

  it('fails synth naming a bad deployment setting', () => {
    expect(synthError({ sentinel: { queue: { maxReceiveCount: 0 } } }).key).toBe('sentinel.queue.maxReceiveCount');
    expect(synthError({ sentinel: { queue: { maxRecieveCount: 3 } } }).key).toBe('sentinel.queue.maxRecieveCount');
    expect(synthError({ stage: 'Prod!' }).key).toBe('sentinel.stage');
    expect(synthError({ vpcId: 'vpc-0123456789abcdef0' }).key).toBe('sentinel.vpc.subnetIds');
    const keyError = synthError({ sentinel: { secretsKmsKeyArns: ['alias/secrets'] } });
    expect(keyError.key).toBe('sentinel.secretsKmsKeyArns.0');
    expect(keyError.message).toMatch(/KMS key ARN/);
  });

  it('refuses secrets from environment variables, which deployed functions do not have', () => {
    const error = synthError({ sentinel: { config: { instances: [{ name: 'a', server: 'https://a', token: { env: 'ARGOCD_AUTH_TOKEN' } }] } } });
    expect(error.key).toBe('instances.0.token');
    expect(synthError({ sentinel: { config: { webhook: { secrets: { github: { env: 'GITHUB_WEBHOOK_SECRET' } } } } } }).key).toBe('webhook.secrets.github');
    expect(synthError({ sentinel: { config: { webhook: { secrets: { github: [{ secretId: 'new' }, { env: 'OLD' }] } } } } }).key).toBe(
      'webhook.secrets.github.1',
    );
  });

  it('reads the same YAML file the local stack reads, from context or SENTINEL_CONFIG', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sentinel-infra-'));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(
      good,
      'instances:\n  - name: eu\n    server: https://argocd.eu\n    token: { secretId: argocd/eu }\ndrift:\n  scheduleMinutes: 15\nport: 9090\n',
    );
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'argocd:\n  retries: 99\n');
    const fromContext = loadDeployment(ctx({ configFile: good }), {});
    expect(fromContext.config.drift?.scheduleMinutes).toBe(15);
    // Local-only settings are not deployed.
    expect(JSON.parse(fromContext.configJson).port).toBeUndefined();
    expect(loadDeployment(ctx({}), { SENTINEL_CONFIG: good }).configSource).toBe(good);
    const error = synthError({}, { SENTINEL_CONFIG: bad });
    expect(error.key).toBe('argocd.retries');
    expect(error.message).toContain(bad);
    expect(synthError({ configFile: path.join(dir, 'missing.yaml') }).key).toBe('sentinel.configFile');
  });

  it('stores a large access policy gzipped in the parameter, and refuses one that does not fit even so', () => {
    // 60 teams, each with its rule: about 14 KB of JSON, well over the 4 KB a Lambda environment held.
    const rules = Array.from({ length: 60 }, (_, n) => ({
      principals: [`arn:aws:iam::123456789012:role/team-${n}-oncall`, `arn:aws:iam::123456789012:role/team-${n}-dev-*`],
      instances: ['prod-*', 'staging-*'],
      projects: [`team-${n}`, `team-${n}-infra`],
      actions: ['read', 'rollback', 'scan', 'clear-flapping'],
    }));
    const big = loadDeployment(ctx({ sentinel: { config: { access: { rules, localTokens: [{ principal: 'local:a', token: { env: 'A' } }] } } } }), {});
    expect(Buffer.byteLength(big.configJson)).toBeGreaterThan(8192);
    expect(big.configParameterValue.startsWith('gz:')).toBe(true);
    expect(Buffer.byteLength(big.configParameterValue)).toBeLessThanOrEqual(8192);
    const roundTrip = JSON.parse(decodeConfigValue(big.configParameterValue));
    expect(roundTrip.access.rules).toHaveLength(60);
    // Local tokens mean nothing deployed.
    expect(roundTrip.access.localTokens).toBeUndefined();
    expect(big.accessSummary).toMatch(/60 rule/);
    expect(loadDeployment(ctx({}), {}).accessSummary).toMatch(
      /no access policy \(access\.rules\): every principal IAM lets invoke the operator API may do everything/,
    );
    // Random names do not compress: over 8 KB even gzipped.
    const noise = Array.from({ length: 120 }, () => ({ project: randomBytes(40).toString('hex'), selector: `team=${randomBytes(20).toString('hex')}` }));
    expect(synthError({ sentinel: { config: { drift: { rules: noise } } } }).message).toMatch(/advanced SSM parameter holds at most 8192/);
  });

  it('refuses an { env } token for a purpose at synth', () => {
    const instances = [{ name: 'eu', server: 'https://argocd.eu', token: { secretId: 'a' }, tokens: { importer: { env: 'X' } } }];
    expect(synthError({ sentinel: { config: { instances } } }).key).toBe('instances.0.tokens.importer');
  });

  it('applies defaults and command-line overrides', () => {
    const { settings } = readDeploymentSettings(
      ctx({ sentinel: { stage: 'dev', queue: { batchSize: 5 } }, stage: 'prod', region: 'eu-west-1, us-east-1', tracing: 'true' }),
      {},
    );
    expect(settings).toMatchObject({
      stage: 'prod',
      regions: ['eu-west-1', 'us-east-1'],
      tracing: true,
      queue: { ...DEPLOYMENT_DEFAULTS.queue, batchSize: 5 },
    });
    expect(readDeploymentSettings(ctx({}), { CDK_DEFAULT_REGION: 'ap-south-1' }).settings.regions).toEqual(['ap-south-1']);
    expect(settings.secretsKmsKeyArns).toEqual([]);
    const mrk = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef';
    expect(readDeploymentSettings(ctx({ sentinel: { secretsKmsKeyArns: [mrk] } }), {}).settings.secretsKmsKeyArns).toEqual([mrk]);
  });
});
