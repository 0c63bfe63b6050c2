/**
 * Errors of the rollback module. They know nothing about HTTP: the operator API maps them
 * (not found → 404, auto-sync → 409, bad target → 400) in `functions/operator-api/responses.ts`.
 */

/** Base of every rollback error. */
export class RollbackError extends Error {
  /**
   * @param message safe to show to the caller
   * @param options standard `ErrorOptions`, so `cause` survives
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RollbackError';
  }
}

/** The instance, the app, the history id or the commit does not exist (or is not known). */
export class RollbackNotFoundError extends RollbackError {
  /** What was not found. */
  readonly what: 'instance' | 'app' | 'history-id' | 'commit';

  constructor(what: RollbackNotFoundError['what'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RollbackNotFoundError';
    this.what = what;
  }
}

/**
 * The target is unusable (not a history id nor a commit sha, or an older commit of a
 * multi-source app). Names the offending parameter.
 */
export class InvalidRollbackTargetError extends RollbackError {
  /** Request parameter at fault. */
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidRollbackTargetError';
    this.parameter = parameter;
  }
}

/**
 * Auto-sync is on: ArgoCD refuses a rollback, and a sync to another revision, while
 * `spec.syncPolicy.automated` is set. The caller may retry with `disableAutoSync`.
 */
export class AutoSyncEnabledError extends RollbackError {
  /** The app's current `spec.syncPolicy.automated`. */
  readonly automated: Record<string, unknown>;

  constructor(automated: Record<string, unknown>, message?: string, options?: ErrorOptions) {
    super(
      message ??
        'auto-sync is enabled for this application: ArgoCD refuses a rollback (and a sync to another revision) while spec.syncPolicy.automated is set; ' +
          'retry with disableAutoSync (CLI: --disable-auto-sync) to turn auto-sync off first, or disable it yourself',
      options,
    );
    this.name = 'AutoSyncEnabledError';
    this.automated = automated;
  }
}

/** Another operation (sync, rollback) is running on the app; retry when it has finished. */
export class OperationInProgressError extends RollbackError {
  constructor(message = 'another operation is already in progress on this application; retry when it has finished', options?: ErrorOptions) {
    super(message, options);
    this.name = 'OperationInProgressError';
  }
}
