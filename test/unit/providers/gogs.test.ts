import * as gogs from '../../../functions/lib/providers/gogs';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { referencePayload, sample, signFor, TEST_SECRET } from './fixtures';

describe('detect (Gogs)', () => {
  it('recognises X-Gogs-Event without X-Gitea-Event', () => {
    expect(gogs.detect(sample('gogs-push').headers)).toBe(true);
    expect(gogs.detect(sample('gitea-push').headers)).toBe(false);
  });
});

describe('verify (Gogs)', () => {
  it('accepts a known-good signature and the real payload signed at test time', async () => {
    await expect(
      gogs.verify("It's a Secret to Everybody", 'Hello, World!', { 'x-gogs-signature': '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }),
    ).resolves.toBe(true);
    const body = referencePayload('gogs-event.json');
    await expect(gogs.verify(TEST_SECRET, body, signFor('gogs', {}, body))).resolves.toBe(true);
    await expect(gogs.verify(TEST_SECRET, body, {})).resolves.toBe(false);
  });
});

describe('parse (Gogs)', () => {
  it('parses the real push payload', () => {
    const { body, headers } = sample('gogs-push');
    expect(gogs.parse(body, headers) as PushEvent).toMatchObject({
      provider: 'gogs',
      deliveryId: 'e8a7f5b4-9cad-4fbf-ae3d-4c5b6a7f8e9d',
      ref: 'refs/heads/master',
      revision: '0a05129851238652bf806a400af89fa974ade739',
      changedFiles: ['cm.yaml'],
      touchedHead: true,
      pusher: 'john',
      repoUrls: ['http://gogs-server/john/repo-test', 'http://gogs-server/john/repo-test.git', 'git@gogs-server/repo-test.git'],
    });
  });
});
