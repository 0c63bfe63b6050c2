import { ConfigError, loadConfig } from '../../../functions/lib/config';

const instance = (applicationSetWebhook: unknown) => ({ name: 'prod', server: 'https://argocd.example.com', token: { env: 'T' }, applicationSetWebhook });
const load = (applicationSetWebhook: unknown, env: Record<string, string> = {}) =>
  loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ instances: [instance(applicationSetWebhook)] }), ...env });

function problem(applicationSetWebhook: unknown): { key: string; message: string } {
  try {
    load(applicationSetWebhook);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { key: (error as ConfigError).key, message: (error as ConfigError).message };
  }
  throw new Error('expected a ConfigError');
}

describe('config: instances[].applicationSetWebhook', () => {
  const url = 'https://appset.argocd.example.com/api/webhook';

  it('keeps the URL, the secret references (never values) and the repositories', () => {
    const config = load({ url, secrets: { github: { secretId: 'argocd/prod', jsonKey: 'webhook.github.secret' } }, repositories: ['github.com/acme/*'] });
    expect(config.instances[0].applicationSetWebhook).toEqual({
      url,
      secrets: { github: { secretId: 'argocd/prod', jsonKey: 'webhook.github.secret' } },
      repositories: ['github.com/acme/*'],
    });
  });

  it('refuses unknown keys, providers ArgoCD’s ApplicationSet webhook does not take, and half an Azure DevOps pair', () => {
    expect(problem({ url, secrets: { github: { env: 'X' } }, retries: 3 })).toMatchObject({ key: 'instances.0.applicationSetWebhook.retries' });
    expect(problem({ url, secrets: { bitbucketServer: { env: 'X' } } })).toMatchObject({ key: 'instances.0.applicationSetWebhook.secrets.bitbucketServer' });
    expect(problem({ url, secrets: { github: { env: 'X' } }, secret: { env: 'X' } }).message).toContain('unknown key');
    expect(problem({ url, secrets: { azureDevOpsUsername: { env: 'U' } } }).message).toContain('azureDevOpsUsername and azureDevOpsPassword go together');
    expect(problem({ url, secrets: {} }).message).toContain('at least one');
    expect(problem({ url }).key).toBe('instances.0.applicationSetWebhook.secrets');
  });

  it('refuses a URL that is not http(s) or carries credentials', () => {
    expect(problem({ url: 'ftp://appset/api/webhook', secrets: { github: { env: 'X' } } }).message).toContain('http:// or https://');
    expect(problem({ url: 'https://user:pw@appset/api/webhook', secrets: { github: { env: 'X' } } }).message).toContain('must not contain credentials');
    expect(problem({ url: 'not a url', secrets: { github: { env: 'X' } } }).message).toContain('must be a URL');
  });

  it('the env-configured default instance keeps the file’s ApplicationSet webhook for `default`', () => {
    const config = loadConfig({
      SENTINEL_CONFIG_JSON: JSON.stringify({ instances: [{ ...instance({ url, secrets: { gitlab: { env: 'GL' } } }), name: 'default' }] }),
      ARGOCD_SERVER: 'http://127.0.0.1:8081',
      ARGOCD_AUTH_TOKEN: 'token',
    });
    expect(config.instances).toHaveLength(1);
    expect(config.instances[0]).toMatchObject({ name: 'default', server: 'http://127.0.0.1:8081', applicationSetWebhook: { url } });
  });
});
