/**
 * `fields=` projection of the list call, as ArgoCD's list forwarder does it
 * (pkg/apiclient/application/forwarder_overwrite.go, `appFields` / `processAppFields`):
 * only a fixed set of fields can be selected (../shared/reference/argocd/NOTES.md lists
 * it); `fields=a,b` keeps the named ones, `fields=-a,b` keeps every selectable field but
 * the named ones. Names are `items.<field>`; anything else, and fields outside the set
 * (`status.history`, `status.conditions`, ...), is ignored. A projected item has only what
 * was kept: no `apiVersion`, `kind` or other metadata; empty values are left out.
 */
import type { V1alpha1Application } from '../../functions/lib/argocd/generated/models';

type Getter = (app: V1alpha1Application) => unknown;

/** The selectable fields and how each is read, in ArgoCD's order. */
export const SELECTABLE_APP_FIELDS: ReadonlyArray<readonly [string, Getter]> = [
  ['metadata.name', (a) => a.metadata?.name],
  ['metadata.namespace', (a) => a.metadata?.namespace],
  ['metadata.annotations', (a) => a.metadata?.annotations],
  ['metadata.labels', (a) => a.metadata?.labels],
  ['metadata.creationTimestamp', (a) => a.metadata?.creationTimestamp],
  ['metadata.deletionTimestamp', (a) => a.metadata?.deletionTimestamp],
  ['spec', (a) => a.spec],
  ['spec.destination', (a) => a.spec?.destination],
  ['spec.project', (a) => a.spec?.project],
  ['spec.source', (a) => a.spec?.source],
  ['spec.sources', (a) => a.spec?.sources],
  ['spec.sourceHydrator', (a) => a.spec?.sourceHydrator],
  ['spec.syncPolicy', (a) => a.spec?.syncPolicy],
  ['status.sourceHydrator', (a) => a.status?.sourceHydrator],
  ['status.sync.status', (a) => a.status?.sync?.status],
  ['status.sync.revision', (a) => a.status?.sync?.revision],
  ['status.health', (a) => a.status?.health],
  ['status.summary', (a) => a.status?.summary],
  ['status.operationState.startedAt', (a) => a.status?.operationState?.startedAt],
  ['status.operationState.finishedAt', (a) => a.status?.operationState?.finishedAt],
  ['status.resources', (a) => (a.status?.resources?.length ? a.status.resources : undefined)],
  ['operation.sync', (a) => a.operation?.sync],
  ['status.operationState.phase', (a) => a.status?.operationState?.phase],
  // ArgoCD's getter for this name returns the operation's syncResult, not operation.sync.
  ['status.operationState.operation.sync', (a) => a.status?.operationState?.syncResult],
];

/** A parsed `fields` parameter. */
export interface FieldSelection {
  fields: Set<string>;
  exclude: boolean;
}

/** Parses `fields=`; undefined when absent or empty (no projection). */
export function parseFieldSelection(value: string | undefined | null): FieldSelection | undefined {
  if (!value) return undefined;
  const exclude = value.startsWith('-');
  return { fields: new Set((exclude ? value.slice(1) : value).split(',')), exclude };
}

/** Whether the field, or a field containing it (`spec` for `spec.project`), was named. */
function named(sel: FieldSelection, field: string): boolean {
  for (let i = field.length; i > 0; i = field.lastIndexOf('.', i - 1)) {
    if (sel.fields.has(`items.${field.slice(0, i)}`)) return true;
  }
  return false;
}

/** A selection resolved against the selectable set: what each item keeps, and where. */
export interface CompiledSelection {
  /** Identifies the selection (cache key of projected items). */
  key: string;
  kept: ReadonlyArray<{ get: Getter; parents: string[]; leaf: string }>;
}

/**
 * Resolves a selection once per list call (the same for every item): which selectable fields it
 * keeps, in ArgoCD's order, leaving out a field inside one already kept (`spec` and `spec.project`
 * both named: the whole spec already holds the part).
 */
export function compileSelection(sel: FieldSelection): CompiledSelection {
  const kept: Array<{ get: Getter; parents: string[]; leaf: string }> = [];
  const placed: string[] = [];
  for (const [field, get] of SELECTABLE_APP_FIELDS) {
    if (named(sel, field) === sel.exclude) continue;
    if (placed.some((p) => field.startsWith(`${p}.`))) continue;
    const parts = field.split('.');
    kept.push({ get, parents: parts.slice(0, -1), leaf: parts[parts.length - 1] });
    placed.push(field);
  }
  return { key: `${sel.exclude ? '-' : ''}${placed.join(',')}`, kept };
}

/** One item as ArgoCD projects it. */
export function projectApp(app: V1alpha1Application, sel: FieldSelection | CompiledSelection): Record<string, unknown> {
  const { kept } = 'kept' in sel ? sel : compileSelection(sel);
  const out: Record<string, unknown> = {};
  for (const { get, parents, leaf } of kept) {
    const value = get(app);
    if (value === undefined || value === null) continue;
    let node = out;
    for (const p of parents) node = (node[p] ??= {}) as Record<string, unknown>;
    node[leaf] = value;
  }
  return out;
}
