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

/** Builds the app without bundling the functions (the stack's shape is all these tests need). */
function buildUnbundled(context: Record<string, unknown>) {
  return buildApp(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), { nag: false, env: {} });
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

  it('refuses an { env } token for a compare API at synth', () => {
    expect(synthError({ sentinel: { config: { gitApis: { gitlab: { token: { env: 'GITLAB_API_TOKEN' } } } } } }).key).toBe('gitApis.gitlab.token');
  });

  it('refuses an { env } token for a purpose at synth', () => {
    const instances = [{ name: 'eu', server: 'https://argocd.eu', token: { secretId: 'a' }, tokens: { importer: { env: 'X' } } }];
    expect(synthError({ sentinel: { config: { instances } } }).key).toBe('instances.0.tokens.importer');
  });

  describe('insecure settings (issue 12 item 8)', () => {
    const eu = { name: 'eu', server: 'https://argocd.eu.example.com', token: { secretId: 'argocd/eu' } };
    const us = { name: 'us', server: 'argocd.us.example.com:443', token: { secretId: 'argocd/us' } };
    const config = (extra: Record<string, unknown>) => ({ sentinel: { config: { ...TEST_CONFIG, ...extra } } });

    it('fails synth on an http:// ArgoCD server, naming the key and the acknowledgement', () => {
      const error = synthError(config({ instances: [eu, { ...us, server: 'http://argocd.us.example.com' }] }));
      expect(error.key).toBe('instances.1.server');
      expect(error.message).toContain('plain http');
      expect(error.message).toContain('acknowledge: [insecure-argocd]');
      // A scheme in another case is still http.
      expect(synthError(config({ instances: [{ ...eu, server: 'HTTP://argocd.eu.example.com' }] })).key).toBe('instances.0.server');
    });

    it('fails synth on insecure: true and on webhook.allowUnsigned: true', () => {
      expect(synthError(config({ instances: [eu, us, { ...eu, name: 'lab', insecure: true }] })).key).toBe('instances.2.insecure');
      const unsigned = synthError(config({ webhook: { ...TEST_CONFIG.webhook, allowUnsigned: true } }));
      expect(unsigned.key).toBe('webhook.allowUnsigned');
      expect(unsigned.message).toContain('acknowledge: [allow-unsigned]');
      // One kind acknowledged does not cover the other.
      const other = synthError(config({ webhook: { allowUnsigned: true }, instances: [{ ...eu, insecure: true }], acknowledge: ['insecure-argocd'] }));
      expect(other.key).toBe('webhook.allowUnsigned');
      // The same settings turned off synthesise.
      expect(buildUnbundled(config({ webhook: { allowUnsigned: false }, instances: [{ ...eu, insecure: false }] }))).toHaveLength(1);
    });

    it('synthesises acknowledged insecure settings and reports them', () => {
      const stacks = buildUnbundled(
        config({
          instances: [
            { ...eu, server: 'http://argocd.eu.example.com' },
            { ...us, insecure: true },
          ],
          webhook: { allowUnsigned: true },
          acknowledge: ['insecure-argocd', 'allow-unsigned'],
        }),
      );
      expect(stacks).toHaveLength(1);
      expect(stacks[0].acknowledged.map((s) => [s.key, s.acknowledgement, s.acknowledged])).toEqual([
        ['instances.0.server', 'insecure-argocd', true],
        ['instances.1.insecure', 'insecure-argocd', true],
        ['webhook.allowUnsigned', 'allow-unsigned', true],
      ]);
      // The deployed configuration keeps the acknowledgement, so it is on record with the parameter.
      expect(
        JSON.parse(loadDeployment(ctx(config({ instances: [{ ...us, insecure: true }], acknowledge: ['insecure-argocd'] })), {}).configJson).acknowledge,
      ).toEqual(['insecure-argocd']);
    });

    it('fails synth on a server that is not a URL, naming the key and the configuration file', () => {
      const error = synthError(config({ instances: [{ ...eu, server: 'ftp://argocd.eu.example.com' }] }));
      expect(error.key).toBe('instances.0.server');
      expect(error.source).toBe('cdk.json context sentinel.config');
    });
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
