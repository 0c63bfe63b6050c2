/** A configuration value is missing or invalid. The message names the key and where it came from. */
export class ConfigError extends Error {
  /** Dotted key path, e.g. `instances.0.server`, or the environment variable name. */
  readonly key: string;
  /** The file or `environment` the bad value came from. */
  readonly source: string;
  /** The reason alone, without key and source (to re-raise it with another source). */
  readonly problem: string;

  constructor(key: string, source: string, problem: string, options?: ErrorOptions) {
    super(`invalid configuration: ${key} (${source}): ${problem}`, options);
    this.name = 'ConfigError';
    this.key = key;
    this.source = source;
    this.problem = problem;
  }
}
