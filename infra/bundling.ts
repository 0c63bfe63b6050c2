/**
 * The one place that says how a handler is bundled. `SentinelFunction` hands
 * {@link SENTINEL_BUNDLING} to `NodejsFunction`, and `bench/bundle-size.bench.ts`
 * plus `test/infra/bundle-size.test.ts` feed {@link esbuildOptionsFor} to esbuild
 * directly, so the sizes measured there are the sizes deployed.
 */
import * as path from 'node:path';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root (the folder holding package.json and package-lock.json). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The Lambda functions, named as their folders under `functions/`. */
export const FUNCTION_NAMES = ['webhook', 'sync-worker', 'drift-scan', 'operator-api', 'anchor', 'deploy-tracker', 'notifier'] as const;

/** One of {@link FUNCTION_NAMES}. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Absolute path of a function's entry point; infra relies on nothing but its `handler` export. */
export function handlerEntry(name: FunctionName): string {
  return path.join(REPO_ROOT, 'functions', name, 'handler.ts');
}

/** esbuild target matching the Lambda runtime (`nodejs24.x`). */
export const BUNDLE_TARGET = 'node24';

/**
 * ESM output cannot call `require`, yet some CommonJS dependencies bundled into it do
 * (`require('crypto')`, `require('util')`); this banner gives the module a real one.
 * The alias keeps it from clashing with a `require` esbuild may declare itself.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __sentinelCreateRequire } from 'module'; const require = __sentinelCreateRequire(import.meta.url);";

/**
 * Modules left out of every bundle. The `nodejs24.x` runtime ships the AWS SDK for
 * JavaScript v3, so bundling it would only add size and cold-start time.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

/**
 * Packages swapped for a smaller stand-in in every bundle (esbuild `alias`; paths relative to
 * the repository root, where esbuild resolves them). `form-data`: axios's multipart support,
 * which the ArgoCD client never uses; Node's global FormData replaces it (infra/stubs).
 */
export const BUNDLE_ALIASES: Record<string, string> = { 'form-data': './infra/stubs/form-data.mjs' };

/**
 * Bundling options shared by every function: ESM (smaller, tree-shaken through
 * `module` entry points), minified, linked source maps (no sources embedded, to keep
 * the zip small; `NODE_OPTIONS=--enable-source-maps` maps stack traces), the AWS SDK
 * external, and the local esbuild (no Docker).
 */
export const SENTINEL_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: BUNDLE_TARGET,
  minify: true,
  sourceMap: true,
  // LINKED, not EXTERNAL: the `//# sourceMappingURL` comment is what lets
  // `--enable-source-maps` find the map at run time.
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  externalModules: EXTERNAL_MODULES,
  esbuildArgs: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
  forceDockerBundling: false,
};

/**
 * The same options as {@link SENTINEL_BUNDLING}, in esbuild's own vocabulary, for one
 * entry point. Used by the bundle-size benchmark and test.
 * @param entry absolute path of the handler file
 * @param outfile where to write the bundle (an `.mjs` file, as NodejsFunction writes)
 */
export function esbuildOptionsFor(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: 'linked' as const,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    alias: BUNDLE_ALIASES,
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent' as const,
    metafile: true,
  };
}
