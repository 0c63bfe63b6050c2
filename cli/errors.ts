/** Exit codes and the CLI's error type. */

/**
 * Exit codes scripts can rely on (docs/cli.md): 0 ok, 1 error, 2 a chain break (`audit verify`)
 * or drift found (`drift --exit-code`), 3 usage (bad option, or the API refused a parameter),
 * 4 not found (instance, app, commit).
 */
export const EXIT = { ok: 0, error: 1, finding: 2, usage: 3, notFound: 4 } as const;

/** An error that ends the CLI with a given exit code and a one-line message on stderr. */
export class CliError extends Error {
  /** Exit code to end with. */
  readonly exitCode: number;

  constructor(exitCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
