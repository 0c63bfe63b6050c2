import * as gitlab from '../../../functions/lib/providers/gitlab';
import { MalformedPayloadError } from '../../../functions/lib/providers/errors';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { sample, TEST_SECRET } from './fixtures';

describe('detect (GitLab)', () => {
  it('recognises X-Gitlab-Event', () => {
    expect(gitlab.detect(sample('gitlab-push').headers)).toBe(true);
    expect(gitlab.detect(sample('github-push').headers)).toBe(false);
  });
});

describe('verify (GitLab)', () => {
  it('accepts the known-good token', async () => {
    await expect(gitlab.verify(TEST_SECRET, '{}', { 'x-gitlab-token': 'sentinel-test-secret' })).resolves.toBe(true);
  });
  it('returns false for a wrong, empty, missing or longer token', async () => {
    for (const token of ['nope', '', undefined, `${TEST_SECRET}x`, TEST_SECRET.slice(1)]) {
      await expect(gitlab.verify(TEST_SECRET, '{}', { 'x-gitlab-token': token })).resolves.toBe(false);
    }
  });
});

describe('parse (GitLab)', () => {
  const push = (name: string) => {
    const { body, headers } = sample(name);
    return gitlab.parse(body, headers) as PushEvent;
  };
  it('parses the real Push Hook payload', () => {
    expect(push('gitlab-push')).toMatchObject({
      provider: 'gitlab',
      deliveryId: '13792a34-cac6-4fda-95a8-c58e00a3954e',
      ref: 'refs/heads/master',
      revision: 'bb0748feaa336d841c251017e4e374c22d0c8a98',
      touchedHead: true,
      isTag: false,
      changedFiles: ['file.yaml'],
      pusher: 'username',
      repoUrls: expect.arrayContaining(['https://gitlab.com/group/name.git', 'ssh://git@gitlab.com:2222/group/name.git']),
    });
  });
  it('parses a Tag Push Hook', () => {
    expect(push('gitlab-tag-push')).toMatchObject({ ref: 'refs/tags/v1.4.0', isTag: true, touchedHead: false, changedFiles: null, pusher: 'jane' });
  });
  it('parses a System Hook push and ignores other system events', () => {
    expect(push('gitlab-system-hook')).toMatchObject({
      ref: 'refs/heads/main',
      touchedHead: true,
      changedFiles: ['apps/guestbook/values.yaml'],
      pusher: 'jsmith',
    });
    const r = gitlab.parse(JSON.stringify({ event_name: 'project_create', name: 'x' }), { 'x-gitlab-event': 'System Hook' });
    expect(r).toMatchObject({ ignored: true, reason: 'system hook event "project_create" is not a push' });
  });
  it('ignores other hooks', () => {
    expect(gitlab.parse('{}', { 'x-gitlab-event': 'Merge Request Hook' })).toMatchObject({ ignored: true });
  });
  it('says files are unknown when GitLab truncated the commit list (total_commits_count)', () => {
    const { body, headers } = sample('gitlab-push');
    const truncated = JSON.stringify({ ...JSON.parse(body), total_commits_count: 42 });
    expect((gitlab.parse(truncated, headers) as PushEvent).changedFiles).toBeNull();
  });
  it('marks a deleted branch', () => {
    const { body, headers } = sample('gitlab-push');
    const deleted = JSON.stringify({ ...JSON.parse(body), after: '0'.repeat(40), checkout_sha: null, commits: [] });
    expect(gitlab.parse(deleted, headers)).toMatchObject({ deleted: true, revision: '' });
  });
  it('refuses a body whose object_kind contradicts the hook', () => {
    expect(() => gitlab.parse(JSON.stringify({ object_kind: 'issue' }), { 'x-gitlab-event': 'Push Hook' })).toThrow(MalformedPayloadError);
  });
});
