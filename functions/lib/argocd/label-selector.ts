/**
 * Kubernetes label selectors, as ArgoCD's list call takes them (`selector` parameter). The one
 * grammar of the repository: the repair policy's config rules and the simulator's list filter
 * both evaluate through it, so a rule selects the apps ArgoCD would list for the same selector.
 * No imports: the simulator and the drift module take it without the client.
 */

/**
 * Whether `labels` satisfy a label selector: comma-separated terms, all of which must hold;
 * `k=v`, `k==v`, `k!=v` (true when `k` is absent), `k in (a,b)`, `k notin (a,b)` (true when
 * `k` is absent), `k` (present), `!k` (absent). An empty selector matches everything.
 * @example matchesSelector({ team: 'pay', env: 'prod' }, 'team=pay,env in (prod,staging)') // true
 */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  const terms = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    if (!t) return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const set = m[3].split(',').map((s) => s.trim());
      const has = m[1] in l && set.includes(l[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    m = /^([^!=\s]+)\s*(!=|==|=)\s*(.*)$/.exec(t);
    if (m) {
      const v = l[m[1]];
      return m[2] === '!=' ? v !== m[3].trim() : v === m[3].trim();
    }
    if (t.startsWith('!')) return !(t.slice(1).trim() in l);
    return t in l;
  });
}
