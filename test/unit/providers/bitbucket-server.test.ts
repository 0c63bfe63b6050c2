import * as bitbucketServer from '../../../functions/lib/providers/bitbucket-server';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { referencePayload, sample, signFor, TEST_SECRET } from './fixtures';

describe('detect (Bitbucket Server)', () => {
  it('recognises X-Event-Key without X-Hook-UUID', () => {
    expect(bitbucketServer.detect(sample('bitbucket-server-push').headers)).toBe(true);
    expect(bitbucketServer.detect(sample('bitbucket-cloud-push').headers)).toBe(false);
  });
});

describe('verify (Bitbucket Server)', () => {
  it('accepts a known-good sha256= signature', async () => {
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    await expect(bitbucketServer.verify("It's a Secret to Everybody", 'Hello, World!', { 'x-hub-signature': sig })).resolves.toBe(true);
  });
  it('accepts the real payload signed at test time and refuses a tampered body', async () => {
    const body = referencePayload('bitbucket-server-event.json');
    const headers = signFor('bitbucket-server', { 'x-event-key': 'repo:refs_changed' }, body);
    await expect(bitbucketServer.verify(TEST_SECRET, body, headers)).resolves.toBe(true);
    await expect(bitbucketServer.verify(TEST_SECRET, body.replace('master', 'main'), headers)).resolves.toBe(false);
  });
});

describe('parse (Bitbucket Server)', () => {
  it('parses the real repo:refs_changed payload', () => {
    const { body, headers } = sample('bitbucket-server-push');
    expect(bitbucketServer.parse(body, headers)).toMatchObject({
      provider: 'bitbucket-server',
      deliveryId: 'b9d4c2e1-6f7e-4d8c-9b0a-1f2e3d4c5b6a',
      ref: 'refs/heads/master',
      revision: '22671f0349857934857983457983475ec39f196b',
      repoUrls: ['ssh://git@bitbucketserver:7999/myproject/test-repo.git', 'https://bitbucketserver/scm/myproject/test-repo.git'],
      changedFiles: null,
      touchedHead: true,
      pusher: 'john',
    });
  });
  it('ignores diagnostics:ping', () => {
    const { body, headers } = sample('bitbucket-server-ping');
    expect(bitbucketServer.parse(body, headers)).toEqual({ ignored: true, reason: 'ping', deliveryId: 'cae5d3f2-7a8f-4e9d-8c1b-2a3f4e5d6c7b' });
  });
  it('marks a DELETE change as deleted', () => {
    const base = JSON.parse(referencePayload('bitbucket-server-event.json'));
    base.changes[0] = { ...base.changes[0], type: 'DELETE', toHash: '0'.repeat(40) };
    expect(bitbucketServer.parse(JSON.stringify(base), { 'x-event-key': 'repo:refs_changed' }) as PushEvent).toMatchObject({
      deleted: true,
      revision: '',
      commits: [],
    });
  });
});
