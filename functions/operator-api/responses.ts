/**
 * The one mapping from operator API outcomes and errors to HTTP responses. Refusals carry a
 * short, safe message and, for 400s, the parameter at fault; anything unexpected is a 500
 * with a fixed message — never an error object, a stack, a token or an ArgoCD response body.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ArgoCDAuthError,
  ArgoCDBadRequestError,
  ArgoCDConflictError,
  ArgoCDFailedPreconditionError,
  ArgoCDForbiddenError,
  ArgoCDNotFoundError,
  ArgoCDUnavailableError,
} from '../lib/argocd/errors';
import { AccessDeniedError } from '../lib/access/errors';
import { AnchorNotConfiguredError } from '../lib/anchor/errors';
import { InvalidCursorError } from '../lib/audit/errors';
import { DrValidationError } from '../lib/dr/errors';
import { DriftStateNotFoundError } from '../lib/drift/index';
import { AutoSyncEnabledError, InvalidRollbackTargetError, OperationInProgressError, RollbackNotFoundError } from '../lib/rollback/errors';
import { StatsRangeError } from '../lib/stats/errors';
import { InvalidParameterError, ResourceNotFoundError } from './params';

/** The fixed message of every 500. */
export const INTERNAL_ERROR_MESSAGE = 'internal error; nothing was changed unless the audit trail says so';

/**
 * A JSON response.
 * @param headers extra headers (content type is always JSON)
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

/** 200 with the body. */
export function ok(body: unknown): APIGatewayProxyStructuredResultV2 {
  return json(200, body);
}

/** 404 for a path no route serves. */
export function routeNotFound(path: string): APIGatewayProxyStructuredResultV2 {
  return json(404, { error: 'not-found', message: `no route for ${path.slice(0, 200)}` });
}

/** 405 with `Allow`. */
export function methodNotAllowed(method: string, allowed: string[]): APIGatewayProxyStructuredResultV2 {
  return json(
    405,
    { error: 'method', message: `method ${method.replace(/[^A-Za-z]/g, '').slice(0, 16)} not allowed; use ${allowed.join(', ')}` },
    { allow: allowed.join(', ') },
  );
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

/**
 * Maps an error to its response:
 * 400 invalid parameter (named), tampered or foreign cursor (`cursor`), bad range or target;
 * 404 unknown instance, app, history id or commit; 409 auto-sync on, operation running, conflict;
 * 403 the access policy refused (message names principal, action, project) or ArgoCD refused (RBAC, sync window);
 * 502 ArgoCD refused our token or is unreachable;
 * 501 audit anchoring asked for where none is configured;
 * 500 anything else (fixed message).
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof AccessDeniedError) return json(403, { error: 'forbidden', message: error.message });
  if (error instanceof InvalidParameterError) return json(400, { error: 'invalid-parameter', parameter: error.parameter, message: oneLine(error.message) });
  if (error instanceof InvalidCursorError)
    return json(400, { error: 'invalid-parameter', parameter: 'cursor', message: 'cursor is invalid: it was altered, or issued for another query or table' });
  if (error instanceof StatsRangeError) return json(400, { error: 'invalid-parameter', parameter: error.parameter, message: error.message });
  if (error instanceof InvalidRollbackTargetError) return json(400, { error: 'invalid-parameter', parameter: error.parameter, message: error.message });
  if (error instanceof DrValidationError) return json(400, { error: 'invalid-parameter', parameter: error.parameter, message: oneLine(error.message) });
  if (error instanceof ResourceNotFoundError) return json(404, { error: 'not-found', what: error.what, message: error.message });
  if (error instanceof RollbackNotFoundError) return json(404, { error: 'not-found', what: error.what, message: error.message });
  if (error instanceof DriftStateNotFoundError) return json(404, { error: 'not-found', what: 'drift-state', message: error.message });
  if (error instanceof AutoSyncEnabledError) {
    return json(409, {
      error: 'auto-sync-enabled',
      message: error.message,
      automated: error.automated,
      hint: 'retry with "disableAutoSync": true (sentinel rollback --disable-auto-sync)',
    });
  }
  if (error instanceof OperationInProgressError) return json(409, { error: 'operation-in-progress', message: error.message });
  if (error instanceof ArgoCDNotFoundError) return json(404, { error: 'not-found', message: oneLine(error.message) });
  if (error instanceof ArgoCDAuthError)
    return json(502, { error: 'argocd-auth', message: `ArgoCD instance ${error.instance ?? ''} refused the sentinel's API token` });
  if (error instanceof ArgoCDForbiddenError) return json(403, { error: 'argocd-forbidden', message: oneLine(error.message) });
  if (error instanceof ArgoCDFailedPreconditionError || error instanceof ArgoCDConflictError)
    return json(409, { error: 'argocd-conflict', message: oneLine(error.message) });
  if (error instanceof ArgoCDBadRequestError) return json(422, { error: 'argocd-refused', message: oneLine(error.message) });
  if (error instanceof ArgoCDUnavailableError) return json(502, { error: 'argocd-unavailable', message: oneLine(error.message) });
  if (error instanceof AnchorNotConfiguredError) return json(501, { error: 'anchor-not-configured', message: error.message });
  return json(500, { error: 'internal', message: INTERNAL_ERROR_MESSAGE });
}
