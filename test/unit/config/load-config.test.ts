import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configParameterOf, loadConfig as loadJsonConfig, normalizeServer } from '../../../functions/lib/config';
import { envStorage } from '../../../functions/lib/config/env';
import { loadLocalConfig as loadConfig } from '../../../functions/lib/config/local';

function configFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectConfigError(fn: () => unknown, key: string, source: string): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err.key).toBe(key);
  expect(err.message).toContain(key);
  expect(err.message).toContain(source);
  expect(err.message).not.toMatch(/\n\s+at /);
  return err;
}

describe('loadConfig', () => {
  it('applies the defaults when nothing is configured', () => {
    const config = loadConfig({});
    expect(config.instances).toEqual([]);
    expect(config.port).toBe(8080);
    expect(config.webhook.maxBodyBytes).toBe(6 * 1024 * 1024);
    expect(config.webhook.allowUnsigned).toBe(false);
    expect(config.drift.scheduleMinutes).toBe(5);
    expect(config.storage.tablePrefix).toBe('gitops-sentinel');
  });

  it('names the env-configured instance "default" and keeps the token as a reference, not a value', () => {
    const config = loadConfig({ ARGOCD_SERVER: 'argocd.example.com:8443', ARGOCD_AUTH_TOKEN: 's3cr3t', ARGOCD_INSECURE: 'true' });
    expect(config.instances).toEqual([
      { name: 'default', server: 'https://argocd.example.com:8443', token: { env: 'ARGOCD_AUTH_TOKEN' }, insecure: true, namespace: 'argocd' },
    ]);
    expect(JSON.stringify(config)).not.toContain('s3cr3t');
  });

  it('requires ARGOCD_AUTH_TOKEN when ARGOCD_SERVER is set', () => {
    expectConfigError(() => loadConfig({ ARGOCD_SERVER: 'http://127.0.0.1:8081' }), 'ARGOCD_AUTH_TOKEN', 'environment');
  });

  it('maps each webhook secret variable to its provider', () => {
    const config = loadConfig({ GITHUB_WEBHOOK_SECRET: 'x', BITBUCKET_WEBHOOK_UUID: 'y', AZURE_DEVOPS_PASSWORD: 'z' });
    expect(config.webhook.secrets).toEqual({
      github: { env: 'GITHUB_WEBHOOK_SECRET' },
      bitbucketCloud: { env: 'BITBUCKET_WEBHOOK_UUID' },
      azureDevOpsPassword: { env: 'AZURE_DEVOPS_PASSWORD' },
    });
  });

  it('reads several instances and policies from a YAML file, env overriding the file', () => {
    const path = configFile(
      'sentinel.yaml',
      [
        'instances:',
        '  - name: prod-eu',
        '    server: https://argocd.eu.example.com',
        '    token: { secretId: arn:aws:secretsmanager:eu-west-1:123456789012:secret:argocd-eu }',
        '  - name: staging',
        '    server: staging.example.com',
        '    token: { env: STAGING_TOKEN }',
        '    namespace: gitops',
        'drift:',
        '  maxRepairsPerScan: 3',
        '  rules: [{ project: payments, selector: "team=pay" }]',
        'port: 9000',
      ].join('\n'),
    );
    const config = loadConfig({ SENTINEL_CONFIG: path, PORT: '9100' });
    expect(config.instances.map((i) => [i.name, i.server, i.namespace])).toEqual([
      ['prod-eu', 'https://argocd.eu.example.com', 'argocd'],
      ['staging', 'https://staging.example.com', 'gitops'],
    ]);
    expect(config.drift.maxRepairsPerScan).toBe(3);
    expect(config.drift.cooldownMinutes).toBe(30);
    expect(config.drift.detailsRefresh).toBe('every-scan');
    expect(config.drift.rules).toEqual([{ project: 'payments', selector: 'team=pay' }]);
    expect(config.port).toBe(9100);
  });

  it('fails on a misspelt key, naming the key and the file', () => {
    const path = configFile('bad.yaml', 'drift:\n  maxRepairPerScan: 3\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'drift.maxRepairPerScan', path);
  });

  it('takes detailsRefresh on-change and refuses any other value, naming the key', () => {
    expect(loadConfig({ SENTINEL_CONFIG: configFile('ok.yaml', 'drift:\n  detailsRefresh: on-change\n') }).drift.detailsRefresh).toBe('on-change');
    const path = configFile('bad.yaml', 'drift:\n  detailsRefresh: sometimes\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'drift.detailsRefresh', path);
  });

  it('fails on a value of the wrong type, naming the nested key', () => {
    const path = configFile('bad.yaml', 'instances:\n  - name: Prod_EU\n    server: x\n    token: { env: T }\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'instances.0.name', path);
  });

  it('fails on duplicate instance names', () => {
    const path = configFile('dup.yaml', 'instances:\n  - { name: a, server: h1, token: { env: T } }\n  - { name: a, server: h2, token: { env: T } }\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'instances.1.name', path);
  });

  it('fails on broken YAML and on a missing file without a stack trace', () => {
    const path = configFile('broken.yaml', 'instances: [\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), '(file)', path);
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: '/nonexistent/sentinel.yaml' }), 'SENTINEL_CONFIG', 'environment');
  });

  it('rejects a bad environment value, naming the variable', () => {
    expectConfigError(() => loadConfig({ PORT: 'eighty' }), 'PORT', 'environment');
    expectConfigError(() => loadConfig({ SENTINEL_ALLOW_UNSIGNED: 'maybe' }), 'SENTINEL_ALLOW_UNSIGNED', 'environment');
  });

  it('takes one webhook secret or a list of up to 20 (rotation, or one per organisation)', () => {
    const rotating = [{ secretId: 'github-webhook-new' }, { secretId: 'github-webhook-old' }];
    const config = loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets: { github: rotating, gitlab: { env: 'GL' } } } }) });
    expect(config.webhook.secrets.github).toEqual(rotating);
    expect(config.webhook.secrets.gitlab).toEqual({ env: 'GL' });
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG_JSON: '{"webhook":{"secrets":{"github":[]}}}' }), 'webhook.secrets.github', 'SENTINEL_CONFIG_JSON');
    const many = Array.from({ length: 21 }, (_, i) => ({ env: `S${i}` }));
    expectConfigError(
      () => loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets: { github: many } } }) }),
      'webhook.secrets.github',
      'SENTINEL_CONFIG_JSON',
    );
  });

  it('takes per-repository webhook secrets (exact URLs or globs), strictly', () => {
    const perOrg = [
      { secretId: 'acme-hook', repositories: ['github.com/acme/*'] },
      { env: 'OTHER', repositories: ['github.com/other/app', 'github.com/other/infra-*'] },
    ];
    const config = loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets: { github: perOrg } } }) });
    expect(config.webhook.secrets.github).toEqual(perOrg);
    const bad = (github: unknown) => () => loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { secrets: { github } } }) });
    expectConfigError(bad({ env: 'X', repositories: [] }), 'webhook.secrets.github.repositories', 'SENTINEL_CONFIG_JSON');
    expectConfigError(bad({ env: 'X', repositories: ['github.com/a b'] }), 'webhook.secrets.github.repositories.0', 'SENTINEL_CONFIG_JSON');
    // The unknown key is named (valibot reports it relative to the union branch).
    expectConfigError(bad({ env: 'X', repos: ['github.com/a/*'] }), 'repos', 'SENTINEL_CONFIG_JSON');
    expect(loadConfig({}).webhook).toMatchObject({ dedupeSeconds: 86_400, refLedgerDays: 90 });
    expect(loadConfig({ BITBUCKET_WEBHOOK_SECRET: 's' }).webhook.secrets.bitbucketCloudSecret).toEqual({ env: 'BITBUCKET_WEBHOOK_SECRET' });
  });

  it('takes acknowledged insecure settings from a fixed list', () => {
    expect(loadConfig({ SENTINEL_CONFIG_JSON: '{"acknowledge":["insecure-argocd","allow-unsigned","insecure-argocd"]}' }).acknowledge).toEqual([
      'insecure-argocd',
      'allow-unsigned',
    ]);
    expect(loadConfig({}).acknowledge).toEqual([]);
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG_JSON: '{"acknowledge":["everything"]}' }), 'acknowledge.0', 'SENTINEL_CONFIG_JSON');
  });

  it('reads the inline JSON configuration the deployed functions get', () => {
    const config = loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ webhook: { allowUnsigned: true }, storage: { tablePrefix: 'prod' } }) });
    expect(config.webhook.allowUnsigned).toBe(true);
    expect(config.storage.tablePrefix).toBe('prod');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG_JSON: '{"port": "x"}' }), 'port', 'SENTINEL_CONFIG_JSON');
  });
});

