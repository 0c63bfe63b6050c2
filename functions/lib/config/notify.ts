import { stripUndefined } from '../runtime/objects';
import { defaults } from './defaults';
import { ConfigError } from './errors';
import type { ConfigFile } from './schema';
import type { NotifyChannelConfig, NotifyConfig } from './types';

/**
 * The `notify` section with its defaults, checked beyond the schema: channel names are unique
 * and every rule names defined channels, so a typo fails at load, not at the first event.
 * @param source where the file came from, for errors
 * @throws ConfigError naming the offending key
 */
export function notifyConfigOf(file: ConfigFile['notify'], source: string): NotifyConfig {
  const channels: NotifyChannelConfig[] = (file?.channels ?? []).map((c) => (c.type === 'eventbridge' ? { ...c, source: c.source ?? 'gitops-sentinel' } : c));
  const names = new Set<string>();
  channels.forEach((c, n) => {
    if (names.has(c.name)) throw new ConfigError(`notify.channels.${n}.name`, source, `duplicate channel name "${c.name}"`);
    names.add(c.name);
  });
  const rules = file?.rules ?? [];
  rules.forEach((r, n) =>
    r.channels.forEach((c, k) => {
      if (!names.has(c)) throw new ConfigError(`notify.rules.${n}.channels.${k}`, source, `no channel named "${c}" under notify.channels`);
    }),
  );
  const d = defaults.notify;
  const cfg: NotifyConfig = {
    channels,
    rules,
    maxAttempts: file?.maxAttempts ?? d.maxAttempts,
    backoffSeconds: file?.backoffSeconds ?? d.backoffSeconds,
    maxBackoffSeconds: file?.maxBackoffSeconds ?? d.maxBackoffSeconds,
    timeoutMs: file?.timeoutMs ?? d.timeoutMs,
    dedupeHours: file?.dedupeHours ?? d.dedupeHours,
    refusedSpike: { ...d.refusedSpike, ...stripUndefined(file?.refusedSpike ?? {}) },
  };
  if (cfg.backoffSeconds > cfg.maxBackoffSeconds)
    throw new ConfigError('notify.backoffSeconds', source, `must not exceed notify.maxBackoffSeconds (${cfg.maxBackoffSeconds})`);
  return cfg;
}
