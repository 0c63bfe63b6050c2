/**
 * The notification events of the three sources that write no audit record of their own (issue 14
 * item 3): a push that went to the dead-letter queue, an audit verification that found breaks,
 * a spike of refused webhook requests. Each is built from names and counts only (never a payload,
 * a record's content or a secret) and carries a `subject` that makes repeats of the same thing
 * one notification per channel (the ledger's at-most-once key).
 *
 * Kept free of AWS and of the ArgoCD client: the webhook function bundles this module.
 */
import { createHash } from 'node:crypto';
import type { SimpleLogger } from '../observability/logger';
import { stripUndefined } from '../runtime/objects';
import type { NotificationEvent } from './types';

/** Longest one-line message of an event built here (Slack shows it whole; the rest is in `details`). */
const MAX_MESSAGE = 1_000;
/** Most items named in a message or listed in `details`. */
const MAX_LISTED = 10;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const digest = (parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
const listed = (items: string[]) => items.slice(0, MAX_LISTED).join(', ') + (items.length > MAX_LISTED ? ` and ${items.length - MAX_LISTED} more` : '');

/** An action a push left undone when it went to the dead letters. */
export interface UndoneAction {
  instance: string;
  namespace: string;
  name: string;
  project?: string;
  action: string;
  /** `failed` (ArgoCD refused or failed) or `in-progress` (another receive held it). */
  status: string;
  /** One line: why (the same line `app.failed` records carry). */
  message?: string;
}

/** What the sync worker knows about a push message on the receive that sends it to the dead letters. */
export interface DeadLetterInput {
  /** The push, when the message parsed. */
  push?: { provider: string; deliveryId: string; ref: string; revision: string; repoUrls: string[] };
  /** The queue's message id (names a message that did not parse). */
  messageId: string;
  receiveCount: number;
  /** Actions left undone (failed, or held by another receive). */
  undone: UndoneAction[];
  /** Instances whose apps could not be listed. */
  unreachableInstances: string[];
  /** Anything else left undone, one line each (ApplicationSet forwards, a message that did not parse, a store outage). */
  other: string[];
  /** ISO time. */
  ts: string;
}

/**
 * The `delivery.dead-lettered` events of a push message on its last receive: one per (instance,
 * project) with undone actions, so rules filtered by instance or project see their apps (`app`
 * and `namespace` are set when the group is one app, so app filters match a lone failure); one
 * per unreachable instance; one without instance for what belongs to none (a message that did
 * not parse, ApplicationSet forwards, a store outage). Grouped rather than one per app: an
 * ArgoCD outage during a monorepo push would otherwise be hundreds of messages.
 */
export function deadLetteredEvents(input: DeadLetterInput): NotificationEvent[] {
  const { push } = input;
  const what = push ? `push ${push.deliveryId} (${push.provider} ${clip(push.ref, 200)})` : `queue message ${input.messageId}`;
  const lead = `${what} went to the dead-letter queue after ${input.receiveCount} receive(s)`;
  const key = push ? `delivery:${push.deliveryId}` : `message:${input.messageId}`;
  const common = {
    kind: 'delivery.dead-lettered' as const,
    ts: input.ts,
    outcome: 'failure',
    revision: push?.revision || undefined,
    repo: push?.repoUrls[0],
    deliveryId: push?.deliveryId,
  };

  const groups = new Map<string, UndoneAction[]>();
  for (const a of input.undone) {
    const g = `${a.instance}\n${a.project ?? ''}`;
    groups.set(g, [...(groups.get(g) ?? []), a]);
  }
  const events: NotificationEvent[] = [];
  for (const [g, actions] of groups) {
    const [first] = actions;
    const one = actions.length === 1 ? first : undefined;
    const names = actions.map(
      (a) => `${a.name} (${a.action}${a.message ? `: ${clip(a.message, 200)}` : a.status === 'in-progress' ? ': held by another receive' : ''})`,
    );
    events.push(
      stripUndefined({
        ...common,
        id: `dead-letter:${digest([key, g])}`,
        instance: first.instance,
        project: first.project,
        namespace: one?.namespace,
        app: one?.name,
        message: clip(
          `${lead}: ${actions.length} action(s) undone on ${first.instance}${first.project ? `/${first.project}` : ''}: ${listed(names)}`,
          MAX_MESSAGE,
        ),
        details: {
          queue: 'push',
          receiveCount: input.receiveCount,
          undone: actions.slice(0, MAX_LISTED).map(({ message: _m, ...a }) => a),
          undoneCount: actions.length,
        },
      }),
    );
  }
  for (const instance of input.unreachableInstances) {
    events.push(
      stripUndefined({
        ...common,
        id: `dead-letter:${digest([key, instance, 'unreachable'])}`,
        instance,
        message: clip(`${lead}: the apps of instance ${instance} could not be listed, so the push was never matched there`, MAX_MESSAGE),
        details: { queue: 'push', receiveCount: input.receiveCount, unreachable: true },
      }),
    );
  }
  if (input.other.length > 0 || events.length === 0) {
    const other = input.other.length ? input.other : ['nothing recorded as undone (the queue counted the receives)'];
    events.push(
      stripUndefined({
        ...common,
        id: `dead-letter:${digest([key, 'other'])}`,
        message: clip(`${lead}: ${listed(other.map((o) => clip(o, 200)))}`, MAX_MESSAGE),
        details: { queue: 'push', receiveCount: input.receiveCount, ...(push ? {} : { messageId: input.messageId }) },
      }),
    );
  }
  // The id (a hash of the delivery and the group) is the at-most-once key, not app@revision: a
  // redelivered last receive queues the same events and the ledger sends them once, while another
  // delivery of the same commit that dead-letters too is news of its own.
  return events.map((e) => ({ ...e, subject: e.id }));
}

/** What the deploy tracker knows about a follow-up message on the receive that sends it to the dead letters. */
export interface FollowUpDeadLetterInput {
  /** The raw body: hashed into the id (a redelivery is the same event), never quoted. */
  body: string;
  /** The message, when it parsed. */
  message?:
    | { type: 'deploy.check'; instance: string; namespace: string; name: string; step: number }
    | {
        type: 'commit-status.set';
        instance: string;
        namespace: string;
        name: string;
        project?: string;
        deliveryId?: string;
        sha: string;
        state: string;
        context: string;
      };
  messageId: string;
  receiveCount: number;
  /** The error's name (never its message: it may quote a request). */
  reason: string;
  /** ISO time. */
  ts: string;
}

/**
 * The `delivery.dead-lettered` event of a follow-up message (a deployment check or a commit
 * status) on its last receive: the deployment it belongs to is then no longer followed, or its
 * status not set, which nothing else would tell. Names the app (and, for a status, the project
 * and delivery the message carries: a check carries no project, so project-filtered rules miss it).
 */
export function followUpDeadLetteredEvent(input: FollowUpDeadLetterInput): NotificationEvent {
  const m = input.message;
  const after = `went to the follow-up dead-letter queue after ${input.receiveCount} receive(s) (${input.reason})`;
  const app = m ? `${m.instance}/${m.namespace}/${m.name}` : undefined;
  const message = !m
    ? `follow-up queue message ${input.messageId} ${after}: the body is not a follow-up message`
    : m.type === 'deploy.check'
      ? `deployment check ${m.step} of ${app} ${after}: the deployment is no longer followed (no outcome record, no final commit status)`
      : `commit status ${m.state} for ${m.sha.slice(0, 7)} (${clip(m.context, 200)}) ${after}: it was not set`;
  const id = `dead-letter:${digest(['follow-up', input.body])}`;
  return stripUndefined({
    kind: 'delivery.dead-lettered' as const,
    id,
    subject: id,
    ts: input.ts,
    outcome: 'failure',
    instance: m?.instance,
    namespace: m?.namespace,
    app: m?.name,
    project: m?.type === 'commit-status.set' ? m.project : undefined,
    revision: m?.type === 'commit-status.set' ? m.sha : undefined,
    deliveryId: m?.type === 'commit-status.set' ? m.deliveryId : undefined,
    message: clip(message, MAX_MESSAGE),
    details: { queue: 'follow-up', receiveCount: input.receiveCount, ...(m ? { type: m.type } : { messageId: input.messageId }) },
  });
}

/** A break as the notification names it: where, and what kind of break; never the record's content. */
export interface VerifyFailure {
  chain: string;
  seq?: number;
  reason: string;
}

/** What a failed verification found. */
export interface VerifyFailedInput {
  /** `verify`: `GET /api/audit/verify` (the CLI's `audit verify`); `anchor`: an anchor run held chains that no longer extend their anchor. */
  source: 'verify' | 'anchor';
  failures: VerifyFailure[];
  /** Breaks found beyond those listed. @default 0 */
  omitted?: number;
  /** Who ran it (an IAM ARN, `local:<user>`, `scheduler`). */
  actor?: string;
  /** ISO time. */
  ts: string;
}

/**
 * The `audit.verify-failed` event: names the broken chains, positions and kinds of break, never a
 * record's content or a break's free text. It concerns the trail as a whole, so it has no
 * instance, project or app (only rules without those filters match it). The same set of breaks
 * found again (the next verify, the next anchor run, another page) is the same subject: one
 * notification per channel until something else breaks.
 * @returns undefined when there is nothing to report
 */
export function verifyFailedEvent(input: VerifyFailedInput): NotificationEvent | undefined {
  if (input.failures.length === 0) return undefined;
  const keys = input.failures.map((f) => `${f.chain}#${f.seq ?? ''}#${f.reason}`).sort();
  const id = `verify-failed:${digest(keys)}`;
  const chains = new Set(input.failures.map((f) => f.chain));
  const total = input.failures.length + (input.omitted ?? 0);
  const what = input.source === 'anchor' ? 'the audit anchor held' : 'audit verify found';
  const items = input.failures.map((f) => `${f.reason} in ${clip(f.chain, 200)}${f.seq !== undefined ? ` at seq ${f.seq}` : ''}`);
  const by = input.actor ? ` (${clip(input.actor, 200)})` : '';
  return {
    kind: 'audit.verify-failed',
    id,
    subject: id,
    ts: input.ts,
    outcome: 'failure',
    message: clip(
      input.source === 'anchor'
        ? `${what} ${chains.size} chain(s) that no longer extend their anchored records${by}: ${listed(items)}`
        : `${what} ${total} break(s) in ${chains.size} chain(s)${by}: ${listed(items)}`,
      MAX_MESSAGE,
    ),
    details: { source: input.source, breaks: total, chains: chains.size, failures: input.failures.slice(0, MAX_LISTED) },
  };
}

/** The event of a verify report with breaks (`GET /api/audit/verify`). */
export function verifyReportEvent(
  report: { breaks: ReadonlyArray<{ chain: string; seq: number; reason: string }>; breaksOmitted?: number },
  actor: string | undefined,
  ts: string,
): NotificationEvent | undefined {
  return verifyFailedEvent({
    source: 'verify',
    failures: report.breaks.map(({ chain, seq, reason }) => ({ chain, seq, reason })),
    ...(report.breaksOmitted ? { omitted: report.breaksOmitted } : {}),
    ...(actor ? { actor } : {}),
    ts,
  });
}

/** The event of an anchor run that held chains no longer extending their anchor (`AnchorResult.held`). */
export function heldChainsEvent(held: ReadonlyArray<{ chain: string }>, actor: string | undefined, ts: string): NotificationEvent | undefined {
  return verifyFailedEvent({ source: 'anchor', failures: held.map(({ chain }) => ({ chain, reason: 'anchor-held' })), ...(actor ? { actor } : {}), ts });
}

/** A window of refusals that reached the threshold. */
export interface RefusedSpikeInput {
  /** The provider the requests' headers named (unverified, but one of a fixed set of labels). */
  provider: string;
  /** ISO start of the window. */
  windowStart: string;
  windowMinutes: number;
  threshold: number;
  /** ISO time the threshold was reached. */
  ts: string;
}

/**
 * The `webhook.refused-spike` event of one (provider, window): one per window whatever the number
 * of refusals in it. About the public endpoint, not an app: no instance, project or app.
 */
export function refusedSpikeEvent(input: RefusedSpikeInput): NotificationEvent {
  const subject = `refused-spike:${input.provider}:${input.windowStart}`;
  return {
    kind: 'webhook.refused-spike',
    id: subject,
    subject,
    ts: input.ts,
    outcome: 'refused',
    message:
      `${input.threshold} webhook requests naming provider ${input.provider} were refused within ${input.windowMinutes} minute(s) ` +
      `(window from ${input.windowStart}); the reasons are counted per provider in /api/stats`,
    details: { provider: input.provider, windowStart: input.windowStart, windowMinutes: input.windowMinutes, threshold: input.threshold },
  };
}

/**
 * Queues an event and never fails the caller: the notification is a copy of something already
 * recorded, counted or returned, so a notify queue outage is logged, not turned into a failed
 * push, verify or refusal answer.
 */
export async function publishQuietly(
  publisher: { publish(event: NotificationEvent): Promise<unknown> } | undefined,
  event: NotificationEvent | undefined,
  log?: Partial<SimpleLogger>,
): Promise<void> {
  if (!publisher || !event) return;
  await publisher.publish(event).then(
    () => undefined,
    (error: unknown) =>
      log?.error?.('notify: could not queue a notification', {
        kind: event.kind,
        eventId: event.id,
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'Error',
      }),
  );
}
