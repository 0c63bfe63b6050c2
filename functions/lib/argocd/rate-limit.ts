/**
 * A token bucket bounding the requests per second to one ArgoCD instance, so a burst (a
 * monorepo push matching thousands of apps) reaches the API server at a pace it survives.
 * Callers are served in arrival order.
 */
export class RateLimiter {
  #tokens: number;
  #last = Date.now();
  #queue: Promise<void> = Promise.resolve();

  /**
   * @param perSecond requests per second; 0 or less means no limit
   * @param burst requests allowed at once after a quiet spell @default perSecond
   */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number = Math.max(1, perSecond),
  ) {
    this.#tokens = this.burst;
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    if (!(this.perSecond > 0)) return Promise.resolve();
    const turn = this.#queue.then(() => this.#wait());
    this.#queue = turn;
    return turn;
  }

  async #wait(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond)));
    }
  }
}
