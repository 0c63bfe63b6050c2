/** Kubernetes label selectors, as the list call's `selector` parameter takes them. */

/** Parses and evaluates a Kubernetes label selector (`=`, `==`, `!=`, `in`, `notin`, `k`, `!k`). */
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
