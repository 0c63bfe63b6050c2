/**
 * The simulated application controller: one per instance, a work queue of apps to
 * reconcile with a fixed processing time per app and a number of processors, so a refresh
 * waits longer the more apps are queued before it (ArgoCD's `--status-processors`).
 *
 * ArgoCD's `GET /api/v1/applications/{name}?refresh=` sets the refresh annotation at once
 * and then holds the request until the controller has processed the app (the annotation is
 * gone in a newer resourceVersion). {@link SimController.enqueue} gives the HTTP layer that
 * wait. As in ArgoCD's workqueue, an app already waiting in the queue is not queued twice:
 * a second refresh joins the first one's wait.
 */
import { REFRESH_ANNOTATION } from '../../functions/lib/argocd/refresh-check';
import { appKey, type SimApp, type SimState } from './core';

export { REFRESH_ANNOTATION };

/** Load figures of one controller. */
export interface ControllerStats {
  /** Apps waiting or being processed now. */
  queued: number;
  /** Most apps waiting or being processed at once. */
  peakQueued: number;
  /** Reconciliations finished. */
  processed: number;
}

/** The per-instance controller. */
export class SimController {
  private readonly waiting: string[] = [];
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly apps = new Map<string, SimApp>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private busy = 0;
  private stats: ControllerStats = { queued: 0, peakQueued: 0, processed: 0 };

  /**
   * @param state the instance
   * @param reconcile what processing one app does (re-resolve, recompute, maybe auto-sync)
   * @param msPerApp processing time per app; 0 processes at once (no queue)
   * @param processors apps processed in parallel
   */
  constructor(
    private readonly state: SimState,
    private readonly reconcile: (sa: SimApp) => void,
    public msPerApp: number,
    public processors: number,
  ) {}

  /** Current load figures (a copy). */
  get load(): ControllerStats {
    return { ...this.stats };
  }

  /** Resets the figures (not the queue). */
  resetStats(): void {
    this.stats = { queued: this.stats.queued, peakQueued: this.stats.queued, processed: 0 };
  }

  /** Queues the app (once) and resolves when the controller has processed it. */
  enqueue(sa: SimApp): Promise<void> {
    const key = appKey(sa.app.metadata!.namespace!, sa.app.metadata!.name!);
    if (this.msPerApp <= 0 || this.state.closed) {
      this.finish(sa);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const list = this.waiters.get(key);
      if (list) {
        list.push(resolve);
        return;
      }
      this.waiters.set(key, [resolve]);
      this.apps.set(key, sa);
      this.waiting.push(key);
      this.stats.queued++;
      this.stats.peakQueued = Math.max(this.stats.peakQueued, this.stats.queued);
      this.pump();
    });
  }

  /** Drops the queue, releasing every waiter (the instance is closing). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const list of this.waiters.values()) for (const r of list) r();
    this.waiters.clear();
    this.waiting.length = 0;
  }

  private pump(): void {
    while (this.busy < this.processors && this.waiting.length) {
      const key = this.waiting.shift()!;
      // From here a new refresh of this app starts a new pass (it may see newer Git).
      const resolvers = this.waiters.get(key)!;
      this.waiters.delete(key);
      const sa = this.apps.get(key)!;
      this.apps.delete(key);
      this.busy++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.busy--;
        this.stats.queued--;
        this.stats.processed++;
        if (!this.state.closed) this.finish(sa);
        for (const r of resolvers) r();
        this.pump();
      }, this.msPerApp);
      this.timers.add(timer);
    }
  }

  private finish(sa: SimApp): void {
    const annotations = sa.app.metadata?.annotations;
    if (annotations && REFRESH_ANNOTATION in annotations) {
      delete annotations[REFRESH_ANNOTATION];
      if (!Object.keys(annotations).length) delete sa.app.metadata!.annotations;
    }
    this.reconcile(sa);
  }
}
