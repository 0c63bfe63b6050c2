/**
 * `RefreshCheck`: tells whether ArgoCD registered refreshes whose GET it did not answer in time,
 * by looking for the refresh annotation on the apps, with one projected list for every refresh
 * that ended unanswered around the same time.
 *
 * Why a look is needed: ArgoCD's `Get` with `refresh` answers only once its controller has
 * processed the app, so an unanswered GET says nothing about whether the annotation was set.
 * A server that had not reached that point when the client stopped listening never will: Go
 * cancels the request's context when the client closes (server/application/application.go,
 * `Get`), and a starved or slow server (its Kubernetes read comes first) drops the request.
 * The annotation (`argocd.argoproj.io/refresh`) stays on the app until the controller has
 * processed it, and `metadata.annotations` is one of the list's selectable fields.
 */
import type { Application, AppRef } from './types';

/** Annotation ArgoCD sets on a refresh request and its controller removes once done. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** The list fields a check asks for: identity and annotations only. */
export const REFRESH_CHECK_FIELDS: readonly string[] = ['items.metadata.name', 'items.metadata.namespace', 'items.metadata.annotations'];

/** How long a check waits for more unanswered refreshes to share its list call. @default 50 */
export const DEFAULT_REFRESH_CHECK_WINDOW_MS = 50;

interface Pending {
  key: string;
  deadline?: number;
  resolve: (seen: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Batches "was this refresh registered?" questions of one ArgoCD instance into projected list
 * calls: questions asked within `windowMs`, or while a list is in flight, share the next list.
 * One list at a time per instance, so a storm of unanswered refreshes costs a few lists, not
 * one read per app.
 */
export class RefreshCheck {
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #listing = false;

  /**
   * @param list lists the instance's apps with {@link REFRESH_CHECK_FIELDS} (the client's own list
   *   call), within the deadline (epoch ms) when one is given
   * @param namespace the namespace of apps addressed without one
   * @param windowMs how long a first question waits for others to join its list
   */
  constructor(
    private readonly list: (deadline?: number) => Promise<Application[]>,
    private readonly namespace: string,
    private readonly windowMs: number = DEFAULT_REFRESH_CHECK_WINDOW_MS,
  ) {}

  /**
   * Whether the app carries the refresh annotation in a list taken after this call: true means
   * a refresh is registered and its controller has not processed it yet (ours, or an earlier one
   * the controller will process after our commit landed, which serves the same purpose). False
   * means none is pending: ArgoCD dropped ours, or its controller has already finished it. The
   * list's errors are thrown to every question it was serving. A list serving several questions
   * keeps to the earliest of their deadlines.
   * @param deadline epoch ms the list must end by (the caller's remaining time)
   */
  seen(ref: AppRef, deadline?: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.push({ key: `${ref.namespace || this.namespace}/${ref.name}`, deadline, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer || this.#listing || !this.#pending.length) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.windowMs);
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#listing = true;
    try {
      const deadlines = batch.map((p) => p.deadline).filter((d): d is number => d !== undefined);
      const apps = await this.list(deadlines.length ? Math.min(...deadlines) : undefined);
      const annotated = new Set<string>();
      for (const a of apps) {
        if (a.metadata?.annotations && REFRESH_ANNOTATION in a.metadata.annotations) {
          annotated.add(`${a.metadata.namespace || this.namespace}/${a.metadata.name}`);
        }
      }
      for (const p of batch) p.resolve(annotated.has(p.key));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#listing = false;
      this.#schedule();
    }
  }
}
