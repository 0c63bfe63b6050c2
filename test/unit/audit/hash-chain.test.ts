import { ChainVerifier, canonicalJson, computeHash, sealRecord } from '../../../functions/lib/audit/hash-chain';
import { redact, isSecretKey } from '../../../functions/lib/audit/redact';
import { chainFor, newAuditId, prepareRecord } from '../../../functions/lib/audit/records';
import { planQuery, MAX_LIMIT } from '../../../functions/lib/audit/query-plan';
import type { AuditRecord } from '../../../functions/lib/audit/types';

const NOW = new Date('2024-05-10T12:00:00.000Z');

function chainOf(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let seq = 0; seq < n; seq++) {
    out.push(
      sealRecord({
        id: `id${seq}`,
        ts: `2024-05-10T12:00:0${seq}.000Z`,
        kind: 'app.synced',
        outcome: 'success',
        actor: 'test',
        message: `m${seq}`,
        chain: 'c',
        seq,
        prevHash: seq === 0 ? '' : out[seq - 1].hash,
      }),
    );
  }
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"z":1}]},"b":1}');
  });

  it('gives the same string whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2], z: null })).toBe(canonicalJson({ z: null, y: [1, 2], x: 1 }));
  });

  it('refuses bigint and circular structures with a TypeError', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    expect(() => canonicalJson(loop)).toThrow(TypeError);
  });
});

describe('computeHash', () => {
  it('ignores the hash attribute and covers prevHash', () => {
    const [r] = chainOf(1);
    expect(computeHash(r)).toBe(r.hash);
    expect(computeHash({ ...r, hash: 'whatever' })).toBe(r.hash);
    expect(computeHash({ ...r, prevHash: 'x' })).not.toBe(r.hash);
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain', () => {
    const v = new ChainVerifier('c');
    chainOf(5).forEach((r) => v.add(r));
    expect(v.finish()).toEqual([]);
    expect(v.records).toBe(5);
  });

  it('reports an altered record, a gap, a replaced record and a missing start', () => {
    const recs = chainOf(6);
    const v = new ChainVerifier('c');
    [recs[1], { ...recs[2], message: 'edited' }, recs[4], sealRecord({ ...recs[5], prevHash: 'forged' })].forEach((r) => v.add(r));
    expect(v.finish().map((b) => [b.reason, b.seq])).toEqual([
      ['missing-start', 0],
      ['hash-mismatch', 2],
      ['gap', 3],
      ['prev-hash-mismatch', 5],
    ]);
  });

  it('reports an empty named chain as missing its start', () => {
    expect(new ChainVerifier('c').finish().map((b) => b.reason)).toEqual(['missing-start']);
  });
});