describe('normalizeServer', () => {
  it('treats a bare host:port as https, like the argocd CLI', () => {
    expect(normalizeServer('argocd.local:443')).toBe('https://argocd.local:443');
    expect(normalizeServer('http://127.0.0.1:8081/')).toBe('http://127.0.0.1:8081');
    expect(() => normalizeServer('ftp://x')).toThrow(TypeError);
  });
});

describe('loadConfig without a YAML parser (deployed functions)', () => {
  it('reads JSON files and refuses YAML files with a message saying what to use', () => {
    const json = configFile('sentinel.json', JSON.stringify({ drift: { maxRepairsPerScan: 2 } }));
    expect(loadJsonConfig({ SENTINEL_CONFIG: json }).drift.maxRepairsPerScan).toBe(2);
    const yaml = configFile('sentinel.yaml', 'drift:\n  maxRepairsPerScan: 2\n');
    const err = expectConfigError(() => loadJsonConfig({ SENTINEL_CONFIG: yaml }), 'SENTINEL_CONFIG', 'environment');
    expect(err.message).toContain('SENTINEL_CONFIG_JSON');
  });
});

describe('access configuration', () => {
  const base = 'access:\n  rules:\n    - principals: ["local:alice"]\n      projects: ["payments"]\n';

  it('reads rules (instances default to all) and local tokens', () => {
    const path = configFile(
      'access.yaml',
      `${base}      actions: [read, rollback]\n  localTokens:\n    - principal: local:alice\n      token: { env: ALICE_TOKEN }\n`,
    );
    const config = loadConfig({ SENTINEL_CONFIG: path });
    expect(config.access.rules).toEqual([{ principals: ['local:alice'], instances: ['*'], projects: ['payments'], actions: ['read', 'rollback'] }]);
    expect(config.access.localTokens).toEqual([{ principal: 'local:alice', token: { env: 'ALICE_TOKEN' } }]);
    expect(loadConfig({}).access).toEqual({ localTokens: [] });
  });

  it('refuses an unknown action, naming the key', () => {
    const path = configFile('bad-action.yaml', `${base}      actions: [read, deploy]\n`);
    const err = expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'access.rules.0.actions.1', path);
    expect(err.message).toMatch(/must be one of: read, verify, rollback/);
  });

  it('refuses a glob in projects (exact ArgoCD project names or "*"), naming the key', () => {
    const path = configFile(
      'project-glob.yaml',
      'access:\n  rules:\n    - principals: ["local:alice"]\n      projects: ["payments", "pay-*"]\n      actions: [read]\n',
    );
    const err = expectConfigError(() => loadConfig({ SENTINEL_CONFIG: path }), 'access.rules.0.projects.1', path);
    expect(err.message).toMatch(/must be an ArgoCD project name or \*/);
  });

  it('refuses an empty project list, an unknown key in a rule, and a malformed local principal', () => {
    const empty = configFile('empty.yaml', 'access:\n  rules:\n    - principals: ["local:alice"]\n      projects: []\n      actions: [read]\n');
    expect(expectConfigError(() => loadConfig({ SENTINEL_CONFIG: empty }), 'access.rules.0.projects', empty).message).toMatch(/at least one project/);
    const unknown = configFile('unknown.yaml', `${base}      actions: [read]\n      project: payments\n`);
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: unknown }), 'access.rules.0.project', unknown);
    const principal = configFile('principal.yaml', 'access:\n  localTokens:\n    - principal: alice\n      token: { env: A }\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: principal }), 'access.localTokens.0.principal', principal);
  });

  it('takes a token per purpose for an instance', () => {
    const path = configFile(
      'tokens.yaml',
      'instances:\n  - name: prod\n    server: argocd.example.com\n    token: { env: T }\n    tokens:\n      importer: { env: T_IMPORT }\n',
    );
    expect(loadConfig({ SENTINEL_CONFIG: path }).instances[0].tokens).toEqual({ importer: { env: 'T_IMPORT' } });
    const bad = configFile(
      'tokens-bad.yaml',
      'instances:\n  - name: prod\n    server: argocd.example.com\n    token: { env: T }\n    tokens:\n      deployer: { env: X }\n',
    );
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: bad }), 'instances.0.tokens.deployer', bad);
  });

  it('takes a Bitbucket Server compare API only with its URL (self-hosted: no default)', () => {
    const path = configFile('bbs.yaml', 'gitApis:\n  bitbucketServer: { apiUrl: https://git.example.com/bitbucket, token: { env: BBS_TOKEN } }\n');
    expect(loadConfig({ SENTINEL_CONFIG: path }).gitApis).toEqual({
      bitbucketServer: { apiUrl: 'https://git.example.com/bitbucket', token: { env: 'BBS_TOKEN' } },
    });
    const bad = configFile('bbs-bad.yaml', 'gitApis:\n  bitbucketServer: { token: { env: BBS_TOKEN } }\n');
    expectConfigError(() => loadConfig({ SENTINEL_CONFIG: bad }), 'gitApis.bitbucketServer.apiUrl', bad);
  });
});

