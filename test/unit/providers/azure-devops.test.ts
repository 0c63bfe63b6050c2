import * as azureDevOps from '../../../functions/lib/providers/azure-devops';
import type { PushEvent } from '../../../functions/lib/providers/types';
import { sample, TEST_AZURE_USER, TEST_SECRET } from './fixtures';

const GOOD = 'Basic c2VudGluZWw6c2VudGluZWwtdGVzdC1zZWNyZXQ='; // sentinel:sentinel-test-secret

describe('detect (Azure DevOps)', () => {
  it('recognises X-Vss-Activityid', () => {
    expect(azureDevOps.detect(sample('azure-devops-push').headers)).toBe(true);
    expect(azureDevOps.detect(sample('github-push').headers)).toBe(false);
  });
});

describe('verify (Azure DevOps)', () => {
  const secret = `${TEST_AZURE_USER}:${TEST_SECRET}`;
  it('accepts known-good basic auth credentials (scheme in any case)', async () => {
    await expect(azureDevOps.verify(secret, '{}', { authorization: GOOD })).resolves.toBe(true);
    await expect(azureDevOps.verify(secret, '{}', { authorization: GOOD.replace('Basic', 'basic') })).resolves.toBe(true);
  });
  it('returns false for wrong credentials, another scheme or none', async () => {
    await expect(azureDevOps.verify(secret, '{}', { authorization: `Basic ${Buffer.from('sentinel:wrong').toString('base64')}` })).resolves.toBe(false);
    await expect(azureDevOps.verify(secret, '{}', { authorization: 'Bearer abc' })).resolves.toBe(false);
    await expect(azureDevOps.verify(secret, '{}', {})).resolves.toBe(false);
  });
});

describe('parse (Azure DevOps)', () => {
  it('parses the real git.push payload; the delivery id is the body id', () => {
    const { body, headers } = sample('azure-devops-push');
    expect(azureDevOps.parse(body, headers) as PushEvent).toMatchObject({
      provider: 'azure-devops',
      deliveryId: '09b0b950-47fa-4f45-8b65-5a22686314f8',
      ref: 'refs/heads/master',
      revision: '298a79aa1552799a70718a0ee914d153d5a1a76b',
      repoUrls: ['https://dev.azure.com/alexander0053/alex-test/_git/alex-test'],
      touchedHead: true,
      changedFiles: null,
      pusher: 'alexander@akuity.onmicrosoft.com',
    });
  });
  it('ignores other event types', () => {
    expect(azureDevOps.parse(JSON.stringify({ id: 'x', eventType: 'git.pullrequest.created' }), {})).toMatchObject({ ignored: true, deliveryId: 'x' });
  });
});
