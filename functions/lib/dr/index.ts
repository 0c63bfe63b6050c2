/**
 * Public face of the disaster-recovery module: clean export pages, import and the
 * backup-vs-live check (server side, behind the operator API), ArgoCD's normal form, and the
 * export directory format (CLI side).
 */
export { cleanApplication, cleanProject, objectFileName, toYaml, validateObject, diffObjects, sameObject, toNormalForm, ARGOPROJ_API_VERSION } from './clean';
export { normalizeApplicationSpec, normalizeProjectSpec, normalizePolicy } from './normal-form';
export { exportPage, clearExportSnapshots, MAX_EXPORT_PAGE, SNAPSHOT_TTL_MS, type ExportDeps, type ExportPageOptions } from './export';
export { importObjects, MAX_IMPORT_BATCH, MAX_WRITE_ATTEMPTS, type ImportDeps } from './import';
export { checkObjects, MAX_CHECK_BATCH, MAX_CHECK_KEYS, type CheckDeps } from './check';
export { ExportWriter, readManifest, verifyInstanceDir, readInstanceBatches, missingProjects, checksumOf, MANIFEST_FILE } from './files';
export { DrError, DrValidationError, ManifestMismatchError } from './errors';
export type * from './types';
