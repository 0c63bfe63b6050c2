import { matchesSelector } from '../../../functions/lib/argocd';
import { ruleMatches } from '../../../functions/lib/drift';
import { ArgoCDSimulator } from '../../../local/argocd-sim';

const labels = { team: 'payments', env: 'prod', tier: '' };

describe('matchesSelector (the one label-selector grammar)', () => {
  it.each([
    ['', true],
    ['team=payments', true],
    ['team==payments', true],
    ['team=search', false],
    ['team!=search', true],
    ['team!=payments', false],
    ['missing!=x', true],
    ['env in (prod, staging)', true],
    ['env in (dev)', false],
    ['missing in (a)', false],
    ['env notin (dev,staging)', true],
    ['env notin (prod)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!team', false],
    ['team=payments, env in (prod,staging), !missing', true],
    ['team=payments,env in (dev,staging)', false],
  ])('%j -> %s', (selector, expected) => {
    expect(matchesSelector(labels, selector)).toBe(expected);
  });

  it('treats absent labels as an empty set', () => {
    expect(matchesSelector(undefined, 'team notin (a)')).toBe(true);
    expect(matchesSelector(undefined, 'team in (a)')).toBe(false);
  });

  it('selects the same apps for a repair rule as the simulator lists for that selector', () => {
    const sim = new ArgoCDSimulator({
      seed: {
        apps: [
          { name: 'pay-prod', labels: { team: 'payments', env: 'prod' } },
          { name: 'pay-dev', labels: { team: 'payments', env: 'dev' } },
          { name: 'search-prod', labels: { team: 'search', env: 'prod' } },
        ],
      },
    });
    try {
      const selector = 'team in (payments),env notin (dev)';
      const listed = sim.listApps({ selector }).map((a) => a.app.metadata?.name);
      const ruled = sim
        .listApps({})
        .filter((a) => ruleMatches({ selector }, 'default', a.app))
        .map((a) => a.app.metadata?.name);
      expect(listed).toEqual(['pay-prod']);
      expect(ruled).toEqual(listed);
    } finally {
      sim.close();
    }
  });
});
