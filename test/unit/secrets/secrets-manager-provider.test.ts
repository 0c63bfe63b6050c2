import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { EnvSecretsProvider, SecretNotFoundError, SecretsManagerProvider } from '../../../functions/lib/secrets';

describe('SecretsManagerProvider', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('caches a value for the TTL and fetches again afterwards', async () => {
    // Prepare
    let now = 1_000;
    sm.on(GetSecretValueCommand, { SecretId: 'argocd-token' }).resolvesOnce({ SecretString: 'v1' }).resolves({ SecretString: 'v2' });
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}), ttlMs: 60_000, now: () => now });
    // Act + Assess
    expect(await provider.get({ secretId: 'argocd-token' })).toBe('v1');
    expect(await provider.get({ secretId: 'argocd-token' })).toBe('v1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now += 60_001;
    expect(await provider.get({ secretId: 'argocd-token' })).toBe('v2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'tok' });
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}) });
    const values = await Promise.all(Array.from({ length: 10 }, () => provider.get({ secretId: 's' })));
    expect(new Set(values)).toEqual(new Set(['tok']));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refresh() bypasses the cache (a rotated token after a 401)', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: 'new' });
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}) });
    expect(await provider.get({ secretId: 's' })).toBe('old');
    expect(await provider.refresh({ secretId: 's' })).toBe('new');
    expect(await provider.get({ secretId: 's' })).toBe('new');
  });

  it('reads a key of a JSON secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ github: 'gh-secret', gitlab: 'gl' }) });
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}) });
    expect(await provider.get({ secretId: 'webhooks', jsonKey: 'github' })).toBe('gh-secret');
    await expect(provider.get({ secretId: 'webhooks', jsonKey: 'bitbucket' })).rejects.toThrow(SecretNotFoundError);
  });

  it('names the secret but never a value when the fetch fails, and does not cache the failure', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Secrets Manager cannot find the specified secret.', $metadata: {} }))
      .resolves({ SecretString: 'later' });
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}) });
    const error = await provider.get({ secretId: 'prod/argocd' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toBe('cannot read secret prod/argocd: ResourceNotFoundException');
    expect(await provider.get({ secretId: 'prod/argocd' })).toBe('later');
  });

  it('resolves {env} references from the environment it was given', async () => {
    const provider = new SecretsManagerProvider({ client: new SecretsManagerClient({}), env: { TOKEN: 'from-env' } });
    expect(await provider.get({ env: 'TOKEN' })).toBe('from-env');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('EnvSecretsProvider', () => {
  it('reads the variable on every call, so a rotated value is seen by refresh()', async () => {
    const env: Record<string, string> = { ARGOCD_AUTH_TOKEN: 'a' };
    const provider = new EnvSecretsProvider(env);
    expect(await provider.get({ env: 'ARGOCD_AUTH_TOKEN' })).toBe('a');
    env.ARGOCD_AUTH_TOKEN = 'b';
    expect(await provider.refresh({ env: 'ARGOCD_AUTH_TOKEN' })).toBe('b');
  });

  it('refuses unset variables and Secrets Manager references, naming them', async () => {
    const provider = new EnvSecretsProvider({});
    await expect(provider.get({ env: 'GITHUB_WEBHOOK_SECRET' })).rejects.toThrow('environment variable GITHUB_WEBHOOK_SECRET is not set');
    await expect(provider.get({ secretId: 'x' })).rejects.toThrow(/needs AWS Secrets Manager/);
  });
});
