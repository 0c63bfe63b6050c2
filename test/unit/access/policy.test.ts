import { AccessPolicy, compilePrincipal, pathlessRolePattern, roleOfSession, scopeAllows, scopeFilter } from '../../../functions/lib/access';
import type { AccessRule } from '../../../functions/lib/config/types';

const ACC = '123456789012';
const rule = (r: Partial<AccessRule> & Pick<AccessRule, 'principals' | 'projects' | 'actions'>): AccessRule => ({ instances: ['*'], ...r });

describe('principal matching', () => {
  it('matches globs within one ARN part and across parts with **', () => {
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/payments-*`)(`arn:aws:iam::${ACC}:role/payments-oncall`)).toBe(true);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/payments-*`)(`arn:aws:iam::${ACC}:role/platform-oncall`)).toBe(false);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/*`)(`arn:aws:iam::${ACC}:role/teams/payments`)).toBe(false);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/**`)(`arn:aws:iam::${ACC}:role/teams/payments`)).toBe(true);
    expect(compilePrincipal('local:alice')('local:alice')).toBe(true);
    expect(compilePrincipal('local:alice')('local:alice2')).toBe(false);
  });

  it('lets an assumed-role session match a rule written for its role, with or without a path', () => {
    const session = `arn:aws:sts::${ACC}:assumed-role/payments-oncall/alice@example.com`;
    expect(roleOfSession(session)).toBe(`arn:aws:iam::${ACC}:role/payments-oncall`);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/payments-oncall`)(session)).toBe(true);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/teams/payments/payments-oncall`)(session)).toBe(true);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/teams/payments-*`)(session)).toBe(true);
    // Another account, another role: no.
    expect(compilePrincipal(`arn:aws:iam::999999999999:role/payments-oncall`)(session)).toBe(false);
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/platform-oncall`)(session)).toBe(false);
  });

  it('does not let a session match a role rule whose path is a glob (the session ARN does not say the path)', () => {
    expect(pathlessRolePattern(`arn:aws:iam::${ACC}:role/teams/*/payments-oncall`)).toBeUndefined();
    expect(compilePrincipal(`arn:aws:iam::${ACC}:role/teams/*/payments-oncall`)(`arn:aws:sts::${ACC}:assumed-role/payments-oncall/s`)).toBe(false);
  });

  it('does not treat a user or a forged session-like string as a role', () => {
    expect(roleOfSession(`arn:aws:iam::${ACC}:user/alice`)).toBeUndefined();
    expect(roleOfSession(`arn:aws:sts::${ACC}:assumed-role/a/b/c`)).toBeUndefined();
  });
});

describe('AccessPolicy', () => {
  const policy = new AccessPolicy({
    rules: [
      rule({
        principals: [`arn:aws:iam::${ACC}:role/payments-*`, 'local:alice'],
        projects: ['payments'],
        actions: ['read', 'rollback', 'scan', 'clear-flapping'],
      }),
      rule({ principals: ['local:bob'], instances: ['staging-*'], projects: ['*'], actions: ['admin'] }),
      rule({ principals: ['local:root'], projects: ['*'], actions: ['admin'] }),
    ],
  });

  it('is open without rules', () => {
    const open = new AccessPolicy({});
    expect(open.open).toBe(true);
    expect(open.check('anyone', 'import', { instance: 'prod', project: 'x' })).toEqual({ allowed: true });
    expect(open.scope('anyone', 'read').all).toBe(true);
  });

  it('allows each granted action on the rule project and refuses everything else with a reason naming principal, action and project', () => {
    for (const action of ['read', 'rollback', 'scan', 'clear-flapping'] as const) {
      expect(policy.check('local:alice', action, { instance: 'prod', project: 'payments' }).allowed).toBe(true);
    }
    const other = policy.check('local:alice', 'rollback', { instance: 'prod', project: 'platform' });
    expect(other).toEqual({ allowed: false, reason: expect.stringMatching(/local:alice may not rollback project "platform" on instance "prod"/) });
    for (const action of ['verify', 'export', 'import', 'admin'] as const) {
      const d = policy.check('local:alice', action, { instance: 'prod', project: 'payments' });
      expect(d).toMatchObject({ allowed: false, reason: expect.stringContaining(`may not ${action}`) });
    }
    expect(policy.check('local:mallory', 'read', { instance: 'prod', project: 'payments' })).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no rule grants this action to this principal'),
    });
  });

  it('lets admin grant every action, within the rule instances only', () => {
    for (const action of ['read', 'verify', 'rollback', 'scan', 'clear-flapping', 'export', 'import'] as const) {
      expect(policy.check('local:bob', action, { instance: 'staging-eu', project: 'anything' }).allowed).toBe(true);
      expect(policy.check('local:bob', action, { instance: 'prod', project: 'anything' }).allowed).toBe(false);
    }
    expect(policy.mayOnInstance('local:bob', 'scan', 'staging-eu')).toBe(true);
    expect(policy.mayOnInstance('local:bob', 'scan', 'prod')).toBe(false);
  });

  it('shows records without a project only to rules over every project (and without an instance only over every instance)', () => {
    const alice = policy.scope('local:alice', 'read');
    expect(alice.all).toBe(false);
    expect(scopeAllows(alice, { instance: 'prod', project: 'payments' })).toBe(true);
    expect(scopeAllows(alice, { instance: 'prod', project: 'platform' })).toBe(false);
    expect(scopeAllows(alice, { instance: 'prod' })).toBe(false);
    expect(scopeAllows(alice, {})).toBe(false);
    const bob = policy.scope('local:bob', 'read');
    expect(scopeAllows(bob, { instance: 'staging-eu' })).toBe(true);
    expect(scopeAllows(bob, {})).toBe(false);
    expect(policy.scope('local:root', 'read').all).toBe(true);
    expect(policy.check('local:root', 'verify', {}).allowed).toBe(true);
    expect(policy.check('local:alice', 'read', {}).allowed).toBe(false);
  });

  it('narrows store queries to the projects and resolved instances of the scope', () => {
    expect(scopeFilter(policy.scope('local:alice', 'read'), ['prod', 'staging-eu'])).toEqual({ projects: ['payments'] });
    expect(scopeFilter(policy.scope('local:bob', 'read'), ['prod', 'staging-eu', 'staging-us'])).toEqual({ instances: ['staging-eu', 'staging-us'] });
    expect(scopeFilter(policy.scope('local:root', 'read'), ['prod'])).toEqual({});
    expect(scopeFilter(policy.scope('local:nobody', 'read'), ['prod'])).toEqual({ projects: [], instances: [] });
  });
});
