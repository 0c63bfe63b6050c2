/** What every command gets: the API client, the output format and the IO. */
import type { Command } from 'commander';
import { ApiClient, DEFAULT_API_URL } from './api-client';
import { CliError, EXIT } from './errors';
import type { CliIO, OutputFormat } from './output';

/** Per-invocation context of a command. */
export interface CommandContext {
  api: ApiClient;
  format: OutputFormat;
  io: CliIO;
}

/** Builds the context from the global options (`--api`, `-o`, `--json`). */
export function contextOf(cmd: Command, io: CliIO): CommandContext {
  const opts = cmd.optsWithGlobals<{ api?: string; output?: string; json?: boolean }>();
  const format = (opts.json ? 'json' : (opts.output ?? 'table')) as OutputFormat;
  if (!['table', 'json', 'yaml'].includes(format)) throw new CliError(EXIT.usage, `--output must be table, json or yaml, got "${format}"`);
  const baseUrl = opts.api ?? io.env.SENTINEL_API_URL ?? DEFAULT_API_URL;
  return { api: new ApiClient({ baseUrl, env: io.env, fetch: io.fetch }), format, io };
}

/** Parses a positive integer option. */
export function intOption(name: string, min = 1) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new CliError(EXIT.usage, `${name} must be an integer >= ${min}, got "${value}"`);
    return Number(value);
  };
}
