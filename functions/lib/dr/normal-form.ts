/**
 * ArgoCD's normal form: what ArgoCD's API server changes in an AppProject or Application
 * spec when it stores one. Objects applied with kubectl (declaratively, as most teams do)
 * never went through that code, so ArgoCD hands them out un-normalised; the same object
 * imported through the API comes back normalised. Export applies these rules, so that what
 * is exported is what ArgoCD will store, and a restored instance exports byte-identical files.
 *
 * Each rule names the ArgoCD source it follows (argoproj/argo-cd, read at 37ee009, Aug 2026);
 * docs/cli.md lists them. Rules work on plain JSON, with Go's notion of "empty" for the
 * fields Go tests with `== ""`, `len(...) == 0` or `== nil`.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Go's `s == ""` on a JSON value (absent or null read as the zero value). */
const emptyString = (v: unknown): boolean => v === undefined || v === null || v === '';
/** Go's `len(x) == 0` on a slice or map. */
const emptyCollection = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
/** Go's `!b` on a bool. */
const falsy = (v: unknown): boolean => v === undefined || v === null || v === false;
/** Go's `p == nil` on a pointer. */
const nil = (v: unknown): boolean => v === undefined || v === null;

/**
 * One role policy as `AppProject.normalizePolicy` writes it (app_project_types.go): split at
 * every comma; while the result is still empty a part is taken as it is, after that each part
 * is trimmed of spaces and appended with ", ".
 * @example normalizePolicy('p,proj:a:ci, applications,get ,a/*,allow') === 'p, proj:a:ci, applications, get, a/*, allow'
 */
export function normalizePolicy(policy: string): string {
  let out = '';
  for (const part of policy.split(',')) out = out === '' ? part : `${out}, ${part.replace(/^ +| +$/g, '')}`;
  return out;
}

/**
 * Whether Go's `time.LoadLocation` would accept the name, judged with Node's ICU time-zone
 * data. Go's zoneinfo lookup is case-sensitive and ICU's is not, so a wrongly cased name is
 * kept here where ArgoCD would store UTC; "Local" is valid in Go.
 */
