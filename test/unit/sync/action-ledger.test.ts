import { ActionLedger, processPush } from '../../../functions/lib/sync';
import type { AuditInput } from '../../../functions/lib/audit/types';
import { createTestTables } from '../../helpers/dynamo';
import { auditOf, pushMessage, startSyncEnv, webSeed } from './fixtures';

describe('ActionLedger', () => {
  const app = { instance: 'default', namespace: 'argocd', name: 'web' };

  it('lets one receive claim an action; done stays done, failed may be claimed again', async () => {
    // Prepare
    const t = await createTestTables('ledger');
    const ledger = new ActionLedger({ doc: t.doc, tableName: t.names.state });

    // Act
    const first = await ledger.claim('d1', app);
    const rival = await ledger.claim('d1', app);
    if (!first.claimed) throw new Error('first claim failed');
    await ledger.complete('d1', app, first.owner, 'failed', { message: 'boom' });
    const retry = await ledger.claim('d1', app);
    if (!retry.claimed) throw new Error('retry claim failed');
    const stale = await ledger.complete('d1', app, first.owner, 'done');
    await ledger.complete('d1', app, retry.owner, 'done', { message: 'refreshed' });
    const after = await ledger.claim('d1', app);

    // Assess
    expect(rival).toMatchObject({ claimed: false, existing: { status: 'pending' } });
    expect(stale).toBe(false);
    expect(after).toMatchObject({ claimed: false, existing: { status: 'done', message: 'refreshed', pk: 'action#d1', sk: 'default#argocd#web' } });
    const item = await ledger.get('d1', app);
    expect(item!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 4 * 86_400);
    t.client.destroy();
  });

  it('hands a pending claim over once its lease ran out (its receive died)', async () => {
    // Prepare
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const t = await createTestTables('ledger');
    const ledger = new ActionLedger({ doc: t.doc, tableName: t.names.state, leaseSeconds: 10, now: () => new Date(clock) });
    await ledger.claim('d2', app);

    // Act
    const within = await ledger.claim('d2', app);
    clock += 10_001;
    const after = await ledger.claim('d2', app);

    // Assess
    expect(within.claimed).toBe(false);
    expect(after.claimed).toBe(true);
    t.client.destroy();
  });
});

describe('processPush and a lost audit write', () => {
  it('re-appends the stored record on the redelivery instead of acting again', async () => {
    // Prepare: the audit append of `web` fails once, after the claim was marked done
    const env = await startSyncEnv({ default: webSeed() });
    const realAppend = env.audit.append.bind(env.audit);
    let failed = false;
    env.deps.auditStore = {
      append: async (input: AuditInput) => {
        if (input.app === 'web' && !failed) {
          failed = true;
          throw new Error('ProvisionedThroughputExceededException');
        }
        return realAppend(input);
      },
      query: (q) => env.audit.query(q),
      verify: (o) => env.audit.verify(o),
    };
    const message = pushMessage();

    // Act
    const first = await processPush(message, env.deps, { receiveCount: 1, maxReceiveCount: 3 }).catch((e: Error) => e);
    const second = await processPush(message, env.deps, { receiveCount: 2, maxReceiveCount: 3 });

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second.complete).toBe(true);
    expect(env.sims.default.sim.refreshes.filter((r) => r.name === 'web')).toHaveLength(1);
    const records = (await auditOf(env.audit, message.push.deliveryId)).filter((r) => r.app === 'web');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'app.refreshed', details: expect.objectContaining({ receiveCount: 1 }) });
    await env.close();
  });
});
