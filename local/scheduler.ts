/**
 * The local stand-in for an EventBridge schedule: runs a job every `intervalMs`, never
 * two runs at once, with `runNow()` for `POST /api/drift/scan` and `stop()` for shutdown.
 */

/** Options of {@link startScheduler}. */
export interface SchedulerOptions<T> {
  /** Time between the end of one run and the start of the next, in ms. */
  intervalMs: number;
  /** The job. Its errors go to `onError`; the schedule keeps going. */
  run: () => Promise<T>;
  /** Run once right away instead of waiting one interval. @default false */
  runAtStart?: boolean;
  /** Called with a failed run's error. @default logs to console.error */
  onError?: (error: unknown) => void;
}

/** A running scheduler. */
export interface Scheduler<T> {
  /**
   * Runs the job now. If a run is in progress, resolves with that run's result instead of
   * starting a second one (runs never overlap). The next scheduled run is then one interval away.
   * @throws the run's error, or Error after `stop()`
   */
  runNow(): Promise<T>;
  /** Whether a run is in progress. */
  readonly running: boolean;
  /** Completed runs (successful or not). */
  readonly runs: number;
  /** Stops the schedule and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Starts an interval scheduler. The timer is `unref`ed, so it never keeps the process alive.
 * @example
 * const scheduler = startScheduler({ intervalMs: 5 * 60_000, run: () => driftScan({}) });
 * await scheduler.runNow();
 * await scheduler.stop();
 */
export function startScheduler<T>(options: SchedulerOptions<T>): Scheduler<T> {
  if (!(options.intervalMs > 0)) throw new TypeError('[gitops-sentinel/local] scheduler intervalMs must be a positive number');
  const onError = options.onError ?? ((e: unknown) => console.error('scheduled run failed:', e instanceof Error ? e.message : e));
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<T> | undefined;
  let stopped = false;
  let runs = 0;

  const arm = (): void => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => {
      runNow().catch(onError);
    }, options.intervalMs);
    timer.unref?.();
  };

  const runNow = (): Promise<T> => {
    if (stopped) return Promise.reject(new Error('[gitops-sentinel/local] scheduler is stopped'));
    if (current) return current;
    clearTimeout(timer);
    const p = Promise.resolve()
      .then(() => options.run())
      .finally(() => {
        runs++;
        current = undefined;
        arm();
      });
    current = p;
    return p;
  };

  if (options.runAtStart) runNow().catch(onError);
  else arm();

  return {
    runNow,
    get running() {
      return current !== undefined;
    },
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
