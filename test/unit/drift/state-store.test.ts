import { DynamoDBDriftStateStore, getDriftState, listScans, type AppDriftState, type DriftStateStore, type ScanSummary } from '../../../functions/lib/drift';
import { createTestTables } from '../../helpers/dynamo';
import { InMemoryDriftStateStore } from '../../helpers/in-memory-drift-state-store';

const T = '2025-06-02T10:00:00.000Z';
const L = '2025-06-02T10:10:00.000Z';

function state(name: string, extra: Partial<AppDriftState> = {}): AppDriftState {
  return {
    instance: 'prod',
    namespace: 'argocd',
    name,
    project: 'shop',
    condition: 'drifted',
    syncStatus: 'OutOfSync',
    healthStatus: 'Healthy',
    firstSeen: T,
    lastSeen: T,
    consecutiveScans: 1,
    flapping: false,
    version: 0,
    ...extra,
  };
}

function scan(scanId: string, startedAt: string): ScanSummary {
  return {
    scanId,
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    dryRun: false,
    actor: 'scheduler',
    instances: 1,
    instancesScanned: 1,
    unreachable: [],
    apps: 1,
    drifted: 0,
    unknown: 0,
    degraded: 0,
    missing: 0,
    repaired: 0,
    repairFailed: 0,
    skipped: 0,
    reportOnly: 0,
    found: 0,
    resolved: 0,
    detailsFetched: 0,
    detailsSkipped: 0,
    consistencyPercent: 100,
    argocdCalls: 1,
    auditFailures: 0,
  };
}

