/**
 * Public face of the disaster-recovery module: clean export pages and upserting import
 * (server side, behind the operator API), and the export directory format (CLI side).
 */
export { cleanApplication, cleanProject, objectFileName, toYaml, validateObject, diffObjects, sameObject, ARGOPROJ_API_VERSION } from './clean';
export { exportPage, clearExportSnapshots, MAX_EXPORT_PAGE, SNAPSHOT_TTL_MS, type ExportDeps, type ExportPageOptions } from './export';
export { importObjects, MAX_IMPORT_BATCH, type ImportDeps } from './import';
export { ExportWriter, readManifest, verifyInstanceDir, readInstanceBatches, checksumOf, MANIFEST_FILE } from './files';
export { DrError, DrValidationError, ManifestMismatchError } from './errors';
export type * from './types';