describe('redact', () => {
  it('drops keys named like secrets at any depth, inside arrays too', () => {
    const out = redact({
      app: 'guestbook',
      token: 't',
      argocdAuthToken: 't',
      nested: { password: 'p', Authorization: 'Bearer x', webhookSecret: 's', ok: 1 },
      list: [{ apiKey: 'k', name: 'n' }],
    });
    expect(out).toEqual({ app: 'guestbook', nested: { ok: 1 }, list: [{ name: 'n' }] });
    expect(JSON.stringify(out)).not.toMatch(/Bearer|"t"|"p"|"s"|"k"/);
  });

  it('returns plain JSON values (dates as ISO strings)', () => {
    expect(redact({ at: new Date(0), skip: undefined })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(redact(undefined)).toBeUndefined();
  });

  it('recognises the usual secret names', () => {
    for (const k of ['token', 'X-Gitlab-Token', 'client_secret', 'passwd', 'authorization', 'api-key', 'credentials', 'cookie'])
      expect(isSecretKey(k)).toBe(true);
    for (const k of ['app', 'revision', 'changedFiles', 'pusher']) expect(isSecretKey(k)).toBe(false);
  });
});

describe('prepareRecord and chainFor', () => {
  it('normalises ts, fills the app instance and namespace and drops empty optional strings', () => {
    const r = prepareRecord(
      { kind: 'app.synced', outcome: 'success', actor: 'a', message: 'm', app: 'guestbook', deliveryId: '', ts: '2024-05-10T12:00:00Z' },
      NOW,
    );
    expect(r).toMatchObject({ ts: '2024-05-10T12:00:00.000Z', instance: 'default', namespace: 'argocd', app: 'guestbook' });
    expect(r).not.toHaveProperty('deliveryId');
    expect(chainFor(r)).toBe('app#default#argocd#guestbook');
  });

  it('puts records without an app on a sharded system chain of their UTC day', () => {
    const chains = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = prepareRecord({ kind: 'webhook.received', outcome: 'info', actor: 'a', message: 'm', deliveryId: `d-${i}` }, NOW);
      chains.add(chainFor(r, 16));
    }
    expect([...chains].every((c) => /^sys#2024-05-10#([0-9]|1[0-5])$/.test(c))).toBe(true);
    expect(chains.size).toBeGreaterThan(12);
  });

  it('does not let a delivery id (a header anyone can send) choose the shard', () => {
    // The attacker sends 200 requests all carrying the same delivery id, hoping to pile them on one chain head.
    const chains = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = prepareRecord({ kind: 'webhook.refused', outcome: 'refused', actor: 'a', message: 'm', deliveryId: 'attacker-chosen' }, NOW);
      chains.add(chainFor(r, 16));
    }
    expect(chains.size).toBeGreaterThan(12);
  });

  it('rejects unusable input with a TypeError naming the field', () => {
    expect(() => prepareRecord({ kind: 'app.synced', outcome: 'success', actor: '', message: 'm' }, NOW)).toThrow(/actor/);
    expect(() => prepareRecord({ kind: 'app.synced', outcome: 'success', actor: 'a', message: 'm', ts: 'yesterday' }, NOW)).toThrow(/ts/);
  });

  it('replaces oversized details with a marker', () => {
    const r = prepareRecord({ kind: 'app.synced', outcome: 'success', actor: 'a', message: 'm', details: { blob: 'x'.repeat(70_000) } }, NOW);
    expect(r.details).toEqual({ truncated: true, bytes: expect.any(Number) });
  });

  it('makes ids that sort by time', () => {
    expect(newAuditId(1000) < newAuditId(2000)).toBe(true);
    expect(newAuditId(1000)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('planQuery', () => {
  const settings = { defaultInstance: 'default', defaultNamespace: 'argocd' };
  it('picks delivery, then revision, then app, then day, keeping the rest as filters', () => {
    expect(planQuery({ deliveryId: 'd', revision: 'r', kind: 'app.synced' }, NOW, settings)).toMatchObject({
      path: 'delivery',
      key: 'd',
      filters: { revision: 'r', kind: 'app.synced' },
    });
    expect(planQuery({ revision: 'r', instance: 'i' }, NOW, settings)).toMatchObject({ path: 'revision', filters: { instance: 'i' } });
    expect(planQuery({ app: 'a', instance: 'i' }, NOW, settings)).toMatchObject({ path: 'app', key: 'i#argocd#a', filters: {} });
    expect(planQuery({}, NOW, settings)).toMatchObject({ path: 'day', from: '2024-05-03T12:00:00.000Z', to: '2024-05-10T12:00:00.000Z' });
  });

  it('caps the limit, defaults it to 50 and refuses nonsense', () => {
    expect(planQuery({ limit: 5000 }, NOW, settings).limit).toBe(MAX_LIMIT);
    expect(planQuery({}, NOW, settings).limit).toBe(50);
    expect(() => planQuery({ limit: 0 }, NOW, settings)).toThrow(TypeError);
  });

  it('reads a date-only `to` as the end of that day', () => {
    expect(planQuery({ to: '2024-05-01' }, NOW, settings).to).toBe('2024-05-01T23:59:59.999Z');
  });
});
