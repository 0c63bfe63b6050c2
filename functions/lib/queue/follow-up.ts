/**
 * The follow-up queue's contract: messages that come back later on their own (a delayed
 * deployment check), as opposed to pushes. A separate standard queue, not the push queue:
 * per-message `DelaySeconds` is not available on FIFO queues, follow-ups must not wait behind
 * a push burst (or be coalesced with pushes), and their consumer needs other grants.
 * Every message carries a `type`, so new kinds of follow-up can share the queue.
 */
import { InvalidMessageError } from './errors';

/** Longest delay SQS accepts on one message (`DelaySeconds`), in seconds. */
export const MAX_DELAY_SECONDS = 900;

/** One check of a tracked deployment: read the app once, decide, maybe schedule the next check. */
export interface DeployCheckMessage {
  type: 'deploy.check';
  /** Wire-format version. */
  v: 1;
  /** Deployment this check belongs to; a newer deployment of the app makes it stale. */
  trackId: string;
  /** Step number, from 1: at most one check per app per step runs. */
  step: number;
  /** Unique per scheduled check (a redelivery of the same message keeps it). */
  checkId: string;
  instance: string;
  namespace: string;
  name: string;
  /** What earlier checks saw, so a later one can report the durations without another write. */
  seen?: {
    /** ISO time the followed operation started. */
    syncStartedAt?: string;
    /** ISO time the followed operation finished. */
    syncedAt?: string;
  };
}

/**
 * Set one commit status (functions/lib/commit-status): queued when a deployment is accepted
 * or ends, and again (with `attempt` + 1) when the provider asks to wait or fails.
 */
export interface CommitStatusMessage {
  type: 'commit-status.set';
  /** Wire-format version. */
  v: 1;
  /** The `gitApis` key of the provider (`github`, `gitlab`, `bitbucketCloud`, ...). */
  api: string;
  /** The push's repository URL. */
  repo: string;
  /** The commit (full hex sha). */
  sha: string;
  state: 'pending' | 'success' | 'failure' | 'error' | 'canceled';
  context: string;
  description: string;
  targetUrl?: string;
  /** 1 for the first try. */
  attempt: number;
  /** A deployment's outcome (else its `pending`, which a later outcome makes stale). */
  final: boolean;
  /** The deployment it reports on. */
  trackId: string;
  instance: string;
  namespace: string;
  name: string;
  deliveryId?: string;
  project?: string;
}

/** Every follow-up message kind. */
export type FollowUpMessage = DeployCheckMessage | CommitStatusMessage;

const STATES = new Set(['pending', 'success', 'failure', 'error', 'canceled']);

/** The port: what schedules follow-ups. `SQSFollowUpQueue` deployed, `InProcessQueue` locally. */
export interface FollowUpQueue {
  /**
   * Sends a message that becomes visible after `delaySeconds` (fractions are kept locally;
   * SQS rounds up to whole seconds, at most {@link MAX_DELAY_SECONDS}).
   */
  schedule(message: FollowUpMessage, delaySeconds: number): Promise<void>;
}

/** The wire format (JSON). */
export function serializeFollowUp(message: FollowUpMessage): string {
  return JSON.stringify(message);
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

/**
 * Parses a follow-up message body.
 * @throws InvalidMessageError when it is not JSON or not a known follow-up
 */
export function parseFollowUp(body: string): FollowUpMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidMessageError('follow-up message body is not JSON');
  }
  const m = value as Partial<DeployCheckMessage> | null;
  if (m?.type === 'deploy.check') {
    if (m.v === 1 && str(m.trackId) && str(m.checkId) && str(m.instance) && str(m.namespace) && str(m.name) && Number.isSafeInteger(m.step) && m.step! >= 1) {
      return m as DeployCheckMessage;
    }
    throw new InvalidMessageError('deploy.check message lacks trackId, checkId, step or the app');
  }
  const c = value as Partial<CommitStatusMessage> | null;
  if (c?.type === 'commit-status.set') {
    const ok =
      c.v === 1 &&
      [c.api, c.repo, c.context, c.trackId, c.instance, c.namespace, c.name].every(str) &&
      typeof c.description === 'string' &&
      typeof c.sha === 'string' &&
      /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(c.sha) &&
      STATES.has(c.state as string) &&
      typeof c.final === 'boolean' &&
      Number.isSafeInteger(c.attempt) &&
      c.attempt! >= 1;
    if (ok) return c as CommitStatusMessage;
    throw new InvalidMessageError('commit-status.set message lacks the provider, repository, sha, state, context or attempt');
  }
  throw new InvalidMessageError('unknown follow-up message type');
}

/** SQS `DelaySeconds` for a delay: whole seconds, rounded up, 0..900. */
export function sqsDelaySeconds(delaySeconds: number): number {
  if (!Number.isFinite(delaySeconds) || delaySeconds <= 0) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds));
}