describe('settings the stack passes as variables (issue 16 item 5: read by loadConfig, not by handlers)', () => {
  it('reads the redrive limit the sync worker audits the last receive by', () => {
    expect(loadConfig({}).maxReceiveCount).toBe(5);
    expect(loadConfig({ SENTINEL_MAX_RECEIVE_COUNT: '7' }).maxReceiveCount).toBe(7);
    expectConfigError(() => loadConfig({ SENTINEL_MAX_RECEIVE_COUNT: 'five' }), 'SENTINEL_MAX_RECEIVE_COUNT', 'environment');
  });

  it('reads the deployed anchoring only when bucket and key are both set', () => {
    expect(loadConfig({}).anchor).toBeUndefined();
    expect(loadConfig({ SENTINEL_ANCHOR_BUCKET: 'digests' }).anchor).toBeUndefined();
    expect(loadConfig({ SENTINEL_ANCHOR_BUCKET: 'digests', SENTINEL_ANCHOR_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/k' }).anchor).toEqual({
      bucket: 'digests',
      keyId: 'arn:aws:kms:eu-west-1:1:key/k',
    });
    expect(
      loadConfig({ SENTINEL_ANCHOR_BUCKET: 'b', SENTINEL_ANCHOR_KEY_ID: 'k', SENTINEL_ANCHOR_FUNCTION: 'anchor-fn', SENTINEL_ANCHOR_CHECKPOINT_MINUTES: '15' })
        .anchor,
    ).toEqual({ bucket: 'b', keyId: 'k', functionName: 'anchor-fn', checkpointMinutes: 15 });
    expectConfigError(
      () => loadConfig({ SENTINEL_ANCHOR_BUCKET: 'b', SENTINEL_ANCHOR_KEY_ID: 'k', SENTINEL_ANCHOR_CHECKPOINT_MINUTES: '0' }),
      'SENTINEL_ANCHOR_CHECKPOINT_MINUTES',
      'environment',
    );
  });

  it('says where a deployed function reads its configuration', () => {
    expect(configParameterOf({})).toBeUndefined();
    expect(configParameterOf({ SENTINEL_CONFIG_PARAMETER: '/gitops-sentinel/prod/config' })).toEqual({ name: '/gitops-sentinel/prod/config' });
    expect(configParameterOf({ SENTINEL_CONFIG_PARAMETER: '/p', SENTINEL_CONFIG_MAX_AGE_SECONDS: '30' })).toEqual({ name: '/p', maxAgeSeconds: 30 });
    expectConfigError(
      () => configParameterOf({ SENTINEL_CONFIG_PARAMETER: '/p', SENTINEL_CONFIG_MAX_AGE_SECONDS: '-1' }),
      'SENTINEL_CONFIG_MAX_AGE_SECONDS',
      'environment',
    );
  });
});

describe('envStorage (the anchor function, which reads no configuration file)', () => {
  it('finds the same storage settings as loadConfig from the same variables', () => {
    const env = { SENTINEL_TABLE_PREFIX: 'gitops-sentinel-prod', AWS_REGION: 'eu-west-1' };
    expect(envStorage(env)).toEqual({ tablePrefix: 'gitops-sentinel-prod', region: 'eu-west-1' });
    expect(envStorage(env)).toEqual(loadJsonConfig(env).storage);
    expect(envStorage({})).toEqual(loadJsonConfig({}).storage);
  });
});
