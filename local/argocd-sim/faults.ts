/**
 * Auth and faults: the bearer token the instance accepts, and injected latency, failures,
 * 401s and outages. Random failures (`failRate`) draw from a seeded generator, so a test
 * or benchmark with a given seed fails the same calls on every run.
 */
import { prng } from './seed';
import type { FaultOptions } from './types';

/** Current faults after defaults; `pathPattern` compiled. */
export type ActiveFaults = Required<Omit<FaultOptions, 'pathPattern' | 'seed'>> & { pathPattern?: RegExp };

/** Whether the current faults apply to a call (path pattern and method, when set). */
function applies(f: ActiveFaults, path: string, method: string | undefined): boolean {
  if (f.pathPattern && !f.pathPattern.test(path)) return false;
  return !f.method || !method || f.method.toUpperCase() === method.toUpperCase();
}

/** Seed of the failure generator when none is given. */
export const DEFAULT_FAULT_SEED = 1;

function noFaults(): ActiveFaults {
  return {
    latencyMs: 0,
    latencyQueue: [],
    failRate: 0,
    failNext: 0,
    failStatus: 503,
    unauthorizedNext: 0,
    down: false,
    retryAfterSec: 0,
    answerDelayMs: 0,
    pathPattern: undefined,
    method: '',
  };
}

/** Token and fault state of one instance. */
export class FaultInjector {
  /** Current faults (see {@link FaultInjector.inject}). */
  faults: ActiveFaults = noFaults();
  /** Called when `down` becomes true so the server can drop open sockets. */
  onDown?: () => void;
  private random: () => number;

  /**
   * @param token the bearer token accepted at start
   * @param seed seed of the failure generator
   */
  constructor(
    public token: string,
    private readonly seed: number = DEFAULT_FAULT_SEED,
  ) {
    this.random = prng(seed);
  }

  /** Merges fault settings into the current ones; `seed` restarts the failure sequence. */
  inject(f: FaultOptions): void {
    const { pathPattern, seed, ...rest } = f;
    const wasDown = this.faults.down;
    this.faults = { ...this.faults, ...rest, ...(pathPattern !== undefined ? { pathPattern: new RegExp(pathPattern) } : {}) };
    if (rest.latencyQueue) this.faults.latencyQueue = [...rest.latencyQueue];
    if (seed !== undefined) this.random = prng(seed);
    if (this.faults.down && !wasDown) this.onDown?.();
  }

  /** Removes every injected fault and restarts the failure sequence from the instance's seed. */
  clear(): void {
    this.faults = noFaults();
    this.random = prng(this.seed);
  }

  /** Takes the delay for the next call on `path` (queue first, then the fixed latency). */
  takeLatency(path: string, method?: string): number {
    if (!applies(this.faults, path, method)) return 0;
    if (this.faults.latencyQueue.length) return this.faults.latencyQueue.shift()!;
    return this.faults.latencyMs;
  }

  /** Decides whether the next call on `path` fails, and with which status. */
  takeFailure(path: string, method?: string): number | undefined {
    if (!applies(this.faults, path, method)) return undefined;
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      return this.faults.failStatus;
    }
    if (this.faults.failRate > 0 && this.random() < this.faults.failRate) return this.faults.failStatus;
    return undefined;
  }

  /** Delay between carrying out a write on `path` and answering it. */
  takeAnswerDelay(path: string): number {
    if (this.faults.pathPattern && !this.faults.pathPattern.test(path)) return 0;
    return this.faults.answerDelayMs;
  }

  /** Whether the next call must answer 401 regardless of its token. */
  takeUnauthorized(): boolean {
    if (this.faults.unauthorizedNext > 0) {
      this.faults.unauthorizedNext--;
      return true;
    }
    return false;
  }
}
