/** Helpers the provider modules share to build their requests. */

/** `/a/b/c` from path segments, each percent-encoded (a sha or repository name can never add a path). */
export function path(...segments: string[]): string {
  return segments.map((s) => `/${encodeURIComponent(s)}`).join('');
}

/** Headers every status call sends. */
export function jsonHeaders(): Record<string, string> {
  // GitHub refuses requests without a User-Agent.
  return { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'gitops-sentinel' };
}
