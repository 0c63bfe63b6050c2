/**
 * The one mapping from `receivePush` outcomes to HTTP responses (DESIGN.md, "Webhook
 * responses"). Bodies are small JSON objects; no error ever echoes a secret, a payload or a
 * stack: refusals carry the error's one-line message (written to be safe), anything
 * unexpected a fixed message.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  DeliveryConflictError,
  MalformedPayloadError,
  MissingSecretError,
  PayloadTooLargeError,
  SignatureMismatchError,
  UnknownProviderError,
} from '../lib/providers/errors';
import { RepositoryNotAllowedError, SecretUnavailableError, type ReceivePushResult } from '../lib/intake/index';

/** The fixed message of every 500. */
export const INTERNAL_ERROR_MESSAGE = 'internal error; the delivery was not accepted, please retry';

function json(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * 202 for `queued`, `duplicate` and `stale` (the body says which), 200 for `ignored` with the reason.
 */
export function resultResponse(result: ReceivePushResult): APIGatewayProxyStructuredResultV2 {
  switch (result.status) {
    case 'queued':
      return json(202, { status: 'queued', provider: result.provider, deliveryId: result.deliveryId, ref: result.push.ref, revision: result.push.revision });
    case 'duplicate':
      return json(202, {
        status: 'duplicate',
        provider: result.provider,
        deliveryId: result.deliveryId,
        duplicateOf: result.by,
        ...(result.inProgress ? { inProgress: true } : {}),
      });
    case 'stale':
      return json(202, { status: 'stale', provider: result.provider, deliveryId: result.deliveryId, supersededBy: result.supersededBy });
    case 'ignored':
      return json(200, { status: 'ignored', provider: result.provider, deliveryId: result.deliveryId, reason: result.reason });
  }
}

/**
 * 401 bad or missing signature / no secret configured / repository outside the verifying
 * secret's list, 400 malformed payload or unknown provider, 413 too large, 409 delivery id
 * replayed with a different body, 503 a configured secret cannot be loaded (the provider
 * retries), 500 anything else (fixed message).
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof SignatureMismatchError) return json(401, { status: 'refused', error: 'signature', message: error.message });
  if (error instanceof MissingSecretError) return json(401, { status: 'refused', error: 'no-secret', message: error.message, settings: error.settings });
  if (error instanceof MalformedPayloadError) return json(400, { status: 'refused', error: 'malformed', message: oneLine(error.message) });
  if (error instanceof UnknownProviderError) return json(400, { status: 'refused', error: 'unknown-provider', message: error.message });
  if (error instanceof PayloadTooLargeError) return json(413, { status: 'refused', error: 'too-large', message: error.message });
  if (error instanceof DeliveryConflictError) return json(409, { status: 'refused', error: 'delivery-conflict', message: error.message });
  if (error instanceof RepositoryNotAllowedError) return json(401, { status: 'refused', error: 'repository-not-allowed', message: error.message });
  // 503 with Retry-After: providers retry, and the secret may be back by then.
  if (error instanceof SecretUnavailableError)
    return json(503, { status: 'refused', error: 'secret-unavailable', message: error.message }, { 'retry-after': '60' });
  return json(500, { status: 'error', message: INTERNAL_ERROR_MESSAGE });
}

/** 405 with `Allow: POST`. */
export function methodNotAllowed(method: string): APIGatewayProxyStructuredResultV2 {
  return json(
    405,
    { status: 'refused', error: 'method', message: `method ${method.replace(/[^A-Za-z]/g, '').slice(0, 16) || '(none)'} not allowed; use POST` },
    { allow: 'POST' },
  );
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 300);
}
