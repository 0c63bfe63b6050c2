/**
 * One HTTP POST to a receiver (Slack, a generic webhook), its answer classified. The URL may be a
 * credential (a Slack incoming webhook is one), so nothing here ever puts it in a result, a log
 * line or an error: failures are named by status or error name only.
 */
import type { SendResult } from '../types';

/** Longest `Retry-After` taken as given, in seconds (SQS's longest delay). */
const MAX_RETRY_AFTER_SECONDS = 900;

/**
 * `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable.
 * @param now the clock, for an HTTP date
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(MAX_RETRY_AFTER_SECONDS, Number(v));
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil((at - now.getTime()) / 1000)));
}

/** A short, printable excerpt of a receiver's error answer (Slack says `no_service`, `invalid_payload`...). */
function excerpt(text: string): string {
  const t = text.replace(/[^\x20-\x7e]/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
}

/**
 * POSTs `body` (JSON) with a timeout. Redirects are refused: a receiver that moved must be
 * reconfigured, not followed with a signed body to wherever it points.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'gitops-sentinel', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    return { ok: false, reason: [e?.name ?? 'Error', e?.cause?.code].filter(Boolean).join(' ') };
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return { ok: true, status: res.status };
  const retryAfterSeconds = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
  const said = res.status < 500 ? excerpt(text) : '';
  return {
    ok: false,
    status: res.status,
    reason: `HTTP ${res.status}${said ? ` (${said})` : ''}`,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
