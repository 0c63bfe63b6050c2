/** Errors of the disaster-recovery module (mapped to HTTP by the operator API, to exit codes by the CLI). */

/** Base of every DR error. */
export class DrError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DrError';
  }
}

/** A request or a file is unusable; names the parameter or file at fault. */
export class DrValidationError extends DrError {
  /** The parameter (API) or file (CLI) at fault. */
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DrValidationError';
    this.parameter = parameter;
  }
}

/** An export directory whose files do not match its manifest (edited, missing or added files). */
export class ManifestMismatchError extends DrError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ManifestMismatchError';
  }
}
