/** Types of disaster-recovery export/import. */

/** The two kinds of object an export holds. */
export type ExportKind = 'applications' | 'projects';

/** An Application or AppProject as exported: no status, no server-managed metadata. */
export interface CleanObject {
  apiVersion: string;
  kind: 'Application' | 'AppProject';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec: Record<string, unknown>;
}

/** One page of `GET /api/export`. */
export interface ExportPage {
  instance: string;
  kind: ExportKind;
  /** Objects of this kind in the instance; left out for a caller scoped to some projects. */
  total?: number;
  offset: number;
  /** Identifies the listing the page was cut from; pages of one snapshot are consistent. */
  snapshot: string;
  items: CleanObject[];
  /** Offset of the next page, absent on the last one. */
  next?: number;
}

/** Body of `POST /api/import`. */
export interface ImportRequest {
  instance: string;
  /** Report the changes only. @default false */
  dryRun?: boolean;
  projects?: CleanObject[];
  applications?: CleanObject[];
}

/** What import did (or would do) with one object. */
export interface ImportChange {
  kind: 'Application' | 'AppProject';
  namespace: string;
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'failed';
  /**
   * Changed fields, `~ path: old -> new`, `+ path: new`, `- path: old`, capped: for an update,
   * from the object before to the object ArgoCD stored (in a dry run: to the export); for a
   * failure because ArgoCD stored something else, from the export to what it stored.
   */
  diff?: string[];
  /** Why it failed (action `failed`). */
  error?: string;
  /** Writes repeated because someone else changed the object in between (resourceVersion conflict). */
  retries?: number;
}

/** Result of one `POST /api/import`. */
export interface ImportResult {
  instance: string;
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  changes: ImportChange[];
}

/** Body of `POST /api/dr/check`. */
export interface CheckRequest {
  instance: string;
  projects?: CleanObject[];
  applications?: CleanObject[];
  /**
   * Keys (`namespace/name`) of every exported object of a kind: live objects of that kind not
   * listed are reported as `extra`. Sent once, after the batches.
   */
  expect?: { projects?: string[]; applications?: string[] };
  /** Groups the calls of one CLI run in the audit trail. */
  checkId?: string;
}

/** One object that is not the same in the export and the instance. */
export interface CheckFinding {
  kind: 'Application' | 'AppProject';
  namespace: string;
  name: string;
  /** `different`: both hold it, fields differ; `missing`: only the export; `extra`: only the instance. */
  status: 'different' | 'missing' | 'extra';
  /** For `different`: `~ path: exported -> live`, `+ path: live only`, `- path: export only` (capped). */
  diff?: string[];
}

/** Result of one `POST /api/dr/check`. */
export interface CheckResult {
  instance: string;
  /** Exported objects compared in this call. */
  checked: number;
  same: number;
  different: number;
  missing: number;
  extra: number;
  findings: CheckFinding[];
}

/** Per-instance section of `manifest.yaml`. */
export interface ManifestInstance {
  applications: number;
  projects: number;
  /** sha256 over this instance's files (see `checksumOf`). */
  checksum: string;
}

/** `manifest.yaml` at the top of an export directory. */
export interface ExportManifest {
  version: 1;
  tool: 'gitops-sentinel';
  /**
   * How `checksum` is computed: SHA-256 over one line per file, `<sha256 hex of the file>  <path>\n`,
   * sorted by path (relative to the export directory, `/` separated) — the format of `sha256sum`.
   */
  checksumAlgorithm: 'sha256-of-sha256sum-lines';
  files: number;
  checksum: string;
  instances: Record<string, ManifestInstance>;
}
