/** The log of requests an instance received, so tests assert what ArgoCD would have seen. */
import type { RecordedRequest } from './types';

/** What an instance has served since the last reset. */
export interface TrafficStats {
  /** Response body bytes sent on the REST API (not the admin routes). */
  bytesSent: number;
  /** REST requests open now (a held refresh counts until answered or dropped). */
  inFlight: number;
  /** Most REST requests open at once. */
  peakInFlight: number;
}

/** Requests received, oldest first, bounded; and the traffic figures. */
export class RequestLog {
  /** Requests received, oldest first (bounded). */
  readonly requests: RecordedRequest[] = [];
  private seq = 0;
  private stats: TrafficStats = { bytesSent: 0, inFlight: 0, peakInFlight: 0 };

  /** Current traffic figures (a copy). */
  get traffic(): TrafficStats {
    return { ...this.stats };
  }

  /** A request was opened. */
  opened(): void {
    this.stats.inFlight++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.stats.inFlight);
  }

  /** A request was answered with `bytes` of body. */
  answered(rec: RecordedRequest, bytes: number): void {
    this.stats.bytesSent += bytes;
    rec.bytes = bytes;
  }

  /** A request is over (answered or dropped). */
  closed(): void {
    this.stats.inFlight--;
  }

  /** @param max keep at most this many */
  constructor(private readonly max: number) {}

  /** Records a request (the HTTP layer strips the Authorization header before). */
  record(r: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    const rec: RecordedRequest = { seq: ++this.seq, at: Date.now(), ...r };
    this.requests.push(rec);
    if (this.requests.length > this.max) this.requests.splice(0, this.requests.length - this.max);
    return rec;
  }

  /** Forgets every recorded request and resets the figures (open requests stay counted). */
  clear(): void {
    this.requests.length = 0;
    this.stats = { bytesSent: 0, inFlight: this.stats.inFlight, peakInFlight: this.stats.inFlight };
  }

  /** Recorded requests matching method and/or a path (string = exact, RegExp = test). */
  requestsTo(method?: string, path?: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (path === undefined || (typeof path === 'string' ? r.path === path : path.test(r.path))),
    );
  }
}
