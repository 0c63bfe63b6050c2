/** Errors of the sync module. */
import type { ProcessPushResult } from './types';

/** Base error of the sync module. */
export class SyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SyncError';
  }
}

/**
 * A push was only partly handled: some (delivery, app) actions failed or are still held by
 * another receive. Thrown by the worker so the queue redelivers the message; actions already
 * done are skipped on the next receive.
 */
export class IncompletePushError extends SyncError {
  /** What this receive did. */
  readonly result: ProcessPushResult;

  constructor(result: ProcessPushResult, options?: ErrorOptions) {
    const undone = result.actions.filter((a) => a.status === 'failed' || a.status === 'in-progress').length;
    const forwards = (result.appsets ?? []).filter((a) => a.status === 'failed' || a.status === 'in-progress').map((a) => a.instance);
    super(
      `delivery ${result.deliveryId}: ${undone} action(s) not done` +
        (forwards.length ? `, ApplicationSet forward(s) not done: ${forwards.join(', ')}` : '') +
        (result.unreachableInstances.length ? `, instance(s) unreachable: ${result.unreachableInstances.join(', ')}` : ''),
      options,
    );
    this.name = 'IncompletePushError';
    this.result = result;
  }
}
