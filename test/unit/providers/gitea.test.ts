import * as gitea from '../../../functions/lib/providers/gitea';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { sample, signFor, TEST_SECRET } from './fixtures';

describe('detect (Gitea)', () => {
  it('recognises X-Gitea-Event even though GitHub and Gogs headers come too', () => {
    expect(gitea.detect(sample('gitea-push').headers)).toBe(true);
    expect(gitea.detect(sample('gogs-push').headers)).toBe(false);
  });
});

describe('verify (Gitea)', () => {
  it('accepts a known-good hex signature (no prefix)', async () => {
    await expect(
      gitea.verify("It's a Secret to Everybody", 'Hello, World!', { 'x-gitea-signature': '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }),
    ).resolves.toBe(true);
  });
  it('accepts the sample re-signed at test time and refuses another secret', async () => {
    const { body, headers } = sample('gitea-push');
    await expect(gitea.verify(TEST_SECRET, body, signFor('gitea', headers, body))).resolves.toBe(true);
    await expect(gitea.verify('other', body, headers)).resolves.toBe(false);
  });
});

describe('parse (Gitea)', () => {
  it('parses a push with its changed files', () => {
    const { body, headers } = sample('gitea-push');
    const push = gitea.parse(body, headers) as PushEvent;
    expect(push).toMatchObject({
      provider: 'gitea',
      deliveryId: 'd7f6e4a3-8b9c-4fae-9d2c-3b4a5f6e7d8c',
      ref: 'refs/heads/main',
      touchedHead: true,
      pusher: 'jane',
    });
    expect(push.changedFiles?.sort()).toEqual(['apps/guestbook/NOTES.txt', 'apps/guestbook/values.yaml']);
    expect(push.repoUrls).toContain('git@gitea.example.com:acme/platform-config.git');
  });
  it('says files are unknown when total_commits exceeds the listed commits', () => {
    const { body, headers } = sample('gitea-push');
    expect((gitea.parse(JSON.stringify({ ...JSON.parse(body), total_commits: 9 }), headers) as PushEvent).changedFiles).toBeNull();
  });
  it('ignores create and delete events', () => {
    expect(gitea.parse('{}', { 'x-gitea-event': 'delete' })).toMatchObject({ ignored: true });
  });
});
