/** Errors of the statistics module (the operator API answers them with 400). */

/** A range that cannot be used; names the parameter. */
export class StatsRangeError extends Error {
  /** `from` or `to`. */
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super(message);
    this.name = 'StatsRangeError';
    this.parameter = parameter;
  }
}
