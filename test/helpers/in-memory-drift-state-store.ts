import type { AppDriftState, DriftStateStore, MarkedInstanceState, ScanMark, ScanQuery, ScanSummary } from '../../functions/lib/drift';
import { confirmedBy, driftSk } from '../../functions/lib/drift';
import type { AppRef } from '../../functions/lib/matching/types';

/** Drops keys whose value is undefined, as the document client (`removeUndefinedValues`) does. */
const stored = <T extends object>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A `DriftStateStore` in memory for unit tests of the drift scan and its callers: the same
 * version-conditional writes, deletes, scan marks and scan ordering as `DynamoDBDriftStateStore`
 * (`test/unit/drift/state-store.test.ts` runs one contract against both).
 * @example
 * const driftState = new InMemoryDriftStateStore();
 * await runDriftScan({ ...deps, driftState });
 * expect(driftState.apps()).toHaveLength(1);
 */
export class InMemoryDriftStateStore implements DriftStateStore {
  private readonly states = new Map<string, { state: AppDriftState; expiresAt?: number }>();
  private readonly scans = new Map<string, ScanSummary>();
  private readonly marks = new Map<string, ScanMark>();

  private static key(instance: string, namespace: string, name: string): string {
    return `${instance}\0${driftSk(namespace, name)}`;
  }

  async readInstance(instance: string): Promise<Map<string, AppDriftState>> {
    return (await this.readInstanceMarked(instance)).states;
  }

  async readInstanceMarked(instance: string): Promise<MarkedInstanceState> {
    const mark = this.marks.get(instance);
    const states = new Map<string, AppDriftState>();
    for (const { state } of this.states.values()) {
      if (state.instance === instance) states.set(driftSk(state.namespace, state.name), confirmedBy(stored(state), mark));
    }
    return { states, ...(mark ? { mark: { ...mark } } : {}) };
  }

  async readApp(ref: AppRef): Promise<AppDriftState | undefined> {
    const entry = this.states.get(InMemoryDriftStateStore.key(ref.instance, ref.namespace, ref.name));
    return entry ? confirmedBy(stored(entry.state), this.marks.get(ref.instance)) : undefined;
  }

  async putScanMark(instance: string, mark: ScanMark, expectedSeq: number | undefined): Promise<boolean> {
    if (this.marks.get(instance)?.seq !== expectedSeq) return false;
    this.marks.set(instance, { seq: mark.seq, at: mark.at });
    return true;
  }

  async putApp(state: AppDriftState, expectedVersion: number | undefined, expiresAt?: number): Promise<AppDriftState | undefined> {
    const key = InMemoryDriftStateStore.key(state.instance, state.namespace, state.name);
    const current = this.states.get(key);
    if (expectedVersion === undefined ? current : current?.state.version !== expectedVersion) return undefined;
    const next = stored({ ...state, version: (expectedVersion ?? 0) + 1 });
    this.states.set(key, { state: next, ...(expiresAt ? { expiresAt } : {}) });
    return stored(next);
  }

  async deleteApp(state: AppDriftState): Promise<boolean> {
    const key = InMemoryDriftStateStore.key(state.instance, state.namespace, state.name);
    if (this.states.get(key)?.state.version !== state.version) return false;
    return this.states.delete(key);
  }

  async putScan(summary: ScanSummary): Promise<void> {
    this.scans.set(summary.scanId, stored(summary));
  }

  async listScans(query: ScanQuery): Promise<ScanSummary[]> {
    return [...this.scans.values()]
      .filter((s) => (!query.from || s.startedAt >= query.from) && (!query.to || s.startedAt <= `${query.to}\uffff`))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, query.limit)
      .map(stored);
  }

  /** Every stored app state (copies, as reads return them: confirmed by the instance's scan mark). */
  apps(): AppDriftState[] {
    return [...this.states.values()].map((e) => confirmedBy(stored(e.state), this.marks.get(e.state.instance)));
  }

  /** The expiry (epoch seconds) stored with an app's state, if any. */
  expiresAt(ref: AppRef): number | undefined {
    return this.states.get(InMemoryDriftStateStore.key(ref.instance, ref.namespace, ref.name))?.expiresAt;
  }
}
