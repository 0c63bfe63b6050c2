/** A caller asked for something the access policy does not grant. Answered 403 with `message`. */
export class AccessDeniedError extends Error {
  readonly principal: string;
  readonly action: string;
  readonly instance?: string;
  readonly project?: string;

  constructor(principal: string, action: string, target: { instance?: string; project?: string }, reason: string) {
    super(reason.replace(/[\r\n]+/g, ' ').slice(0, 500));
    this.name = 'AccessDeniedError';
    this.principal = principal;
    this.action = action;
    this.instance = target.instance;
    this.project = target.project;
  }
}
