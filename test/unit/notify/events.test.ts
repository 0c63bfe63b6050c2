import { deadLetteredEvents, heldChainsEvent, refusedSpikeEvent, verifyFailedEvent } from '../../../functions/lib/notify/events';
import { NotifyRules } from '../../../functions/lib/notify/rules';

const push = { provider: 'github', deliveryId: 'd-1', ref: 'refs/heads/main', revision: 'a'.repeat(40), repoUrls: ['https://github.com/acme/x.git'] };
const undone = (name: string, project: string, instance = 'prod') => ({
  instance,
  namespace: 'argocd',
  name,
  project,
  action: 'refresh',
  status: 'failed',
  message: 'HTTP 500',
});

describe('deadLetteredEvents', () => {
  it('makes one event per (instance, project), naming the app only when the group is one app', () => {
    const events = deadLetteredEvents({
      push,
      messageId: 'm',
      receiveCount: 5,
      undone: [undone('a', 'shop'), undone('b', 'shop'), undone('c', 'pay'), undone('a', 'shop', 'stage')],
      unreachableInstances: [],
      other: [],
      ts: '2026-01-01T00:00:00Z',
    });

    expect(events.map((e) => [e.instance, e.project, e.app])).toEqual([
      ['prod', 'shop', undefined],
      ['prod', 'pay', 'c'],
      ['stage', 'shop', 'a'],
    ]);
    expect(new Set(events.map((e) => e.subject)).size).toBe(3);
    expect(events[0].message).toBe(
      'push d-1 (github refs/heads/main) went to the dead-letter queue after 5 receive(s): 2 action(s) undone on prod/shop: a (refresh: HTTP 500), b ' +
        '(refresh: HTTP 500)',
    );
  });

  it('gives the same delivery the same subjects on every call (a redelivered last receive is one notification)', () => {
    const input = {
      push,
      messageId: 'm',
      receiveCount: 5,
      undone: [undone('a', 'shop')],
      unreachableInstances: ['west'],
      other: [],
      ts: '2026-01-01T00:00:00Z',
    };
    expect(deadLetteredEvents(input).map((e) => e.subject)).toEqual(
      deadLetteredEvents({ ...input, messageId: 'other', ts: '2026-01-02T00:00:00Z' }).map((e) => e.subject),
    );
    expect(deadLetteredEvents(input).map((e) => e.subject)).not.toEqual(
      deadLetteredEvents({ ...input, push: { ...push, deliveryId: 'd-2' } }).map((e) => e.subject),
    );
  });

  it('is matched by a project rule, and by an app rule only when it names that one app', () => {
    const rules = new NotifyRules({
      rules: [
        { events: ['delivery.dead-lettered'], projects: ['shop'], channels: ['team-shop'] },
        { events: ['delivery.dead-lettered'], apps: ['c'], channels: ['team-c'] },
      ],
    });
    const events = deadLetteredEvents({
      push,
      messageId: 'm',
      receiveCount: 5,
      undone: [undone('a', 'shop'), undone('b', 'shop'), undone('c', 'pay')],
      unreachableInstances: [],
      other: [],
      ts: 't',
    });
    expect(events.map((e) => rules.channelsFor(e))).toEqual([['team-shop'], ['team-c']]);
  });

  it('keeps the message to one bounded line however many apps failed', () => {
    const many = Array.from({ length: 500 }, (_, i) => undone(`app-${i}`, 'shop'));
    const [event] = deadLetteredEvents({ push, messageId: 'm', receiveCount: 5, undone: many, unreachableInstances: [], other: [], ts: 't' });
    expect(event.message.length).toBeLessThanOrEqual(1000);
    expect(event.message).toContain('and 490 more');
    expect(event.details).toMatchObject({ undoneCount: 500 });
    expect((event.details as { undone: unknown[] }).undone).toHaveLength(10);
  });
});

describe('verifyFailedEvent', () => {
  const failures = [
    { chain: 'app#prod/argocd/a', seq: 4, reason: 'hash-mismatch' },
    { chain: 'sys#2026-01-01#3', seq: 0, reason: 'gap' },
  ];

  it('is the same event for the same breaks in any order, another for another break', () => {
    const a = verifyFailedEvent({ source: 'verify', failures, ts: 't1' })!;
    const b = verifyFailedEvent({ source: 'verify', failures: [...failures].reverse(), ts: 't2' })!;
    const c = verifyFailedEvent({ source: 'verify', failures: [...failures, { chain: 'app#prod/argocd/b', seq: 1, reason: 'gap' }], ts: 't3' })!;
    expect(a.subject).toBe(b.subject);
    expect(c.subject).not.toBe(a.subject);
  });

  it('says nothing when nothing broke', () => {
    expect(verifyFailedEvent({ source: 'verify', failures: [], ts: 't' })).toBeUndefined();
    expect(heldChainsEvent([], 'scheduler', 't')).toBeUndefined();
  });

  it('names chains held by the anchor, and the breaks beyond those listed', () => {
    expect(heldChainsEvent([{ chain: 'app#prod/argocd/a' }], 'scheduler', 't')!.message).toBe(
      'the audit anchor held 1 chain(s) that no longer extend their anchored records (scheduler): anchor-held in app#prod/argocd/a',
    );
    expect(verifyFailedEvent({ source: 'verify', failures, omitted: 40, ts: 't' })!.message).toMatch(
      /^audit verify found 42 break\(s\) in 2 chain\(s\): hash-mismatch in app#prod\/argocd\/a at seq 4, gap in sys#2026-01-01#3 at seq 0$/,
    );
  });
});

describe('trail-wide and endpoint-wide events under filtered rules', () => {
  it('reach only rules without instance, project or app filters', () => {
    const rules = new NotifyRules({
      rules: [
        { events: ['audit.verify-failed', 'webhook.refused-spike'], channels: ['security'] },
        { events: ['audit.verify-failed', 'webhook.refused-spike'], instances: ['*'], channels: ['per-instance'] },
        { events: ['audit.verify-failed', 'webhook.refused-spike'], projects: ['*'], channels: ['per-project'] },
      ],
    });
    const verify = verifyFailedEvent({ source: 'verify', failures: [{ chain: 'app#prod/argocd/a', seq: 1, reason: 'gap' }], ts: 't' })!;
    const spike = refusedSpikeEvent({ provider: 'github', windowStart: '2026-01-01T00:00:00.000Z', windowMinutes: 5, threshold: 100, ts: 't' });
    expect(rules.channelsFor(verify)).toEqual(['security']);
    expect(rules.channelsFor(spike)).toEqual(['security']);
  });
});
