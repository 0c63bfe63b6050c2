/**
 * Fair ordering of ArgoCD calls across deliveries: per instance at most `concurrency` calls
 * at once, taken round-robin from each delivery's queue, so a push matching 5,000 apps of a
 * monorepo does not make a push for another repository wait behind all of them.
 */

interface Task {
  run: () => Promise<void>;
}

interface InstanceQueue {
  running: number;
  /** Deliveries with queued calls, in turn order. */
  turn: string[];
  queues: Map<string, Task[]>;
}

/** Round-robin scheduler of ArgoCD calls per instance. */
export class FairScheduler {
  private readonly instances = new Map<string, InstanceQueue>();

  /** @param concurrency calls in flight per instance */
  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('[gitops-sentinel/sync] scheduler concurrency must be a positive integer');
  }

  /** Calls waiting (all instances). */
  get pending(): number {
    let n = 0;
    for (const q of this.instances.values()) for (const list of q.queues.values()) n += list.length;
    return n;
  }

  /** Runs `fn` when it is this delivery's turn on this instance. */
  run<T>(instance: string, deliveryId: string, fn: () => Promise<T>): Promise<T> {
    const q = this.queueOf(instance);
    return new Promise<T>((resolve, reject) => {
      const task: Task = { run: () => fn().then(resolve, reject) };
      let list = q.queues.get(deliveryId);
      if (!list) {
        list = [];
        q.queues.set(deliveryId, list);
        q.turn.push(deliveryId);
      }
      list.push(task);
      this.pump(q);
    });
  }

  private queueOf(instance: string): InstanceQueue {
    let q = this.instances.get(instance);
    if (!q) {
      q = { running: 0, turn: [], queues: new Map() };
      this.instances.set(instance, q);
    }
    return q;
  }

  private pump(q: InstanceQueue): void {
    while (q.running < this.concurrency && q.turn.length) {
      const delivery = q.turn.shift()!;
      const list = q.queues.get(delivery)!;
      const task = list.shift()!;
      if (list.length) q.turn.push(delivery);
      else q.queues.delete(delivery);
      q.running++;
      void task.run().finally(() => {
        q.running--;
        this.pump(q);
      });
    }
  }
}
