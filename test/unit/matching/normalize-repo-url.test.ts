import { normalizeRepoUrl } from '../../../functions/lib/matching/normalize-repo-url';

describe('normalizeRepoUrl', () => {
  const canonical = 'github.com/argoproj/argo-cd';

  it.each([
    ['https://github.com/argoproj/argo-cd'],
    ['https://github.com/argoproj/argo-cd.git'],
    ['https://github.com/argoproj/argo-cd/'],
    ['https://github.com/argoproj/argo-cd.git/'],
    ['http://github.com/argoproj/argo-cd'],
    ['HTTPS://GitHub.com/ArgoProj/Argo-CD.git'],
    ['https://github.com:443/argoproj/argo-cd'],
    ['https://user@github.com/argoproj/argo-cd'],
    ['https://user:s3cret@github.com:8443/argoproj/argo-cd.git'],
    ['ssh://git@github.com/argoproj/argo-cd.git'],
    ['ssh://git@github.com:22/argoproj/argo-cd.git'],
    ['git+ssh://git@github.com/argoproj/argo-cd'],
    ['git://github.com/argoproj/argo-cd.git'],
    ['git@github.com:argoproj/argo-cd.git'],
    ['git@github.com:argoproj/argo-cd'],
    ['git@GITHUB.COM:ArgoProj/Argo-CD.git'],
    ['github.com:argoproj/argo-cd.git'],
    ['github.com/argoproj/argo-cd'],
    ['  https://github.com/argoproj/argo-cd  '],
    ['https://github.com/argoproj/argo-cd?tab=readme#top'],
    ['https://github.com//argoproj/./argo-cd'],
    ['ssh://git@ssh.github.com:443/argoproj/argo-cd.git'],
    ['https://github.com./argoproj/argo-cd'],
  ])('maps %s to the canonical key', (url) => {
    expect(normalizeRepoUrl(url)).toBe(canonical);
  });

  it('keeps nested GitLab groups and strips the altssh host', () => {
    expect(normalizeRepoUrl('ssh://git@altssh.gitlab.com:443/group/sub/repo.git')).toBe('gitlab.com/group/sub/repo');
    expect(normalizeRepoUrl('https://gitlab.com/group/sub/repo')).toBe('gitlab.com/group/sub/repo');
  });

  it('reads everything after the colon of an scp URL as the path, as git does', () => {
    expect(normalizeRepoUrl('git@git.example.com:2222/team/repo.git')).toBe('git.example.com/2222/team/repo');
    expect(normalizeRepoUrl('ssh://git@git.example.com:2222/team/repo.git')).toBe('git.example.com/team/repo');
  });

  it('maps the Azure DevOps SSH and legacy forms to the dev.azure.com form', () => {
    const key = 'dev.azure.com/org/my%20project/_git/repo';
    expect(normalizeRepoUrl('https://org@dev.azure.com/org/My%20Project/_git/repo')).toBe(key);
    expect(normalizeRepoUrl('git@ssh.dev.azure.com:v3/org/My%20Project/repo')).toBe(key);
    expect(normalizeRepoUrl('git@vs-ssh.visualstudio.com:v3/org/My Project/repo')).toBe(key);
    expect(normalizeRepoUrl('https://org.visualstudio.com/DefaultCollection/My%20Project/_git/repo')).toBe(key);
    expect(normalizeRepoUrl('https://org.visualstudio.com/My Project/_git/repo')).toBe(key);
  });

  it('agrees on the URLs of one repository in real webhook payloads', () => {
    // Prepare: URLs from ArgoCD's own test payloads (reference/argocd/webhook-payloads)
    const github = [
      'https://github.com/jessesuen/test-repo',
      'https://github.com/jessesuen/test-repo.git',
      'git://github.com/jessesuen/test-repo.git',
      'git@github.com:jessesuen/test-repo.git',
    ];
    const gitlab = ['https://gitlab.com/group/name', 'https://gitlab.com/group/name.git', 'ssh://git@gitlab.com:2222/group/name.git'];
    // Assess
    expect(new Set(github.map(normalizeRepoUrl))).toEqual(new Set(['github.com/jessesuen/test-repo']));
    expect(new Set(gitlab.map(normalizeRepoUrl))).toEqual(new Set(['gitlab.com/group/name']));
    expect(normalizeRepoUrl('ssh://git@bitbucketserver:7999/myproject/test-repo.git')).toBe('bitbucketserver/myproject/test-repo');
  });

  it('tells different repositories and hosts apart', () => {
    expect(normalizeRepoUrl('https://github.com/argoproj/argo-cd')).not.toBe(normalizeRepoUrl('https://github.com/argoproj/argo-rollouts'));
    expect(normalizeRepoUrl('https://github.com/argoproj/argo-cd')).not.toBe(normalizeRepoUrl('https://gitlab.com/argoproj/argo-cd'));
    expect(normalizeRepoUrl('https://github.com/org/repo')).not.toBe(normalizeRepoUrl('https://github.com/org/repo/sub'));
  });

  it('strips every trailing .git, so the result is stable', () => {
    expect(normalizeRepoUrl('https://example.com/org/repo.git.git')).toBe('example.com/org/repo');
  });

  it('does not strip an ssh prefix down to a bare top-level domain', () => {
    expect(normalizeRepoUrl('https://ssh.com/org/repo')).toBe('ssh.com/org/repo');
  });

  it('returns "" for an empty or blank URL', () => {
    expect(normalizeRepoUrl('')).toBe('');
    expect(normalizeRepoUrl('   ')).toBe('');
  });

  it('returns "" rather than throwing for a non-string', () => {
    expect(normalizeRepoUrl(undefined as unknown as string)).toBe('');
  });
});
