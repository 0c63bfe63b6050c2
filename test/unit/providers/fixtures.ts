/**
 * Fixtures shared by the provider and webhook tests: the sample events in `events/webhook/`,
 * the test-only secrets they are signed with, and signing helpers that re-compute each
 * provider's signature at test time.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Test-only secrets (events/README.md). */
export const TEST_SECRET = 'sentinel-test-secret';
export const TEST_BITBUCKET_UUID = '{8b2f3c5e-1d2a-4e6f-9a0b-7c1d2e3f4a5b}';
export const TEST_AZURE_USER = 'sentinel';

/** Every webhook secret setting, set to the test values. */
export const TEST_ENV: Record<string, string> = {
  GITHUB_WEBHOOK_SECRET: TEST_SECRET,
  GITLAB_WEBHOOK_SECRET: TEST_SECRET,
  BITBUCKET_WEBHOOK_UUID: TEST_BITBUCKET_UUID,
  BITBUCKET_SERVER_WEBHOOK_SECRET: TEST_SECRET,
  GOGS_WEBHOOK_SECRET: TEST_SECRET,
  AZURE_DEVOPS_USERNAME: TEST_AZURE_USER,
  AZURE_DEVOPS_PASSWORD: TEST_SECRET,
};

/** A sample event from `events/webhook/<name>.json` (a fresh copy each call). */
export function loadEvent(name: string): APIGatewayProxyEventV2 {
  return JSON.parse(readFileSync(path.join(__dirname, '../../../events/webhook', `${name}.json`), 'utf8')) as APIGatewayProxyEventV2;
}

/** The raw body and headers of a sample event (base64 decoded). */
export function sample(name: string): { body: string; headers: Record<string, string> } {
  const e = loadEvent(name);
  const body = e.isBase64Encoded ? Buffer.from(e.body ?? '', 'base64').toString('utf8') : (e.body ?? '');
  return { body, headers: { ...(e.headers as Record<string, string>) } };
}

/** A payload from ArgoCD's reference folder. */
export function referencePayload(file: string): string {
  return readFileSync(path.join('/work/shared/reference/argocd/webhook-payloads', file), 'utf8');
}

/** Hex HMAC-SHA256, computed here independently of the code under test. */
export function hmacHex(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Headers with the signature/token re-computed for `body` under `secret`, for the given provider. */
export function signFor(provider: string, headers: Record<string, string>, body: string, secret = TEST_SECRET): Record<string, string> {
  const h = { ...headers };
  switch (provider) {
    case 'github':
      h['x-hub-signature-256'] = `sha256=${hmacHex(secret, body)}`;
      break;
    case 'bitbucket-server':
      h['x-hub-signature'] = `sha256=${hmacHex(secret, body)}`;
      break;
    case 'gitea':
      h['x-gitea-signature'] = hmacHex(secret, body);
      h['x-gogs-signature'] = hmacHex(secret, body);
      h['x-hub-signature-256'] = `sha256=${hmacHex(secret, body)}`;
      break;
    case 'gogs':
      h['x-gogs-signature'] = hmacHex(secret, body);
      break;
    case 'gitlab':
      h['x-gitlab-token'] = secret;
      break;
    case 'bitbucket-cloud':
      h['x-hook-uuid'] = secret === TEST_SECRET ? TEST_BITBUCKET_UUID : secret;
      break;
    case 'azure-devops':
      h.authorization = `Basic ${Buffer.from(`${TEST_AZURE_USER}:${secret}`).toString('base64')}`;
      break;
  }
  return h;
}
