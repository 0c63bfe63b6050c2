import { createHmac } from 'node:crypto';

/**
 * Sends `body` to a stack's webhook as a GitHub push signed with `secret` (`X-Hub-Signature-256`),
 * with `deliveryId` as `X-GitHub-Delivery`, or no such header when it is `null` (replay tests).
 */
export function postGitHubPush(baseUrl: string, body: string, secret: string, deliveryId: string | null): Promise<Response> {
  return fetch(`${baseUrl}/api/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      ...(deliveryId !== null ? { 'x-github-delivery': deliveryId } : {}),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
}
