import { createHash } from 'node:crypto';
import * as github from '../../../functions/lib/providers/github';
import { MalformedPayloadError } from '../../../functions/lib/providers/errors';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { hmacHex, referencePayload, sample, signFor, TEST_SECRET } from './fixtures';

// GitHub's documented example (docs.github.com, "Validating webhook deliveries").
const DOC_SECRET = "It's a Secret to Everybody";
const DOC_BODY = 'Hello, World!';
const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('detect (GitHub)', () => {
  it('recognises X-GitHub-Event', () => {
    expect(github.detect({ 'x-github-event': 'push' })).toBe(true);
  });
  it('leaves Gitea deliveries (which also send X-GitHub-Event) to Gitea', () => {
    expect(github.detect(sample('gitea-push').headers)).toBe(false);
  });
  it('does not claim other providers', () => {
    expect(github.detect(sample('gitlab-push').headers)).toBe(false);
  });
});

describe('verify (GitHub)', () => {
  it('accepts the known-good signature from GitHub documentation', async () => {
    await expect(github.verify(DOC_SECRET, DOC_BODY, { 'x-hub-signature-256': DOC_SIGNATURE })).resolves.toBe(true);
  });
  it('accepts the sample events, signed again at test time', async () => {
    for (const name of ['github-push', 'github-push-form', 'github-tag', 'github-ping']) {
      const { body, headers } = sample(name);
      await expect(github.verify(TEST_SECRET, body, signFor('github', headers, body))).resolves.toBe(true);
    }
  });
  it('verifies bytes exactly as sent (Uint8Array body)', async () => {
    await expect(github.verify(DOC_SECRET, Buffer.from(DOC_BODY), { 'x-hub-signature-256': DOC_SIGNATURE })).resolves.toBe(true);
  });
  it('returns false when the signature does not match', async () => {
    await expect(github.verify('another secret', DOC_BODY, { 'x-hub-signature-256': DOC_SIGNATURE })).resolves.toBe(false);
    await expect(github.verify(DOC_SECRET, `${DOC_BODY} `, { 'x-hub-signature-256': DOC_SIGNATURE })).resolves.toBe(false);
  });
  it('returns false when the signature is missing, truncated, not hex or without the sha256= prefix', async () => {
    for (const sig of [
      undefined,
      '',
      'sha256=',
      DOC_SIGNATURE.slice(0, -2),
      `sha256=${'z'.repeat(64)}`,
      DOC_SIGNATURE.slice(7),
      `sha1=${DOC_SIGNATURE.slice(7)}`,
    ]) {
      await expect(github.verify(DOC_SECRET, DOC_BODY, { 'x-hub-signature-256': sig })).resolves.toBe(false);
    }
  });
  it('accepts any of several secrets (rotation)', async () => {
    await expect(github.verify(['old', DOC_SECRET], DOC_BODY, { 'x-hub-signature-256': DOC_SIGNATURE })).resolves.toBe(true);
  });
  it('throws a prefixed TypeError on misuse', async () => {
    await expect(github.verify('', DOC_BODY, {})).rejects.toThrow(/^\[gitops-sentinel\/providers\] secret/);
    await expect(github.verify([], DOC_BODY, {})).rejects.toThrow(TypeError);
    await expect(github.verify('s', 42 as unknown as string, {})).rejects.toThrow(/rawBody/);
  });
});

