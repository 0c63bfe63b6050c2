/** Errors of the anchor module. */

/** Base of every anchor error. */
export class AnchorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AnchorError';
  }
}

/** An exported proof directory that cannot be read (missing public key or records file). */
export class ProofFormatError extends AnchorError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProofFormatError';
  }
}

/** Anchoring was asked for where none is configured (no anchor store or key). */
export class AnchorNotConfiguredError extends AnchorError {
  constructor(message = 'audit anchoring is not configured here', options?: ErrorOptions) {
    super(message, options);
    this.name = 'AnchorNotConfiguredError';
  }
}
