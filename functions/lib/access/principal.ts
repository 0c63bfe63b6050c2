/**
 * Principal matching: globs (picomatch) over principal names, and IAM's two spellings of a
 * role. API Gateway reports a caller who assumed a role as its session ARN
 * (`arn:aws:sts::ACC:assumed-role/ROLE/SESSION`), without the role's path, while policies are
 * written for the role (`arn:aws:iam::ACC:role/PATH/ROLE`); both are brought to the path-less
 * role ARN before matching.
 */
import picomatch from 'picomatch';

const SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
const ROLE_ARN = /^arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):role\/(.+)$/;
const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** The path-less role ARN a session ARN stands for, or undefined for anything else. */
export function roleOfSession(principal: string): string | undefined {
  const m = SESSION_ARN.exec(principal);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/**
 * The path-less form of a role ARN pattern, for matching sessions. A pattern whose path holds
 * glob characters yields nothing: a session ARN does not say which path its role has, so such
 * a rule cannot be proven to cover the session and does not (deny by default).
 */
export function pathlessRolePattern(pattern: string): string | undefined {
  const m = ROLE_ARN.exec(pattern);
  if (!m) return undefined;
  const parts = m[3].split('/');
  const name = parts.pop()!;
  if (parts.some((p) => GLOB_CHARS.test(p))) return undefined;
  return `arn:${m[1]}:iam::${m[2]}:role/${name}`;
}

/** A compiled principal glob. */
export type PrincipalMatcher = (principal: string) => boolean;

/**
 * Compiles a principal glob. `*` stays within one `/`-separated part of an ARN, `**` crosses them.
 * @example compilePrincipal('arn:aws:iam::123456789012:role/payments-*')('arn:aws:sts::123456789012:assumed-role/payments-oncall/alice') // true
 */
export function compilePrincipal(pattern: string): PrincipalMatcher {
  const direct = picomatch(pattern, { dot: true, nobrace: false });
  const pathless = pathlessRolePattern(pattern);
  const viaRole = pathless ? picomatch(pathless, { dot: true }) : undefined;
  return (principal) => {
    if (direct(principal)) return true;
    const role = roleOfSession(principal);
    return !!(role && viaRole?.(role));
  };
}

/** Compiles an instance-name glob. */
export function compileGlob(pattern: string): (value: string) => boolean {
  return picomatch(pattern, { dot: true });
}