describe('parse (GitHub)', () => {
  const parsePush = (name: string): PushEvent => {
    const { body, headers } = sample(name);
    const r = github.parse(body, headers);
    if ('ignored' in r) throw new Error(`expected a push, got ${r.reason}`);
    return r;
  };

  it('parses the real push payload into a PushEvent', () => {
    const push = parsePush('github-push');
    expect(push).toMatchObject({
      provider: 'github',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      revision: '63738bb582c8b540af7bcfc18f87c575c3ed66e0',
      ref: 'refs/heads/master',
      isTag: false,
      touchedHead: true,
      deleted: false,
      pusher: 'jessesuen',
      defaultBranch: 'master',
    });
    expect(push.repoUrls).toEqual(
      expect.arrayContaining([
        'https://github.com/jessesuen/test-repo',
        'https://github.com/jessesuen/test-repo.git',
        'git@github.com:jessesuen/test-repo.git',
      ]),
    );
    expect(push.changedFiles?.sort()).toEqual([
      'ksapps/test-app/app.yaml',
      'ksapps/test-app/environments/staging-argocd-demo/main.jsonnet',
      'ksapps/test-app/environments/staging-argocd-demo/params.libsonnet',
    ]);
    expect(push.commits).toHaveLength(1);
  });

  it('parses a form-encoded body to the same push', () => {
    const json = parsePush('github-push');
    const form = parsePush('github-push-form');
    expect({ ...form, deliveryId: '' }).toEqual({ ...json, deliveryId: '' });
  });

  it('parses a tag push: isTag, not the head, files unknown (no commits listed)', () => {
    const push = parsePush('github-tag');
    expect(push).toMatchObject({ ref: 'refs/tags/v1.0', isTag: true, touchedHead: false, changedFiles: null });
  });

  it('marks a branch deletion (after all zeros) as deleted with an empty revision', () => {
    expect(parsePush('github-branch-delete')).toMatchObject({
      deleted: true,
      revision: '',
      ref: 'refs/heads/feature/old',
      changedFiles: null,
      touchedHead: false,
    });
  });

  it('ignores pings, ghcr package events and other events with a reason', () => {
    const ping = sample('github-ping');
    expect(github.parse(ping.body, ping.headers)).toEqual({ ignored: true, reason: 'ping', deliveryId: 'ac3f7e40-cc78-11e3-81ab-4c9367dc0958' });
    const pkg = sample('github-ghcr-package');
    expect(github.parse(pkg.body, pkg.headers)).toMatchObject({ ignored: true, reason: 'event "package" is not a push' });
    expect(github.parse(referencePayload('ghcr-package-event.json'), { 'x-github-event': 'registry_package' })).toMatchObject({ ignored: true });
  });

  it('ignores refs that are neither branches nor tags', () => {
    const body = JSON.stringify({ ...JSON.parse(referencePayload('github-commit-event.json')), ref: 'refs/pull/12/head' });
    expect(github.parse(body, { 'x-github-event': 'push' })).toMatchObject({ ignored: true, reason: expect.stringContaining('neither a branch nor a tag') });
  });

  it('keeps unicode branch names', () => {
    const body = JSON.stringify({ ...JSON.parse(referencePayload('github-commit-event.json')), ref: 'refs/heads/fix/über-ß-🚀' });
    expect(github.parse(body, { 'x-github-event': 'push' })).toMatchObject({ ref: 'refs/heads/fix/über-ß-🚀', touchedHead: false });
  });

  it('falls back to sha256 of the body when X-GitHub-Delivery is absent or odd', () => {
    const body = referencePayload('github-commit-event.json');
    const expected = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    expect((github.parse(body, { 'x-github-event': 'push' }) as PushEvent).deliveryId).toBe(expected);
    expect((github.parse(body, { 'x-github-event': 'push', 'x-github-delivery': 'a b\n' }) as PushEvent).deliveryId).toBe(expected);
  });

  it('refuses bodies that are empty, not JSON, not an object, or of the wrong shape', () => {
    const h = { 'x-github-event': 'push' };
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['{nope', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
      ['{}', /ref is missing/],
      [JSON.stringify({ ref: 'refs/heads/a b', after: 'x' }), /not a valid Git ref/],
      [JSON.stringify({ ref: 'refs/heads/main', after: 'xyz' }), /after is not a commit sha/],
      [JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) }), /repository is missing/],
      ['payload=', /not valid JSON|empty/],
    ];
    for (const [body, message] of cases) {
      expect(() => github.parse(body, h)).toThrow(MalformedPayloadError);
      expect(() => github.parse(body, h)).toThrow(message);
    }
    expect(() => github.parse('a=b', { ...h, 'content-type': 'application/x-www-form-urlencoded' })).toThrow(/no payload field/);
  });

  it('bounds work on huge commit lists: changedFiles becomes null (refresh all)', () => {
    const base = JSON.parse(referencePayload('github-commit-event.json'));
    const commits = Array.from({ length: 5000 }, (_, i) => ({
      id: i.toString(16).padStart(40, '0'),
      message: 'm',
      added: [`f${i}`],
      modified: [],
      removed: [],
    }));
    const push = github.parse(JSON.stringify({ ...base, commits }), { 'x-github-event': 'push' }) as PushEvent;
    expect(push.changedFiles).toBeNull();
    expect(push.commits.length).toBeLessThanOrEqual(2000);
    const manyFiles = [{ id: 'a'.repeat(40), added: Array.from({ length: 10_001 }, (_, i) => `p/${i}`) }];
    expect((github.parse(JSON.stringify({ ...base, commits: manyFiles }), { 'x-github-event': 'push' }) as PushEvent).changedFiles).toBeNull();
  });

  it('signs over the form body, not the JSON inside it', () => {
    const { body, headers } = sample('github-push-form');
    expect(headers['x-hub-signature-256']).toBe(`sha256=${hmacHex(TEST_SECRET, body)}`);
  });
});