function loadableTimeZone(name: string): boolean {
  if (name === 'UTC' || name === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * An AppProject spec in ArgoCD's normal form (returns a new object):
 * - `roles[].policies`: each policy as {@link normalizePolicy}; an empty list is dropped
 *   (`AppProject.NormalizePolicies`, app_project_types.go, run by `Create` and `Update` in
 *   server/project/project.go; the list is rebuilt from nil, and `policies` is `omitempty`);
 * - `syncWindows[].timeZone`: `UTC` when empty or not a loadable zone (`SyncWindow.Validate`,
 *   types.go, called from `AppProject.ValidateProject` on the stored windows, which are pointers).
 */
export function normalizeProjectSpec(spec: Json): Json {
  const out: Json = { ...spec };
  if (Array.isArray(spec.roles)) {
    out.roles = spec.roles.map((role: unknown) => {
      if (!isObject(role) || !Array.isArray(role.policies)) return role;
      const { policies, ...rest } = role;
      const normalized = (policies as unknown[]).map((p) => (typeof p === 'string' ? normalizePolicy(p) : p));
      return normalized.length ? { ...rest, policies: normalized } : rest;
    });
  }
  if (Array.isArray(spec.syncWindows)) {
    out.syncWindows = spec.syncWindows.map((w: unknown) => {
      if (!isObject(w)) return w;
      const tz = w.timeZone;
      return typeof tz === 'string' && tz !== '' && loadableTimeZone(tz) ? w : { ...w, timeZone: 'UTC' };
    });
  }
  return out;
}

/** `SyncPolicy.IsZero` (types.go): no automated, no sync options, no retry, no managed namespace metadata. */
function syncPolicyIsZero(p: unknown): boolean {
  if (nil(p)) return true;
  if (!isObject(p)) return false;
  return nil(p.automated) && emptyCollection(p.syncOptions) && nil(p.retry) && nil(p.managedNamespaceMetadata);
}

/** `ApplicationSourceHelm.IsZero` (types.go) with `ValuesIsEmpty` (values.go). */
function helmIsZero(h: Json): boolean {
  const valuesEmpty = nil(h.valuesObject) ? emptyString(h.values) : false;
  return (
    emptyString(h.version) &&
    emptyString(h.releaseName) &&
    emptyCollection(h.valueFiles) &&
    emptyCollection(h.parameters) &&
    emptyCollection(h.fileParameters) &&
    valuesEmpty &&
    falsy(h.passCredentials) &&
    falsy(h.ignoreMissingValueFiles) &&
    falsy(h.skipCrds) &&
    falsy(h.skipTests) &&
    falsy(h.skipSchemaValidation) &&
    emptyString(h.kubeVersion) &&
    emptyCollection(h.apiVersions) &&
    emptyString(h.namespace)
  );
}

/**
 * `ApplicationSourceKustomize.IsZero` (types.go). It does not look at `forceCommonLabels`,
 * `forceCommonAnnotations`, `commonAnnotationsEnvsubst`, `labelWithoutSelector` or
 * `labelIncludeTemplates`, so ArgoCD drops a kustomize block that only sets those.
 */
function kustomizeIsZero(k: Json): boolean {
  return (
    emptyString(k.namePrefix) &&
    emptyString(k.nameSuffix) &&
    emptyString(k.version) &&
    emptyString(k.namespace) &&
    emptyCollection(k.images) &&
    emptyCollection(k.replicas) &&
    emptyCollection(k.commonLabels) &&
    emptyCollection(k.commonAnnotations) &&
    emptyCollection(k.patches) &&
    emptyCollection(k.components) &&
    emptyString(k.kubeVersion) &&
    emptyCollection(k.apiVersions) &&
    falsy(k.ignoreMissingComponents)
  );
}

/** `ApplicationSourceDirectory.IsZero` with `ApplicationSourceJsonnet.IsZero` (types.go). */
function directoryIsZero(d: Json): boolean {
  const j = isObject(d.jsonnet) ? d.jsonnet : {};
  const jsonnetZero = emptyCollection(j.extVars) && emptyCollection(j.tlas) && emptyCollection(j.libs);
  return falsy(d.recurse) && jsonnetZero && falsy(d.disableExtensionFilter);
}

/** `NormalizeSource` (util/argo/argo.go): zero kustomize/helm/directory blocks removed. */
function normalizeSource(source: unknown): unknown {
  if (!isObject(source)) return source;
  const out: Json = { ...source };
  if (isObject(out.kustomize) && kustomizeIsZero(out.kustomize)) delete out.kustomize;
  if (isObject(out.helm) && helmIsZero(out.helm)) delete out.helm;
  if (isObject(out.directory) && directoryIsZero(out.directory)) {
    // A zero directory keeps only its include/exclude globs, and goes when it has neither.
    const { exclude, include } = out.directory;
    const kept: Json = {};
    if (!emptyString(exclude)) kept.exclude = exclude;
    if (!emptyString(include)) kept.include = include;
    if (Object.keys(kept).length) out.directory = kept;
    else delete out.directory;
  }
  return out;
}

/**
 * An Application spec in ArgoCD's normal form (returns a new object), as
 * `NormalizeApplicationSpec` (util/argo/argo.go) writes it; the API server runs it on every
 * create and update (`validateAndNormalizeApp`, server/application/application.go) and the
 * controller persists it for apps that did not come through the API (`normalizeApplication`,
 * controller/appcontroller.go):
 * - empty `project` becomes `default`;
 * - a zero `syncPolicy` is removed;
 * - in `sources[]` (or `source` when there are no `sources`), zero `kustomize`, `helm` and
 *   `directory` blocks are removed (a directory with only `include`/`exclude` keeps those).
 */
export function normalizeApplicationSpec(spec: Json): Json {
  const out: Json = { ...spec };
  if (emptyString(out.project)) out.project = 'default';
  if ('syncPolicy' in out && syncPolicyIsZero(out.syncPolicy)) delete out.syncPolicy;
  if (Array.isArray(out.sources) && out.sources.length > 0) out.sources = out.sources.map(normalizeSource);
  else if (isObject(out.source)) out.source = normalizeSource(out.source);
  return out;
}
