/**
 * The wire format of a `PushMessage`: JSON, kept under the SQS message size limit.
 */
import { InvalidMessageError } from './errors';
import type { PushMessage } from './types';

/**
 * Largest serialised message, in bytes: SQS's classic 256 KiB limit minus headroom for
 * message attributes, so the same bound holds on every SQS configuration.
 */
export const MAX_MESSAGE_BYTES = 250_000;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Serialises a message, shrinking it until it fits {@link MAX_MESSAGE_BYTES}. Shrinking
 * only ever loses precision in the safe direction: commit messages go first, then the raw body
 * carried for the ApplicationSet webhooks (marked `dropped`: the worker audits that it could not
 * forward, and the controllers still poll), then the changed-file list becomes `null` ("unknown,
 * refresh every matching app"), then commits beyond the newest 100, then all of them.
 * @param maxBytes @default MAX_MESSAGE_BYTES
 */
export function serializePushMessage(message: PushMessage, maxBytes = MAX_MESSAGE_BYTES): string {
  let m = message;
  let json = JSON.stringify(m);
  const steps: Array<(x: PushMessage) => PushMessage> = [
    (x) => ({ ...x, push: { ...x.push, commits: x.push.commits.map(({ id, author, timestamp }) => ({ id, author, timestamp })) } }),
    (x) => (x.appset ? { ...x, appset: { ...x.appset, bodyGzip: undefined, dropped: 'too-large' as const } } : x),
    (x) => ({ ...x, push: { ...x.push, changedFiles: null } }),
    (x) => ({ ...x, push: { ...x.push, commits: x.push.commits.slice(-100) } }),
    (x) => ({ ...x, push: { ...x.push, commits: [] } }),
  ];
  for (const step of steps) {
    if (bytes(json) <= maxBytes) return json;
    m = step(m);
    json = JSON.stringify(m);
  }
  return json;
}

/**
 * Parses a message body as written by {@link serializePushMessage}.
 * @throws InvalidMessageError when it is not JSON or lacks the fields the worker needs
 */
export function parsePushMessage(body: string): PushMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidMessageError('message body is not JSON');
  }
  const m = value as Partial<PushMessage> | null;
  const p = m?.push;
  if (
    !m ||
    typeof m.receivedAt !== 'string' ||
    !p ||
    typeof p.provider !== 'string' ||
    typeof p.deliveryId !== 'string' ||
    !Array.isArray(p.repoUrls) ||
    typeof p.ref !== 'string' ||
    typeof p.revision !== 'string'
  ) {
    throw new InvalidMessageError('message body is not a PushMessage');
  }
  return m as PushMessage;
}
