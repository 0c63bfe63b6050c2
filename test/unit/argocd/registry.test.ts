import { createArgoCDClients } from '../../../functions/lib/argocd';
import { parseCron, cronMatches, parseGoDuration } from '../../../local/argocd-sim';
import { startSimWithClient, type SimAndClient } from '../../helpers/argocd-sim';

describe('createArgoCDClients', () => {
  let env: SimAndClient;
  beforeEach(async () => {
    env = await startSimWithClient();
    env.sim.addApp({ name: 'guestbook', source: { repoURL: 'https://github.com/a/b.git', path: '.', targetRevision: 'HEAD' } });
  });
  afterEach(() => env.close());

  it('gives clients by instance name whose tokens come from the secrets provider and refresh after a 401', async () => {
    const get = jest.fn(async () => 'stale-token-000000');
    const refresh = jest.fn(async () => env.token);
    const registry = createArgoCDClients(
      {
        instances: [{ name: 'default', server: env.url, token: { env: 'ARGOCD_AUTH_TOKEN' }, insecure: false, namespace: 'argocd' }],
        argocd: { timeoutMs: 2000, retries: 1, backoffMs: 1, concurrency: 4 },
      },
      { get, refresh },
    );
    try {
      expect(registry.names).toEqual(['default']);
      expect(() => registry.get('staging')).toThrow(TypeError);
      const apps = await registry.get('default').listApplications();
      expect(apps).toHaveLength(1);
      expect(get).toHaveBeenCalledWith({ env: 'ARGOCD_AUTH_TOKEN' });
      expect(refresh).toHaveBeenCalledTimes(1);
    } finally {
      registry.close();
    }
  });
});

describe('simulator cron and durations', () => {
  it('matches weekday ranges and steps, and ORs day-of-month with day-of-week', () => {
    const weekdays = parseCron('*/15 8-17 * * mon-fri');
    expect(cronMatches(weekdays, new Date('2025-03-04T08:30:00Z'))).toBe(true); // Tuesday
    expect(cronMatches(weekdays, new Date('2025-03-08T08:30:00Z'))).toBe(false); // Saturday
    expect(cronMatches(weekdays, new Date('2025-03-04T08:31:00Z'))).toBe(false);
    const both = parseCron('0 0 1 * 0');
    expect(cronMatches(both, new Date('2025-03-02T00:00:00Z'))).toBe(true); // a Sunday, not the 1st
    expect(() => parseCron('0 0 * *')).toThrow();
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(() => parseGoDuration('1d')).toThrow();
  });
});
