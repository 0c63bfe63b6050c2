/**
 * The `sentinel` CLI: operators query the audit trail, verify it, look at drift, apps and
 * statistics, roll back, and export/import for disaster recovery — all through the operator
 * API, so nobody needs an ArgoCD token and every action is audited with the caller's identity.
 * `run(argv, io)` is the whole program, so tests drive it in-process; `cli/bin/sentinel.js` calls it.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerAudit } from './commands/audit';
import { registerDr } from './commands/dr';
import { registerOps } from './commands/ops';
import { CliError, EXIT } from './errors';
import type { CliIO } from './output';

export { EXIT } from './errors';
export type { CliIO } from './output';

/** Builds the command tree, writing help and errors to `io`. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('sentinel')
    .description('gitops-sentinel operator CLI: audit trail, drift, apps, rollback, statistics, disaster recovery')
    .version('0.1.0')
    .addOption(new Option('--api <url>', 'operator API base URL; non-local URLs are signed with SigV4 (default $SENTINEL_API_URL or http://127.0.0.1:8080)'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .option('--json', 'same as -o json')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 error, 2 chain break (audit verify) or drift found (drift --exit-code), 3 usage, 4 not found.\nDocs: docs/cli.md',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  registerAudit(program, io);
  registerOps(program, io);
  registerDr(program, io);
  return program;
}

/**
 * Runs the CLI and resolves to its exit code (never calls `process.exit`).
 * @param argv arguments after the program name, e.g. `['audit', '--app', 'guestbook']`
 * @example
 * const code = await run(['apps', '--json'], { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' || error.exitCode === 0)
        return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`sentinel: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`sentinel: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.error;
  }
}
