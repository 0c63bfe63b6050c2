/**
 * The covering rule of CallCoalescer: a call sent after a delivery was received (plus the skew
 * margin) carries that delivery, in flight or finished; a failed call covers nothing; a pinned
 * call neither covers nor is covered; memory is bounded. The clock is injected (the webhook's
 * receive times and the sends are points on it); what the "ArgoCD" send functions received is
 * what is asserted.
 */
import { CallCoalescer } from '../../../functions/lib/sync';
import { waitFor } from '../../helpers/argocd-sim';

/** Sends whose end the test decides, recording who asked and at which clock time they were sent. */
function controlled(clock: { t: number }) {
  const calls: Array<{ name: string; at: number; done: (v?: unknown) => void; fail: (e: Error) => void }> = [];
  const send = (name: string) => () =>
    new Promise((resolve, reject) => {
      calls.push({ name, at: clock.t, done: resolve, fail: reject });
    });
  return { calls, send };
}

function setUp(options: { skewMs?: number; coverTtlMs?: number; maxKeys?: number } = {}) {
  const clock = { t: 100_000 };
  // A long window: a request the covering rule does not take waits for a trailing call, which
  // the tests release by advancing the clock and sending the next request once the app is quiet.
  const c = new CallCoalescer(undefined, { windowMs: 2000, skewMs: 1000, now: () => clock.t, ...options });
  return { clock, c, ...controlled(clock) };
}

