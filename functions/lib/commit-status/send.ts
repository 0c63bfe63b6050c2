/**
 * Sends one status request and classifies the answer: done, try again (and when), token
 * refused, or rejected. Rate limits are read from `Retry-After` (seconds or an HTTP date) and
 * `X-RateLimit-Remaining` / `X-RateLimit-Reset` (GitHub, Gitea, Azure DevOps; GitLab without
 * the `X-`); a reset above 10^9 is epoch seconds, below it seconds from now (the IETF draft).
 */
import type { RateLimit, SendResult, StatusRequest } from './types';

const header = (h: Headers, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = h.get(n);
    if (v !== null && v.trim() !== '') return v.trim();
  }
  return undefined;
};

/** Seconds to wait that `Retry-After` asks for, if it is there and readable. */
export function retryAfterSeconds(h: Headers, nowMs: number): number | undefined {
  const v = header(h, 'retry-after');
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, (at - nowMs) / 1000) : undefined;
}

/** The rate-limit headers of an answer, if any. */
export function rateLimitOf(h: Headers, nowMs: number): RateLimit | undefined {
  const remaining = header(h, 'x-ratelimit-remaining', 'ratelimit-remaining');
  const reset = header(h, 'x-ratelimit-reset', 'ratelimit-reset');
  const out: RateLimit = {};
  if (remaining !== undefined && /^\d+$/.test(remaining)) out.remaining = Number(remaining);
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    out.resetAt = n > 1e9 ? n * 1000 : nowMs + n * 1000;
  }
  return out.remaining === undefined && out.resetAt === undefined ? undefined : out;
}

/**
 * Sends `req` within `timeoutMs`. Never throws; the answer's body is read only for its size
 * (it is never logged or returned: an API error can echo what was sent).
 */
export async function sendStatus(req: StatusRequest, timeoutMs: number, now: () => number = Date.now): Promise<SendResult> {
  let res: Response;
  try {
    // No redirects: the token is never sent to a host other than the configured API.
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: JSON.stringify(req.body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    return { kind: 'retry', reason: name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs} ms` : 'connection failed' };
  }
  await res.arrayBuffer().catch(() => undefined);
  const t = now();
  const rateLimit = rateLimitOf(res.headers, t);
  const retryAfter = retryAfterSeconds(res.headers, t);
  const untilReset = rateLimit?.remaining === 0 && rateLimit.resetAt !== undefined ? Math.max(0, (rateLimit.resetAt - t) / 1000) : undefined;
  if (res.ok) return { kind: 'ok', status: res.status, ...(rateLimit ? { rateLimit } : {}) };
  // GitHub answers an exhausted (primary or secondary) rate limit with 403, not 429.
  const limited = res.status === 429 || (res.status === 403 && (retryAfter !== undefined || rateLimit?.remaining === 0));
  if (limited) {
    const afterSeconds = retryAfter ?? untilReset;
    return {
      kind: 'retry',
      status: res.status,
      reason: 'rate limited',
      ...(afterSeconds !== undefined ? { afterSeconds } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    };
  }
  if (res.status === 401 || res.status === 403) return { kind: 'auth', status: res.status };
  if (res.status >= 500 || res.status === 408) {
    return { kind: 'retry', status: res.status, reason: `HTTP ${res.status}`, ...(retryAfter !== undefined ? { afterSeconds: retryAfter } : {}) };
  }
  return { kind: 'rejected', status: res.status, reason: `HTTP ${res.status}` };
}
