import { ConfigError, loadConfig } from '../../../functions/lib/config';
import { NotifyRules, parseRetryAfter, resourceLines, slackEscape } from '../../../functions/lib/notify';

describe('NotifyRules', () => {
  const rules = new NotifyRules({
    rules: [
      { events: ['drift.found'], channels: ['all-drift'] },
      { events: ['drift.found', 'deploy.failed'], instances: ['prod-*'], projects: ['payments'], channels: ['payments-prod'] },
      { events: ['deploy.failed'], apps: ['web-*', 'api'], channels: ['web', 'all-drift'] },
    ],
  });

  it('matches on kind alone when a rule has no filters', () => {
    expect(rules.channelsFor({ kind: 'drift.found', app: 'x' })).toEqual(['all-drift']);
    expect(rules.channelsFor({ kind: 'deploy.succeeded', app: 'x' })).toEqual([]);
  });

  it('needs every filter given to match (instance glob and project)', () => {
    expect(rules.channelsFor({ kind: 'drift.found', instance: 'prod-eu', project: 'payments', app: 'a' })).toEqual(['all-drift', 'payments-prod']);
    expect(rules.channelsFor({ kind: 'drift.found', instance: 'staging', project: 'payments', app: 'a' })).toEqual(['all-drift']);
    expect(rules.channelsFor({ kind: 'drift.found', instance: 'prod-eu', project: 'web', app: 'a' })).toEqual(['all-drift']);
  });

  it('does not match a filter when the event lacks the attribute (no project: not placed in payments)', () => {
    expect(rules.channelsFor({ kind: 'deploy.failed', instance: 'prod-eu', app: 'a' })).toEqual([]);
  });

  it('matches app globs and lists each channel once', () => {
    expect(rules.channelsFor({ kind: 'deploy.failed', app: 'web-shop' })).toEqual(['web', 'all-drift']);
    expect(rules.channelsFor({ kind: 'deploy.failed', app: 'api' })).toEqual(['web', 'all-drift']);
    expect(rules.channelsFor({ kind: 'deploy.failed', app: 'apis' })).toEqual([]);
  });

  it('says which kinds any rule wants', () => {
    expect(rules.wants('deploy.failed')).toBe(true);
    expect(rules.wants('app.synced')).toBe(false);
  });
});

describe('notify configuration', () => {
  const load = (notify: unknown) => loadConfig({ SENTINEL_CONFIG_JSON: JSON.stringify({ notify }) });
  const slack = { name: 's', type: 'slack', url: { env: 'SLACK_URL' } };

  it('defaults to no channels and no rules', () => {
    expect(loadConfig({}).notify).toMatchObject({ channels: [], rules: [], maxAttempts: 5, backoffSeconds: 10, maxBackoffSeconds: 900 });
  });

  it('reads channels and rules; an EventBridge channel gets source gitops-sentinel', () => {
    const cfg = load({
      channels: [slack, { name: 'bus', type: 'eventbridge', eventBusName: 'default' }],
      rules: [{ events: ['drift.found'], channels: ['s', 'bus'] }],
      maxAttempts: 3,
    }).notify;
    expect(cfg.channels[1]).toEqual({ name: 'bus', type: 'eventbridge', eventBusName: 'default', source: 'gitops-sentinel' });
    expect(cfg.maxAttempts).toBe(3);
  });

  it.each([
    [{ channels: [{ ...slack, colour: 'red' }] }, 'notify.channels.0.colour', 'unknown key'],
    [{ rules: [{ events: ['drift.found'], channels: ['s'], when: 'always' }], channels: [slack] }, 'notify.rules.0.when', 'unknown key'],
    [{ channels: [slack], rules: [{ events: ['app.synced'], channels: ['s'] }] }, 'notify.rules.0.events.0', 'must be one of'],
    [{ channels: [slack], rules: [{ events: ['drift.found'], channels: ['nope'] }] }, 'notify.rules.0.channels.0', 'no channel named "nope"'],
    [{ channels: [slack, slack] }, 'notify.channels.1.name', 'duplicate channel name'],
    [{ channels: [{ name: 'w', type: 'webhook', url: 'ftp://x', secret: { env: 'S' } }] }, 'notify.channels.0.url', 'http'],
    [{ channels: [{ name: 't', type: 'sns', topicArn: 'my-topic' }] }, 'notify.channels.0.topicArn', 'SNS topic ARN'],
    [{ channels: [{ name: 'w', type: 'webhook', url: 'https://x.example' }] }, 'notify.channels.0.secret', ''],
    [{ channels: [slack], backoffSeconds: 60, maxBackoffSeconds: 30 }, 'notify.backoffSeconds', 'must not exceed'],
  ])('refuses %j naming %s', (notify, key, problem) => {
    let error: unknown;
    try {
      load(notify);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as Error).message).toContain(problem);
  });
});

describe('notification formatting helpers', () => {
  it('parses Retry-After as seconds or an HTTP date, capped at 900 s', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('86400', now)).toBe(900);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('escapes Slack control sequences and drops bidi overrides', () => {
    expect(slackEscape('a <@U123> & <!here> \u202eevil')).toBe('a &lt;@U123&gt; &amp; &lt;!here&gt; evil');
  });

  it('names at most five resources, drifted fields first, then health', () => {
    const resources = Array.from({ length: 7 }, (_, i) => ({ kind: 'Deployment', name: `d${i}`, health: 'Degraded' }));
    const lines = resourceLines({ kind: 'deploy.degraded', id: '1', ts: '', message: '', record: { details: { resources } } as never });
    expect(lines).toEqual([
      'Deployment/d0: Degraded',
      'Deployment/d1: Degraded',
      'Deployment/d2: Degraded',
      'Deployment/d3: Degraded',
      'Deployment/d4: Degraded',
      '… and 2 more',
    ]);
  });
});
