import { createHmac } from 'node:crypto';
import * as bitbucketCloud from '../../../functions/lib/providers/bitbucket-cloud';
import { MalformedPayloadError } from '../../../functions/lib/providers/errors';
import { sample, TEST_BITBUCKET_UUID } from './fixtures';

describe('detect (Bitbucket Cloud)', () => {
  it('recognises X-Hook-UUID, which wins over X-Event-Key', () => {
    expect(bitbucketCloud.detect(sample('bitbucket-cloud-push').headers)).toBe(true);
    expect(bitbucketCloud.detect(sample('bitbucket-server-push').headers)).toBe(false);
  });
});

describe('verify (Bitbucket Cloud)', () => {
  it('accepts the known-good hook UUID, with or without braces, any case', async () => {
    await expect(bitbucketCloud.verify(TEST_BITBUCKET_UUID, '{}', { 'x-hook-uuid': '{8b2f3c5e-1d2a-4e6f-9a0b-7c1d2e3f4a5b}' })).resolves.toBe(true);
    await expect(bitbucketCloud.verify(TEST_BITBUCKET_UUID, '{}', { 'x-hook-uuid': '8B2F3C5E-1D2A-4E6F-9A0B-7C1D2E3F4A5B' })).resolves.toBe(true);
  });
  it('returns false for another UUID or none', async () => {
    await expect(bitbucketCloud.verify(TEST_BITBUCKET_UUID, '{}', { 'x-hook-uuid': '{00000000-1d2a-4e6f-9a0b-7c1d2e3f4a5b}' })).resolves.toBe(false);
    await expect(bitbucketCloud.verify(TEST_BITBUCKET_UUID, '{}', {})).resolves.toBe(false);
  });

  describe('a hook with a secret (X-Hub-Signature)', () => {
    const secret = 'bb-cloud-hook-secret';
    const { body, headers } = sample('bitbucket-cloud-push');
    // Known-good value: HMAC-SHA256 of the sample body under the secret, as Bitbucket Cloud sends it.
    const signed = (b: string, key = secret) => ({ ...headers, 'x-hub-signature': `sha256=${createHmac('sha256', key).update(b).digest('hex')}` });

    it('accepts the signature of the raw body', async () => {
      await expect(bitbucketCloud.verify(secret, body, signed(body))).resolves.toBe(true);
      await expect(bitbucketCloud.verify([TEST_BITBUCKET_UUID, secret], Buffer.from(body), signed(body))).resolves.toBe(true);
    });

    it('refuses a signature under another secret, of another body, or malformed', async () => {
      await expect(bitbucketCloud.verify(secret, body, signed(body, 'other'))).resolves.toBe(false);
      await expect(bitbucketCloud.verify(secret, `${body} `, signed(body))).resolves.toBe(false);
      await expect(bitbucketCloud.verify(secret, body, { ...headers, 'x-hub-signature': 'sha256=zz' })).resolves.toBe(false);
    });

    it('does not fall back to the hook UUID once a signature is sent', async () => {
      // The sample carries the right X-Hook-UUID; a wrong signature still fails.
      await expect(bitbucketCloud.verify(TEST_BITBUCKET_UUID, body, signed(body, 'other'))).resolves.toBe(false);
    });
  });
});

describe('parse (Bitbucket Cloud)', () => {
  it('parses repo:push', () => {
    const { body, headers } = sample('bitbucket-cloud-push');
    expect(bitbucketCloud.parse(body, headers)).toEqual({
      provider: 'bitbucket-cloud',
      deliveryId: 'a8c3b1f0-5e6d-4c7b-8a9f-0e1d2c3b4a59',
      repoUrls: ['https://bitbucket.org/acme/platform-config'],
      revision: 'b1946ac92492d2347c6235b4d2611184b1946ac9',
      before: '9f0c3e0a7a1d4c2b8e6f5a4b3c2d1e0f9a8b7c6d',
      ref: 'refs/heads/main',
      isTag: false,
      touchedHead: true,
      deleted: false,
      changedFiles: null,
      pusher: 'jdoe',
      commits: [
        { id: 'b1946ac92492d2347c6235b4d2611184b1946ac9', message: 'Bump guestbook to 1.4.0\n', author: 'jdoe', timestamp: '2025-01-15T09:58:00+00:00' },
      ],
      defaultBranch: 'main',
    });
  });
  it('parses a tag push and a branch deletion (new = null)', () => {
    const { body, headers } = sample('bitbucket-cloud-push');
    const base = JSON.parse(body);
    const tag = { ...base, push: { changes: [{ new: { type: 'tag', name: 'v2.0.0', target: { hash: 'c'.repeat(40) } }, old: null, commits: [] }] } };
    expect(bitbucketCloud.parse(JSON.stringify(tag), headers)).toMatchObject({ ref: 'refs/tags/v2.0.0', isTag: true, touchedHead: false });
    const del = { ...base, push: { changes: [{ new: null, old: { type: 'branch', name: 'old', target: { hash: 'c'.repeat(40) } } }] } };
    expect(bitbucketCloud.parse(JSON.stringify(del), headers)).toMatchObject({ ref: 'refs/heads/old', deleted: true, revision: '' });
  });
  it('ignores other event keys and refuses a push without changes', () => {
    expect(bitbucketCloud.parse('{}', { 'x-hook-uuid': 'x', 'x-event-key': 'pullrequest:created' })).toMatchObject({ ignored: true });
    expect(() => bitbucketCloud.parse(JSON.stringify({ push: { changes: [] } }), { 'x-hook-uuid': 'x', 'x-event-key': 'repo:push' })).toThrow(
      MalformedPayloadError,
    );
  });
});
