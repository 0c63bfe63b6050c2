/**
 * Which channels an event goes to: the rules of `notify.rules`, compiled once. A rule matches
 * when the event's kind is listed and each filter given (instances, projects, apps: picomatch
 * globs) matches; an event without the attribute a filter names (e.g. no project) does not match
 * that filter, so a rule scoped to `prod-*` never fires for an event it cannot place.
 */
import picomatch from 'picomatch';
import type { NotifyConfig, NotifyRule } from '../config/types';
import type { NotificationEvent } from './types';

type Matcher = (value: string) => boolean;

interface CompiledRule {
  events: Set<string>;
  instances?: Matcher[];
  projects?: Matcher[];
  apps?: Matcher[];
  channels: string[];
}

const compileList = (globs: string[] | undefined): Matcher[] | undefined => globs?.map((g) => picomatch(g, { dot: true }));

function compile(rule: NotifyRule): CompiledRule {
  return {
    events: new Set(rule.events),
    instances: compileList(rule.instances),
    projects: compileList(rule.projects),
    apps: compileList(rule.apps),
    channels: rule.channels,
  };
}

const passes = (matchers: Matcher[] | undefined, value: string | undefined): boolean =>
  matchers === undefined || (value !== undefined && matchers.some((m) => m(value)));

/** The compiled rules of one configuration. */
export class NotifyRules {
  readonly #rules: CompiledRule[];
  readonly #kinds: Set<string>;

  constructor(config: Pick<NotifyConfig, 'rules'>) {
    this.#rules = config.rules.map(compile);
    this.#kinds = new Set(config.rules.flatMap((r) => r.events));
  }

  /** True when some rule names this kind (cheap pre-check before building an event). */
  wants(kind: string): boolean {
    return this.#kinds.has(kind);
  }

  /** The channel names the event goes to, each once, in rule order. */
  channelsFor(event: Pick<NotificationEvent, 'kind' | 'instance' | 'project' | 'app'>): string[] {
    const out = new Set<string>();
    for (const r of this.#rules) {
      if (!r.events.has(event.kind)) continue;
      if (!passes(r.instances, event.instance) || !passes(r.projects, event.project) || !passes(r.apps, event.app)) continue;
      for (const c of r.channels) out.add(c);
    }
    return [...out];
  }
}
