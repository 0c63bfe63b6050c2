import { detectProvider, getProvider, PROVIDERS } from '../../../functions/lib/providers/index';
import { MissingSecretError } from '../../../functions/lib/providers/errors';
import { secretSettings } from '../../../functions/lib/intake/index';
import { sample } from './fixtures';

describe('detectProvider', () => {
  it.each([
    ['github-push', 'github'],
    ['gitlab-push', 'gitlab'],
    ['bitbucket-cloud-push', 'bitbucket-cloud'],
    ['bitbucket-server-push', 'bitbucket-server'],
    ['gitea-push', 'gitea'],
    ['gogs-push', 'gogs'],
    ['azure-devops-push', 'azure-devops'],
  ])('picks the provider of %s', (name, provider) => {
    expect(detectProvider(sample(name).headers)?.name).toBe(provider);
  });
  it('returns undefined for unknown headers and throws TypeError on misuse', () => {
    expect(detectProvider({ 'content-type': 'application/json' })).toBeUndefined();
    expect(() => detectProvider(null as never)).toThrow(/^\[gitops-sentinel\/providers\]/);
    expect(() => getProvider('svn' as never)).toThrow(TypeError);
    expect(PROVIDERS).toHaveLength(7);
  });
});

describe('secretSettings', () => {
  it('names the environment variable of each provider (Gitea shares Gogs)', () => {
    expect(secretSettings('github')).toEqual(['GITHUB_WEBHOOK_SECRET']);
    expect(secretSettings('gitea')).toEqual(['GOGS_WEBHOOK_SECRET']);
    expect(secretSettings('bitbucket-cloud')).toEqual(['BITBUCKET_WEBHOOK_UUID']);
    expect(secretSettings('azure-devops')).toEqual(['AZURE_DEVOPS_USERNAME', 'AZURE_DEVOPS_PASSWORD']);
    expect(new MissingSecretError('github', ['GITHUB_WEBHOOK_SECRET']).message).toContain('GITHUB_WEBHOOK_SECRET');
  });
});
