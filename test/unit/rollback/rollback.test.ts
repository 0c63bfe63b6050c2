import { ArgoCDRegistry } from '../../../functions/lib/argocd';
import { AutoSyncEnabledError, InvalidRollbackTargetError, RollbackNotFoundError, findInHistory, rollbackApplication } from '../../../functions/lib/rollback';
import { startSimWithClient, type SimAndClient } from '../../helpers/argocd-sim';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';

describe('findInHistory', () => {
  const app = {
    status: {
      history: [
        { id: 3, revision: 'aaaaaaa1111' },
        { id: 4, revision: 'bbbbbbb2222' },
        { id: 5, revision: 'aaaaaaa1111' },
      ],
    },
  };

  it('takes digits as a history id and a hex prefix as the newest matching commit', () => {
    expect(findInHistory(app, '4')?.id).toBe(4);
    expect(findInHistory(app, 'AAAAAAA')?.id).toBe(5);
    expect(findInHistory(app, 'ccccccc')).toBeUndefined();
  });

  it('throws not found for an id outside the history and a usage error for a non-sha', () => {
    expect(() => findInHistory(app, '9')).toThrow(RollbackNotFoundError);
    expect(() => findInHistory(app, 'main')).toThrow(InvalidRollbackTargetError);
    expect(() => findInHistory(app, 'abc')).toThrow(InvalidRollbackTargetError);
  });
});

describe('rollbackApplication (simulator, in-memory audit)', () => {
  let sim: SimAndClient;
  let audit: InMemoryAuditStore;
  let deps: { argocd: ArgoCDRegistry; auditStore: InMemoryAuditStore };
  const ref = { instance: 'default', namespace: 'argocd', name: 'web' };

  beforeEach(async () => {
    sim = await startSimWithClient({ syncDurationMs: 5 });
    sim.sim.addApp({ name: 'web', history: 3, source: { repoURL: 'https://github.com/acme/web.git', path: '.', targetRevision: 'main' } });
    sim.sim.addApp({
      name: 'auto',
      history: 2,
      syncPolicy: { automated: { selfHeal: true } },
      source: { repoURL: 'https://github.com/acme/auto.git', path: '.', targetRevision: 'main' },
    });
    audit = new InMemoryAuditStore();
    deps = { argocd: new ArgoCDRegistry([sim.client]), auditStore: audit };
  });
  afterEach(async () => {
    await sim.close();
  });

  it('uses ArgoCD rollback for a history entry and audits the actor', async () => {
    const entry = sim.sim.getApp('web').status!.history![1];
    const result = await rollbackApplication(deps, { ref, to: entry.revision!, actor: 'arn:aws:iam::1:user/ops' });
    expect(result).toMatchObject({ method: 'rollback', historyId: entry.id, revision: entry.revision });
    expect(sim.sim.requestsTo('POST', '/api/v1/applications/web/rollback')[0].body).toMatchObject({ id: entry.id });
    expect(audit.records().filter((r) => r.kind === 'app.rolledback')).toEqual([
      expect.objectContaining({ outcome: 'success', actor: 'arn:aws:iam::1:user/ops' }),
    ]);
  });

  it('refuses an older commit the audit trail never saw, and syncs to one it saw for the repo', async () => {
    const sha = 'c'.repeat(40);
    await expect(rollbackApplication(deps, { ref, to: sha, actor: 'me' })).rejects.toMatchObject({ what: 'commit' });
    await audit.append({ kind: 'webhook.received', outcome: 'success', actor: 'webhook', message: 'push', revision: sha, repo: 'git@github.com:acme/web' });
    const result = await rollbackApplication(deps, { ref, to: sha, actor: 'me' });
    expect(result).toMatchObject({ method: 'sync', revision: sha });
    expect(sim.sim.requestsTo('POST', '/api/v1/applications/web/sync')[0].body).toMatchObject({ revision: sha });
  });

  it('refuses under auto-sync (audited as refused), and with disableAutoSync records the old policy first', async () => {
    const autoRef = { ...ref, name: 'auto' };
    await expect(rollbackApplication(deps, { ref: autoRef, to: '0', actor: 'me' })).rejects.toBeInstanceOf(AutoSyncEnabledError);
    expect(audit.records().map((r) => `${r.kind}:${r.outcome}`)).toEqual(['app.rolledback:refused']);
    const dry = await rollbackApplication(deps, { ref: autoRef, to: '0', actor: 'me', disableAutoSync: true, dryRun: true });
    expect(dry.wouldDisableAutoSync).toBe(true);
    expect(sim.sim.requestsTo('PUT')).toHaveLength(0);
    const done = await rollbackApplication(deps, { ref: autoRef, to: '0', actor: 'me', disableAutoSync: true });
    expect(done.autoSyncDisabled).toEqual({ previousAutomated: { selfHeal: true } });
    expect(audit.records().map((r) => r.kind)).toEqual(['app.rolledback', 'app.autosync.disabled', 'app.rolledback']);
  });

  it('answers not found for an unknown app or instance without calling rollback', async () => {
    await expect(rollbackApplication(deps, { ref: { ...ref, name: 'ghost' }, to: '1', actor: 'me' })).rejects.toMatchObject({ what: 'app' });
    await expect(rollbackApplication(deps, { ref: { ...ref, instance: 'other' }, to: '1', actor: 'me' })).rejects.toMatchObject({ what: 'instance' });
    expect(sim.sim.requestsTo('POST')).toHaveLength(0);
  });
});
