import { insecureSettings, loadConfig } from '../../../functions/lib/config';
import { insecureLines } from '../../../local/banner';

const https = { name: 'eu', server: 'https://argocd.eu.example.com', token: { env: 'EU_TOKEN' } };
const json = (file: unknown) => ({ SENTINEL_CONFIG_JSON: JSON.stringify(file) });

describe('insecureSettings', () => {
  it('finds nothing in a configuration with https servers, TLS verified and signatures required', () => {
    expect(insecureSettings(loadConfig(json({ instances: [https, { ...https, name: 'us', server: 'argocd.us.example.com:443' }] })))).toEqual([]);
    expect(insecureSettings(loadConfig({}))).toEqual([]);
  });

  it('names the file key of an http:// server, insecure: true and allowUnsigned: true, in configuration order', () => {
    const config = loadConfig(
      json({
        instances: [https, { ...https, name: 'lab', server: 'http://10.0.0.5:8080' }, { ...https, name: 'dev', insecure: true }],
        webhook: { allowUnsigned: true },
        acknowledge: ['allow-unsigned'],
      }),
    );
    expect(insecureSettings(config)).toEqual([
      {
        key: 'instances.1.server',
        problem: expect.stringContaining('http://10.0.0.5:8080 is plain http'),
        acknowledgement: 'insecure-argocd',
        acknowledged: false,
      },
      { key: 'instances.2.insecure', problem: expect.stringContaining('"dev"'), acknowledgement: 'insecure-argocd', acknowledged: false },
      { key: 'webhook.allowUnsigned', problem: expect.stringContaining('unsigned'), acknowledgement: 'allow-unsigned', acknowledged: true },
    ]);
  });

  it('names the environment variable when the setting came from the environment', () => {
    const env = {
      ...json({ instances: [https, { ...https, name: 'lab', insecure: true }] }),
      ARGOCD_SERVER: 'http://127.0.0.1:8081',
      ARGOCD_AUTH_TOKEN: 'not-printed-token',
      ARGOCD_INSECURE: 'true',
      SENTINEL_ALLOW_UNSIGNED: 'yes',
    };
    const found = insecureSettings(loadConfig(env), env);
    expect(found.map((s) => s.key)).toEqual(['ARGOCD_SERVER', 'ARGOCD_INSECURE', 'instances[name=lab].insecure', 'SENTINEL_ALLOW_UNSIGNED']);
    expect(JSON.stringify(found)).not.toContain('not-printed-token');
    // An https ARGOCD_SERVER with TLS verified is not reported.
    const safe = { ARGOCD_SERVER: 'argocd.example.com', ARGOCD_AUTH_TOKEN: 't', SENTINEL_ALLOW_UNSIGNED: 'false' };
    expect(insecureSettings(loadConfig(safe), safe)).toEqual([]);
  });
});

describe('banner warnings (npm start)', () => {
  it('prints one warning per insecure setting, saying whether a deployment would refuse it', () => {
    const env = {
      ARGOCD_SERVER: 'http://127.0.0.1:8081',
      ARGOCD_AUTH_TOKEN: 't',
      ...json({ webhook: { allowUnsigned: true }, acknowledge: ['allow-unsigned'] }),
    };
    const lines = insecureLines(insecureSettings(loadConfig(env), env));
    expect(lines.filter((l) => l.includes('WARNING'))).toEqual([
      '  WARNING    ARGOCD_SERVER: ArgoCD server http://127.0.0.1:8081 is plain http: the API token crosses the network unencrypted. A deployment ' +
        'refuses this unless acknowledged (acknowledge: [insecure-argocd]).',
      '  WARNING    webhook.allowUnsigned: providers without a webhook secret are accepted unsigned: anyone who can reach the webhook can queue pushes. ' +
        'A deployment refuses this but it is acknowledged (acknowledge: [allow-unsigned]).',
    ]);
  });

  it('prints nothing when there is nothing to warn about', () => {
    expect(insecureLines([])).toEqual([]);
  });
});
