import type { SecretRef } from '../config/types';

/** A printable name for a reference (never its value), for errors and logs. */
export function describeRef(ref: SecretRef): string {
  return ref.env !== undefined ? `environment variable ${ref.env}` : `secret ${ref.secretId}${ref.jsonKey ? ` (key ${ref.jsonKey})` : ''}`;
}
