/**
 * The access policy: which principal may take which operator API action on which instance's
 * ArgoCD projects. Built once from the validated `access` configuration; the operator API
 * checks every route through it in one place (functions/operator-api/access.ts).
 */
import type { AccessAction, AccessConfig, AccessRule } from '../config/types';
import { compileGlob, compilePrincipal, type PrincipalMatcher } from './principal';

const globCache = new Map<string, (value: string) => boolean>();
function glob(pattern: string): (value: string) => boolean {
  let m = globCache.get(pattern);
  if (!m) {
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, (m = compileGlob(pattern)));
  }
  return m;
}
import type { AccessDecision, AccessGrant, AccessScope, AccessTarget } from './types';

interface CompiledRule {
  rule: AccessRule;
  principals: PrincipalMatcher[];
  instances: Array<(name: string) => boolean>;
  allInstances: boolean;
  allProjects: boolean;
  projects: Set<string>;
  actions: Set<AccessAction>;
}

function compile(rule: AccessRule): CompiledRule {
  const instances = rule.instances.length ? rule.instances : ['*'];
  return {
    rule,
    principals: rule.principals.map(compilePrincipal),
    instances: instances.map(compileGlob),
    allInstances: instances.some((i) => i === '*' || i === '**'),
    allProjects: rule.projects.includes('*'),
    projects: new Set(rule.projects),
    actions: new Set(rule.actions),
  };
}

function grants(rule: CompiledRule, action: AccessAction): boolean {
  return rule.actions.has(action) || rule.actions.has('admin');
}

function coversInstance(rule: CompiledRule, instance: string | undefined): boolean {
  // A record or request that names no instance is covered only by a rule over every instance.
  return instance === undefined ? rule.allInstances : rule.allInstances || rule.instances.some((m) => m(instance));
}

function coversProject(rule: CompiledRule, project: string | undefined): boolean {
  // Records without a project (scan summaries, deliveries) only for rules over every project.
  return project === undefined ? rule.allProjects : rule.allProjects || rule.projects.has(project);
}

/**
 * One principal's access, as the operator API checks it.
 * @example
 * const policy = new AccessPolicy(config.access);
 * policy.check('local:alice', 'rollback', { instance: 'prod', project: 'payments' }); // { allowed: true }
 */
export class AccessPolicy {
  private readonly rules: CompiledRule[] | undefined;

  /** @param config the validated `access` section; without `rules` every caller may do everything */
  constructor(config: Pick<AccessConfig, 'rules'>) {
    this.rules = config.rules?.map(compile);
  }

  /** True when no rules are configured: every authenticated caller may do everything. */
  get open(): boolean {
    return this.rules === undefined;
  }

  private matching(principal: string, action: AccessAction): CompiledRule[] {
    return (this.rules ?? []).filter((r) => grants(r, action) && r.principals.some((m) => m(principal)));
  }

  /**
   * Whether `principal` may take `action` on `target`.
   * @returns allowed, or refused with a one-line reason naming the principal, the action and the project
   */
  check(principal: string, action: AccessAction, target: AccessTarget): AccessDecision {
    if (!this.rules) return { allowed: true };
    const rules = this.matching(principal, action);
    if (rules.some((r) => coversInstance(r, target.instance) && coversProject(r, target.project))) return { allowed: true };
    const projects = target.project === undefined ? 'all projects' : `project "${target.project}"`;
    const where = `${projects}${target.instance === undefined ? '' : ` on instance "${target.instance}"`}`;
    const why = rules.length ? 'no rule covers it' : 'no rule grants this action to this principal';
    return { allowed: false, reason: `${principal} may not ${action} ${where}: ${why}` };
  }

  /** Whether `principal` may take `action` on at least something (the gate of filtered reads). */
  mayAtAll(principal: string, action: AccessAction): boolean {
    return !this.rules || this.matching(principal, action).length > 0;
  }

  /** Whether `principal` may take `action` on at least one project of `instance`. */
  mayOnInstance(principal: string, action: AccessAction, instance: string): boolean {
    return !this.rules || this.matching(principal, action).some((r) => coversInstance(r, instance));
  }

  /** The principal's reach for one action, to filter reads with {@link scopeAllows}. */
  scope(principal: string, action: AccessAction): AccessScope {
    if (!this.rules) return { principal, action, all: true, grants: [] };
    const rules = this.matching(principal, action);
    const grantList: AccessGrant[] = rules.map((r) => ({
      instances: r.allInstances ? ['*'] : r.rule.instances,
      projects: r.allProjects ? ['*'] : [...r.projects],
    }));
    return { principal, action, all: rules.some((r) => r.allInstances && r.allProjects), grants: grantList };
  }
}

/** Whether a scope lets its principal see a record or app (same rule as {@link AccessPolicy.check}). */
export function scopeAllows(scope: AccessScope, target: AccessTarget): boolean {
  if (scope.all) return true;
  return scope.grants.some((g) => {
    const allInstances = g.instances.some((i) => i === '*' || i === '**');
    const instanceOk = target.instance === undefined ? allInstances : allInstances || g.instances.some((i) => glob(i)(target.instance!));
    const allProjects = g.projects.includes('*');
    const projectOk = target.project === undefined ? allProjects : allProjects || g.projects.includes(target.project);
    return instanceOk && projectOk;
  });
}

/**
 * The narrowest store-level filter that keeps everything a scope may see: the projects (when
 * every grant names projects) and the instances (resolved from globs against the configured
 * names, when no grant covers all of them). Either is undefined when it cannot narrow.
 * Records it lets through are still checked with {@link scopeAllows}.
 */
export function scopeFilter(scope: AccessScope, instanceNames: readonly string[]): { projects?: string[]; instances?: string[] } {
  if (scope.all) return {};
  if (!scope.grants.length) return { projects: [], instances: [] };
  const projects = scope.grants.some((g) => g.projects.includes('*')) ? undefined : [...new Set(scope.grants.flatMap((g) => g.projects))].sort();
  const allInstances = scope.grants.some((g) => g.instances.some((i) => i === '*' || i === '**'));
  const instances = allInstances ? undefined : instanceNames.filter((n) => scope.grants.some((g) => g.instances.some((i) => glob(i)(n))));
  return { ...(projects ? { projects } : {}), ...(instances ? { instances } : {}) };
}
