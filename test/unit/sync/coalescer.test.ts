import { CallCoalescer, FairScheduler } from '../../../functions/lib/sync';
import { waitFor } from '../../helpers/argocd-sim';

/** A call whose end the test decides. */
function controlled() {
  const calls: Array<{ name: string; done: (v?: unknown) => void }> = [];
  const send = (name: string) => () => new Promise((resolve) => calls.push({ name, done: resolve }));
  return { calls, send };
}

describe('CallCoalescer', () => {
  it('sends the first request at once and folds the rest of a burst into one trailing call using the newest request', async () => {
    const c = new CallCoalescer(undefined, { windowMs: 40 });
    const { calls, send } = controlled();
    const first = c.run('app', 'd1', send('d1'));
    await waitFor(() => calls.length === 1, 'leading call sent');
    // The leading call is on its way: these need a call sent after them.
    const second = c.run('app', 'd2', send('d2'));
    const third = c.run('app', 'd3', send('d3'));
    calls[0].done('r1');
    await waitFor(() => calls.length === 2, 'trailing call sent');
    expect(calls.map((x) => x.name)).toEqual(['d1', 'd3']);
    calls[1].done('r3');
    const [a, b, d] = await Promise.all([first, second, third]);
    expect(a).toMatchObject({ folded: false, leadDeliveryId: 'd1', result: 'r1', deliveryIds: ['d1'] });
    expect(b).toMatchObject({ folded: false, leadDeliveryId: 'd2', result: 'r3', deliveryIds: ['d2', 'd3'] });
    expect(d).toMatchObject({ folded: true, leadDeliveryId: 'd2', result: 'r3', callId: b.callId });
    expect(a.callId).not.toBe(b.callId);
  });

  it('folds requests into a call still waiting for its turn, and keeps other apps apart', async () => {
    let open!: () => void;
    const turn = new Promise<void>((r) => (open = r));
    const gate = async (_lead: string, s: () => Promise<unknown>) => {
      await turn;
      return s();
    };
    const c = new CallCoalescer(gate, { windowMs: 40 });
    let sent = 0;
    const send = (v: string) => async () => (sent++, v);
    const runs = [c.run('a', 'd1', send('x')), c.run('a', 'd2', send('y')), c.run('b', 'd2', send('z'))];
    open();
    const [r1, r2, r3] = await Promise.all(runs);
    expect(sent).toBe(2);
    expect(r1.callId).toBe(r2.callId);
    expect(r2).toMatchObject({ folded: true, result: 'y' }); // the newest request's send was used
    expect(r3).toMatchObject({ folded: false, result: 'z' });
  });

  it("hands a failed call's error to every request folded into it", async () => {
    const c = new CallCoalescer(undefined, { windowMs: 0 });
    await expect(c.run('a', 'd1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('FairScheduler', () => {
  it('serves deliveries in turn, so one with many calls does not starve another', async () => {
    const s = new FairScheduler(1);
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setImmediate(r));
    };
    const all = [...['a1', 'a2', 'a3', 'a4'].map((n) => s.run('inst', 'A', task(n))), s.run('inst', 'B', task('b1')), s.run('other', 'A', task('o1'))];
    await Promise.all(all);
    expect(order.indexOf('b1')).toBe(order.indexOf('a2') + 1);
    expect(order.indexOf('b1')).toBeLessThan(order.indexOf('a3'));
    expect(order).toHaveLength(6);
  });
});
