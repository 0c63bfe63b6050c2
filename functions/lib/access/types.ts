import type { AccessAction } from '../config/types';

export type { AccessAction, AccessRule, AccessConfig } from '../config/types';

/** What a check is about: an instance and an ArgoCD project, either unknown for records that have none. */
export interface AccessTarget {
  instance?: string;
  project?: string;
}

/** The instances and projects one principal may act on for one action. */
export interface AccessGrant {
  /** Instance name globs. */
  instances: string[];
  /** Project names, or `*` for all. */
  projects: string[];
}

/**
 * A principal's reach for one action, used to filter reads. `all` means no filtering at all.
 * Otherwise a record or app is visible when {@link AccessScope.allows} says so.
 */
export interface AccessScope {
  principal: string;
  action: AccessAction;
  /** Every instance and every project, including records that name neither. */
  all: boolean;
  /** The grants behind the scope (empty: nothing visible). */
  grants: AccessGrant[];
}

/** The outcome of a check: allowed, or refused with a one-line reason. */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string };
