/**
 * Bounded concurrency, the one implementation in the codebase: a counting {@link Semaphore}
 * (shared limits, such as the requests in flight to one ArgoCD instance) and {@link mapLimit}
 * (one batch of work). Written here because the popular packages (p-limit, p-map) are
 * ESM-only and jest runs CommonJS.
 */

/** A counting semaphore: at most `permits` holders run at once, the rest wait in order. */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  /** @param permits how many holders may run at once (at least 1) */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new TypeError(`[gitops-sentinel] concurrency must be a positive integer, got ${permits}`);
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

/**
 * Runs `fn` over `items` with at most `limit` calls at once (a limit below 1 counts as 1);
 * results in input order. Rejects with the first error, like `Promise.all`.
 * @example
 * const states = await mapLimit(instances, 4, (i) => store.readInstance(i));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const semaphore = new Semaphore(Math.max(1, Math.floor(limit)));
  return Promise.all(items.map((item) => semaphore.run(() => fn(item))));
}

/**
 * Runs `fn` over a stream of items with at most `limit` calls at once, pulling the next item
 * only when a call slot is free, so a long stream (every chain of a table, page by page) never
 * sits in memory. Rejects with the first error once the calls in flight have settled.
 * @example
 * await forEachLimit(reader.listChains(), 16, (chain) => check(chain));
 */
export async function forEachLimit<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const max = Math.max(1, Math.floor(limit));
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    const p: Promise<void> = fn(item).then(
      () => void running.delete(p),
      (error: unknown) => {
        running.delete(p);
        failure ??= { error };
      },
    );
    running.add(p);
    if (running.size >= max) await Promise.race(running);
    if (failure) break;
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
