import { startScheduler } from '../../../local/scheduler';
import { waitFor } from '../../helpers/argocd-sim';

/** A job whose runs the test finishes by hand. */
function controllableJob() {
  const pending: Array<(v: number) => void> = [];
  let started = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const run = () => {
    started++;
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    return new Promise<number>((resolve) => pending.push((v) => resolve(v))).finally(() => concurrent--);
  };
  return {
    run,
    finishNext: (v = 0) => pending.shift()?.(v),
    get started() {
      return started;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
  };
}

describe('startScheduler (local)', () => {
  it('runs on the interval and never overlaps runs', async () => {
    const job = controllableJob();
    const scheduler = startScheduler({ intervalMs: 5, run: job.run });
    try {
      await waitFor(() => job.started === 1, 'the first scheduled run');
      const during = scheduler.runNow(); // joins the run in progress
      expect(scheduler.running).toBe(true);
      job.finishNext(7);
      await expect(during).resolves.toBe(7);
      await waitFor(() => job.started === 2, 'the next scheduled run');
      job.finishNext();
      await waitFor(() => scheduler.runs === 2, 'two completed runs');
      expect(job.maxConcurrent).toBe(1);
    } finally {
      const stopping = scheduler.stop();
      job.finishNext();
      await stopping;
    }
  });

  it('runNow starts a run at once, and errors reach onError without stopping the schedule', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const scheduler = startScheduler({
      intervalMs: 60_000,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return calls;
      },
      onError: (e) => errors.push(e),
    });
    await expect(scheduler.runNow()).rejects.toThrow('boom');
    await expect(scheduler.runNow()).resolves.toBe(2);
    await scheduler.stop();
    await expect(scheduler.runNow()).rejects.toThrow('stopped');
    expect(scheduler.runs).toBe(2);
  });

  it('runs at start when asked and refuses a non-positive interval', async () => {
    expect(() => startScheduler({ intervalMs: 0, run: async () => 1 })).toThrow(TypeError);
    let ran = 0;
    const scheduler = startScheduler({ intervalMs: 60_000, runAtStart: true, run: async () => ++ran });
    await waitFor(() => scheduler.runs === 1, 'the run at start');
    await scheduler.stop();
    expect(ran).toBe(1);
  });
});
