/**
 * RefreshCheck's batching on its own: the list it is given stands in for the client's projected
 * list call (the client tests run it against the simulator over HTTP). Lists are settled by hand,
 * so nothing here depends on timing.
 */
import type { Application } from '../../../functions/lib/argocd';
import { REFRESH_ANNOTATION, RefreshCheck } from '../../../functions/lib/argocd/refresh-check';

const ref = (name: string, namespace = 'argocd') => ({ instance: 'default', namespace, name });
const app = (name: string, annotated: boolean, namespace = 'argocd'): Application => ({
  metadata: { name, namespace, ...(annotated ? { annotations: { [REFRESH_ANNOTATION]: 'normal', other: 'x' } } : { annotations: { other: 'x' } }) },
});

/** A list call that answers only when the test says so. */
function manualList() {
  const calls: Array<{ deadline?: number; resolve: (apps: Application[]) => void; reject: (e: unknown) => void }> = [];
  const list = (deadline?: number) => new Promise<Application[]>((resolve, reject) => calls.push({ deadline, resolve, reject }));
  const nextCall = async () => {
    // The check lists after its window (0 ms here): let that timer run.
    while (!calls.length) await new Promise((r) => setImmediate(r));
    return calls.shift()!;
  };
  return { list, nextCall, pending: () => calls.length };
}

describe('RefreshCheck', () => {
  it('answers from the refresh annotation, per namespace and name', async () => {
    const m = manualList();
    const check = new RefreshCheck(m.list, 'argocd', 0);
    const asked = [check.seen(ref('a')), check.seen(ref('b')), check.seen(ref('a', 'team')), check.seen({ instance: 'default', namespace: '', name: 'c' })];
    (await m.nextCall()).resolve([app('a', true), app('b', false), app('a', false, 'team'), app('c', true)]);
    await expect(Promise.all(asked)).resolves.toEqual([true, false, false, true]);
  });

  it('lists once at a time: questions asked while a list is in flight share the next one', async () => {
    const m = manualList();
    const check = new RefreshCheck(m.list, 'argocd', 0);
    const first = check.seen(ref('a'));
    const inFlight = await m.nextCall();
    const later = [check.seen(ref('a')), check.seen(ref('b')), check.seen(ref('c'))];
    expect(m.pending()).toBe(0); // nothing listed beside the one in flight
    inFlight.resolve([app('a', false)]);
    await expect(first).resolves.toBe(false);
    // The refreshes registered since: the next list shows them, one list for all three questions.
    (await m.nextCall()).resolve([app('a', true), app('b', true), app('c', false)]);
    await expect(Promise.all(later)).resolves.toEqual([true, true, false]);
    expect(m.pending()).toBe(0);
  });

  it('keeps each list to the earliest deadline of the questions it serves', async () => {
    const m = manualList();
    const check = new RefreshCheck(m.list, 'argocd', 0);
    const asked = [check.seen(ref('a'), 2_000_000), check.seen(ref('b')), check.seen(ref('c'), 1_000_000)];
    const call = await m.nextCall();
    expect(call.deadline).toBe(1_000_000);
    call.resolve([]);
    await Promise.all(asked);
    const alone = check.seen(ref('a'));
    const second = await m.nextCall();
    expect(second.deadline).toBeUndefined();
    second.resolve([]);
    await alone;
  });

  it('rejects every question of a failed list with its error, and lists again for the next ones', async () => {
    const m = manualList();
    const check = new RefreshCheck(m.list, 'argocd', 0);
    const failing = [check.seen(ref('a')), check.seen(ref('b'))];
    (await m.nextCall()).reject(new Error('ArgoCD unavailable'));
    await expect(Promise.allSettled(failing)).resolves.toEqual([
      { status: 'rejected', reason: new Error('ArgoCD unavailable') },
      { status: 'rejected', reason: new Error('ArgoCD unavailable') },
    ]);
    const next = check.seen(ref('a'));
    (await m.nextCall()).resolve([app('a', true)]);
    await expect(next).resolves.toBe(true);
  });
});
