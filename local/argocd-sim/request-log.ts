/** The log of requests an instance received, so tests assert what ArgoCD would have seen. */
import type { RecordedRequest } from './types';

/** Requests received, oldest first, bounded. */
export class RequestLog {
  /** Requests received, oldest first (bounded). */
  readonly requests: RecordedRequest[] = [];
  private seq = 0;

  /** @param max keep at most this many */
  constructor(private readonly max: number) {}

  /** Records a request (the HTTP layer strips the Authorization header before). */
  record(r: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    const rec: RecordedRequest = { seq: ++this.seq, at: Date.now(), ...r };
    this.requests.push(rec);
    if (this.requests.length > this.max) this.requests.splice(0, this.requests.length - this.max);
    return rec;
  }

  /** Forgets every recorded request. */
  clear(): void {
    this.requests.length = 0;
  }

  /** Recorded requests matching method and/or a path (string = exact, RegExp = test). */
  requestsTo(method?: string, path?: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (path === undefined || (typeof path === 'string' ? r.path === path : path.test(r.path))),
    );
  }
}