describe('CallCoalescer covering rule', () => {
  it('folds a delivery received before a call was sent (by at least the skew margin) into that call while it is in flight', async () => {
    const { clock, c, calls, send } = setUp();
    const first = c.run('app', 'd1', send('d1'), undefined, { receivedAtMs: 99_000 });
    await waitFor(() => calls.length === 1, 'first call sent');
    clock.t = 104_000; // far beyond the window: without the covering rule d2 would be sent now
    const second = c.run('app', 'd2', send('d2'), undefined, { receivedAtMs: 99_000 }); // 99,000 + 1,000 <= 100,000
    calls[0].done('r1');
    const [a, b] = await Promise.all([first, second]);
    expect(calls.map((x) => x.name)).toEqual(['d1']);
    expect(b).toMatchObject({ folded: true, callId: a.callId, leadDeliveryId: 'd1', result: 'r1', deliveryIds: ['d1', 'd2'] });
  });

  it('folds into a finished call sent exactly the skew margin after the receive, and not one millisecond less', async () => {
    const { clock, c, calls, send } = setUp();
    const first = c.run('app', 'd1', send('d1'), undefined, { receivedAtMs: 99_000 });
    await waitFor(() => calls.length === 1, 'first call sent');
    calls[0].done('r1');
    const a = await first;
    clock.t = 110_000;
    const edge = await c.run('app', 'd2', send('d2'), undefined, { receivedAtMs: 99_000 }); // sent at 100,000 = 99,000 + 1,000
    expect(edge).toMatchObject({ folded: true, callId: a.callId, result: 'r1' });
    expect(calls).toHaveLength(1);

    const late = c.run('app', 'd3', send('d3'), undefined, { receivedAtMs: 99_001 }); // received 999 ms before the send
    await waitFor(() => calls.length === 2, 'a call of its own');
    expect(calls[1]).toMatchObject({ name: 'd3', at: 110_000 });
    calls[1].done('r3');
    expect(await late).toMatchObject({ folded: false, leadDeliveryId: 'd3', result: 'r3' });
    expect((await late).callId).not.toBe(a.callId);
  });

  it('does not let a failed call cover, while an earlier call that succeeded still does', async () => {
    const { clock, c, calls, send } = setUp();
    const first = c.run('app', 'd1', send('d1'), undefined, { receivedAtMs: 90_000 });
    await waitFor(() => calls.length === 1, 'first call sent');
    calls[0].done('r1');
    const a = await first;
    clock.t = 105_000;
    const second = c.run('app', 'd2', send('d2'), undefined, { receivedAtMs: 102_000 }); // after d1's call: a call of its own
    await waitFor(() => calls.length === 2, 'second call sent');
    expect(calls[1]).toMatchObject({ name: 'd2', at: 105_000 });
    calls[1].fail(new Error('503'));
    await expect(second).rejects.toThrow('503');

    clock.t = 110_000;
    // Received before the failed call was sent: the failed call would have covered it, had it succeeded.
    const third = c.run('app', 'd3', send('d3'), undefined, { receivedAtMs: 103_000 });
    await waitFor(() => calls.length === 3, 'third call sent');
    expect(calls[2]).toMatchObject({ name: 'd3', at: 110_000 });
    calls[2].done('r3');
    expect(await third).toMatchObject({ folded: false, leadDeliveryId: 'd3', result: 'r3' });
    // Received before the calls that succeeded were sent: covered (by the newest), not sent again.
    const fourth = await c.run('app', 'd4', send('d4'), undefined, { receivedAtMs: 95_000 });
    expect(calls).toHaveLength(3);
    expect(fourth.callId).toBe((await third).callId);
    expect(fourth.callId).not.toBe(a.callId);
    expect(fourth.folded).toBe(true);
  });

  it('never folds a pinned call into another, nor another into it', async () => {
    const { clock, c, calls, send } = setUp();
    const branch = c.run('app', 'd1', send('branch'), undefined, { receivedAtMs: 90_000 });
    await waitFor(() => calls.length === 1, 'branch call sent');
    const pinned = c.run('app', 'repair', send('pinned'), undefined, { receivedAtMs: 90_000, pinned: true });
    await waitFor(() => calls.length === 2, 'pinned call sent though a covering call is in flight');
    calls[0].done('rb');
    calls[1].done('rp');
    const [b, p] = await Promise.all([branch, pinned]);
    expect(p).toMatchObject({ folded: false, result: 'rp', deliveryIds: ['repair'] });
    expect(p.callId).not.toBe(b.callId);

    // Only a pinned call was sent for `other`: it does not cover a push received before it.
    clock.t = 105_000;
    const pin2 = c.run('other', 'repair2', send('pinned2'), undefined, { pinned: true });
    await waitFor(() => calls.length === 3, 'pinned call for other sent');
    calls[2].done('rp2');
    await pin2;
    clock.t = 110_000;
    const push = c.run('other', 'd2', send('push'), undefined, { receivedAtMs: 100_000 });
    await waitFor(() => calls.length === 4, 'the push gets a call of its own');
    expect(calls[3]).toMatchObject({ name: 'push', at: 110_000 });
    calls[3].done('rpush');
    expect(await push).toMatchObject({ folded: false, result: 'rpush' });
  });

  it('forgets a covering call after coverTtlMs, and the least recently used apps beyond maxKeys', async () => {
    const { clock, c } = setUp({ coverTtlMs: 60_000, maxKeys: 2 });
    const calls: string[] = [];
    const call = (key: string, d: string, receivedAtMs: number) => c.run(key, d, async () => calls.push(`${key}:${d}`), undefined, { receivedAtMs });
    await call('a', 'd1', 90_000);
    clock.t = 159_999;
    expect((await call('a', 'd2', 90_000)).folded).toBe(true); // sent 59,999 ms ago: still covers
    expect(calls).toHaveLength(1);
    clock.t = 160_000;
    expect((await call('a', 'd3', 90_000)).folded).toBe(false); // sent 60,000 ms ago: forgotten
    expect(calls).toHaveLength(2);

    await call('b', 'd1', 90_000);
    await call('c', 'd1', 90_000); // a third app: `a`, the least recently used, is forgotten
    expect(calls).toHaveLength(4);
    expect((await call('b', 'd2', 90_000)).folded).toBe(true);
    expect(calls).toHaveLength(4);
    expect((await call('a', 'd4', 90_000)).folded).toBe(false);
    expect(calls).toEqual(['a:d1', 'a:d3', 'b:d1', 'c:d1', 'a:d4']);
  });

  it('without a receive time, and with the window at 0, only the window rule applies (covering off)', async () => {
    const { clock, c, calls, send } = setUp();
    const first = c.run('app', 'd1', send('d1'));
    await waitFor(() => calls.length === 1, 'first call sent');
    calls[0].done('r1');
    await first;
    clock.t = 110_000;
    const second = c.run('app', 'd2', send('d2'));
    await waitFor(() => calls.length === 2, 'a quiet app: sent at once');
    calls[1].done('r2');
    expect(await second).toMatchObject({ folded: false, result: 'r2' });

    const off = new CallCoalescer(undefined, { windowMs: 0, now: () => clock.t });
    const o1 = off.run('app', 'd1', send('o1'), undefined, { receivedAtMs: 0 });
    const o2 = off.run('app', 'd2', send('o2'), undefined, { receivedAtMs: 0 });
    await waitFor(() => calls.length === 4, 'both sent');
    calls[2].done('x');
    calls[3].done('y');
    expect((await Promise.all([o1, o2])).map((r) => r.folded)).toEqual([false, false]);
  });
});
