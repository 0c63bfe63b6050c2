/**
 * The webhook function's part of the forward: after verification, keep what the forward needs
 * (the raw body, compressed, and the provider's own headers) for the queue message. No HTTP
 * here: the forward happens in the sync worker, off the push path.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { InstanceConfig } from '../config/types';
import type { Headers } from '../providers/types';
import { appsetProvider, appsetTargets, FORWARDED_HEADERS } from './targets';
import type { AppSetPayload } from './types';

/** A header value we pass on: visible ASCII and spaces, bounded (anything else is dropped, not altered). */
const SAFE_VALUE = /^[\x20-\x7e]{1,1024}$/;

/**
 * What the queue message carries for the ApplicationSet forward of a verified push, or
 * undefined when no instance's ApplicationSet webhook takes it (no HTTP, nothing carried).
 * @param provider the provider that verified the delivery
 * @param body the raw body exactly as received (the signature covers these bytes)
 * @param headers the request's headers, lower-case names
 * @param repoUrls the parsed push's repository URLs (for `repositories`)
 */
export function captureForApplicationSets(
  provider: string,
  body: Uint8Array,
  headers: Headers,
  repoUrls: readonly string[],
  instances: readonly InstanceConfig[],
): AppSetPayload | undefined {
  const p = appsetProvider(provider);
  if (!p || appsetTargets(instances, p, repoUrls).length === 0) return undefined;
  const kept: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS[p]) {
    const value = headers[name];
    if (typeof value === 'string' && SAFE_VALUE.test(value)) kept[name] = value;
  }
  return {
    provider: p,
    // Level 1: a third of the time of the default level for a few percent more bytes; this runs
    // in the webhook function, before it answers.
    bodyGzip: gzipSync(body, { level: 1 }).toString('base64'),
    bodyBytes: body.length,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    headers: kept,
  };
}
