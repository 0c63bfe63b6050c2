/**
 * A tiny counting semaphore bounding the requests in flight to one ArgoCD instance
 * (written here because the popular packages are ESM-only and jest runs CommonJS).
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  /** @param permits how many holders may run at once (at least 1) */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new TypeError(`[gitops-sentinel/argocd] concurrency must be a positive integer, got ${permits}`);
    }
    this.available = permits;
  }

  /** Holders waiting for a permit. */
  get pending(): number {
    return this.waiters.length;
  }

  /** Runs `fn` once a permit is free and releases it afterwards, even on error. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }
}