/** The same contract for the DynamoDB adapter (on dynalite) and the in-memory double the drift unit tests use. */
describe.each<[string, () => Promise<{ store: DriftStateStore; close: () => void }>]>([
  [
    'DynamoDBDriftStateStore',
    async () => {
      const tables = await createTestTables('drift-store');
      return { store: new DynamoDBDriftStateStore(tables.doc, tables.names.state), close: () => tables.client.destroy() };
    },
  ],
  ['InMemoryDriftStateStore', async () => ({ store: new InMemoryDriftStateStore(), close: () => undefined })],
])('%s', (_name, open) => {
  let store: DriftStateStore;
  let close: () => void;
  beforeEach(async () => {
    ({ store, close } = await open());
  });
  afterEach(() => close());

  it('creates a state once, then writes only on the version read', async () => {
    const first = await store.putApp(state('api'), undefined);
    expect(first).toMatchObject({ name: 'api', version: 1 });
    expect(await store.putApp(state('api', { consecutiveScans: 9 }), undefined)).toBeUndefined();
    expect(await store.putApp(state('api', { consecutiveScans: 9 }), 0)).toBeUndefined();
    expect(await store.putApp(state('api', { consecutiveScans: 2 }), 1)).toMatchObject({ consecutiveScans: 2, version: 2 });
    expect(await store.readApp({ instance: 'prod', namespace: 'argocd', name: 'api' })).toMatchObject({ consecutiveScans: 2, version: 2 });
  });

  it('reads one instance by namespace/name, leaves out other instances and undefined fields', async () => {
    await store.putApp(state('api', { lastRepairAt: undefined }), undefined);
    await store.putApp(state('web', { namespace: 'team-a' }), undefined);
    await store.putApp(state('api', { instance: 'staging' }), undefined);
    const prod = await store.readInstance('prod');
    expect([...prod.keys()].sort()).toEqual(['argocd/api', 'team-a/web']);
    expect(prod.get('argocd/api')).not.toHaveProperty('lastRepairAt');
    expect(await store.readApp({ instance: 'prod', namespace: 'argocd', name: 'nope' })).toBeUndefined();
    expect((await getDriftState({ driftState: store, argocd: { names: ['prod', 'staging'] } })).map((s) => `${s.instance}/${s.name}`)).toEqual([
      'prod/api',
      'prod/web',
      'staging/api',
    ]);
  });

  it('deletes only the version read', async () => {
    const stored = (await store.putApp(state('api'), undefined))!;
    expect(await store.deleteApp({ ...stored, version: 7 })).toBe(false);
    expect(await store.deleteApp(stored)).toBe(true);
    expect(await store.readInstance('prod')).toEqual(new Map());
  });

  it('moves a scan mark only from the seq read, and reads it with the states', async () => {
    expect(await store.readInstanceMarked('prod')).toEqual({ states: new Map() });
    expect(await store.putScanMark('prod', { seq: 1, at: T }, undefined)).toBe(true);
    expect(await store.putScanMark('prod', { seq: 1, at: T }, undefined)).toBe(false);
    expect(await store.putScanMark('prod', { seq: 3, at: T }, 2)).toBe(false);
    expect(await store.putScanMark('prod', { seq: 2, at: L }, 1)).toBe(true);
    expect((await store.readInstanceMarked('prod')).mark).toEqual({ seq: 2, at: L });
    expect((await store.readInstanceMarked('staging')).mark).toBeUndefined();
    // The mark is no app: it never shows up among the states (it shares their partition in DynamoDB).
    expect(await store.readInstance('prod')).toEqual(new Map());
    expect(await getDriftState({ driftState: store, argocd: { names: ['prod'] } })).toEqual([]);
  });

  it('confirms a state the scans left unchanged by each later mark, as a rewrite per scan would have stored it', async () => {
    // Written by scan 4 of the instance (its 2nd scan in this condition), then found unchanged by scans 5 and 6.
    await store.putApp(state('api', { scanSeq: 4, consecutiveScans: 2 }), undefined);
    await store.putApp(state('old', { consecutiveScans: 7 }), undefined); // written before marks: no scanSeq
    await store.putApp(state('fixed', { condition: 'ok', scanSeq: 4, resolvedAt: T }), undefined);
    await store.putScanMark('prod', { seq: 4, at: T }, undefined);
    const ref = { instance: 'prod', namespace: 'argocd', name: 'api' };
    expect(await store.readApp(ref)).toMatchObject({ lastSeen: T, consecutiveScans: 2 });
    await store.putScanMark('prod', { seq: 6, at: L }, 4);
    expect(await store.readApp(ref)).toMatchObject({ lastSeen: L, consecutiveScans: 4, scanSeq: 6, version: 1 });
    const prod = await store.readInstance('prod');
    expect(prod.get('argocd/api')).toMatchObject({ lastSeen: L, consecutiveScans: 4 });
    // Not confirmed: a state from before marks (the next scan rewrites it) and a resolved one (the scan does not look at it).
    expect(prod.get('argocd/old')).toMatchObject({ lastSeen: T, consecutiveScans: 7 });
    expect(prod.get('argocd/fixed')).toMatchObject({ lastSeen: T, consecutiveScans: 1 });
    // The API and the CLI show the confirmed values, without the bookkeeping.
    const shown = await getDriftState({ driftState: store, argocd: { names: ['prod'] } });
    expect(shown.find((s) => s.name === 'api')).toMatchObject({ lastSeen: L, consecutiveScans: 4 });
    expect(shown.every((s) => !('scanSeq' in s))).toBe(true);
    // Written back as read (clear-flapping does that), the count goes on from there.
    const read = (await store.readApp(ref))!;
    await store.putApp({ ...read, flapping: false }, read.version);
    await store.putScanMark('prod', { seq: 7, at: '2025-06-02T10:15:00.000Z' }, 6);
    expect(await store.readApp(ref)).toMatchObject({ consecutiveScans: 5, lastSeen: '2025-06-02T10:15:00.000Z', version: 2 });
  });

  it('lists scans newest first, within inclusive bounds (a day as `to` covers the day), up to the limit', async () => {
    for (const [id, at] of [
      ['a', '2025-06-01T23:00:00.000Z'],
      ['b', '2025-06-02T08:00:00.000Z'],
      ['c', '2025-06-02T20:00:00.000Z'],
      ['d', '2025-06-03T01:00:00.000Z'],
    ] as const)
      await store.putScan(scan(id, at));
    const ids = async (o: Parameters<typeof listScans>[1]) => (await listScans({ driftState: store }, o)).map((s) => s.scanId);
    expect(await ids({})).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ limit: 2 })).toEqual(['d', 'c']);
    expect(await ids({ from: '2025-06-02', to: '2025-06-02' })).toEqual(['c', 'b']);
    expect(await ids({ to: '2025-06-01' })).toEqual(['a']);
    expect(await ids({ from: '2025-06-02T20:00:00.000Z' })).toEqual(['d', 'c']);
    expect(await ids({ from: '2025-06-03', to: '2025-06-01' })).toEqual([]);
    expect((await listScans({ driftState: store }, { limit: 1 }))[0]).toEqual(scan('d', '2025-06-03T01:00:00.000Z'));
  });
});
