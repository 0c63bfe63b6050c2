/**
 * Bundles a handler outside CDK with exactly the deployed options, for the bundle-size
 * benchmark (`bench/bundle-size.bench.ts`) and test (`test/infra/bundle-size.test.ts`).
 * Kept apart from `bundling.ts` so synth never loads esbuild's JS API.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { esbuildOptionsFor, handlerEntry, REPO_ROOT, type FunctionName } from './bundling';

/** Where {@link bundleFunction} writes by default: inside the repository, so the external `@aws-sdk/*` resolves as on Lambda. */
export const BUNDLE_OUT_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'gitops-sentinel', 'bundles');

/** Result of bundling one function. */
export interface BundleResult {
  name: FunctionName;
  /** The bundle (`index.mjs`). */
  file: string;
  /** Its size in bytes, source map excluded (the map is read only when an error is mapped). */
  bytes: number;
  /** Bytes contributed to the output per npm package (or per `functions/...` folder), largest first. */
  packages: { name: string; bytes: number }[];
  /** Every input file that contributed bytes. */
  inputs: string[];
}

/** The npm package (or first-party folder) an esbuild input path belongs to. */
function owner(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1] : input.split('/').slice(0, 3).join('/');
}

/**
 * Bundles one handler with the deployed options ({@link esbuildOptionsFor}) using the
 * local esbuild.
 * @param outDir folder to write `<name>/index.mjs` under
 * @default outDir {@link BUNDLE_OUT_DIR}
 */
export async function bundleFunction(name: FunctionName, outDir: string = BUNDLE_OUT_DIR): Promise<BundleResult> {
  const file = path.join(outDir, name, 'index.mjs');
  const result = await esbuild.build(esbuildOptionsFor(handlerEntry(name), file));
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([out]) => out.endsWith('index.mjs'));
  if (!output) throw new Error(`[gitops-sentinel/infra] esbuild wrote no index.mjs for ${name}`);
  const byOwner = new Map<string, number>();
  const inputs: string[] = [];
  for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    if (!bytesInOutput) continue;
    inputs.push(input);
    byOwner.set(owner(input), (byOwner.get(owner(input)) ?? 0) + bytesInOutput);
  }
  const packages = [...byOwner].map(([n, bytes]) => ({ name: n, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { name, file, bytes: output[1].bytes, packages, inputs };
}
