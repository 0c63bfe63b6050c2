/**
 * Errors thrown by the audit module. Every one extends {@link AuditError}, so callers
 * (the operator API, the CLI) can map the whole family with one `instanceof`.
 */

/** Base of every audit error. */
export class AuditError extends Error {
  /**
   * @param message what went wrong, never containing record details or secrets
   * @param options standard `ErrorOptions`, so `cause` survives
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuditError';
  }
}

/**
 * A query cursor that this store did not issue for this query: tampered with,
 * truncated, signed with another key, or issued for different filters.
 * The operator API answers it with 400.
 */
export class InvalidCursorError extends AuditError {
  constructor(message = 'invalid audit cursor', options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidCursorError';
  }
}

/**
 * An append lost the race for its chain head more times than allowed. Nothing was
 * written; the caller may retry the append as a whole.
 */
export class AuditConflictError extends AuditError {
  /** The chain whose head kept moving. */
  readonly chain: string;
  /** How many conditional writes were tried. */
  readonly attempts: number;

  constructor(chain: string, attempts: number, options?: ErrorOptions) {
    super(`gave up appending to audit chain ${chain} after ${attempts} conflicting attempts`, options);
    this.name = 'AuditConflictError';
    this.chain = chain;
    this.attempts = attempts;
  }
}
