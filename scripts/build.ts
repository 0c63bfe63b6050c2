/**
 * `npm run build`: bundles every Lambda function exactly as the CDK stack deploys it (esbuild,
 * ESM, minified, linked source maps, AWS SDK external) into `dist/<function>/index.mjs`, and
 * prints each bundle's size and its heaviest packages.
 */
import * as path from 'node:path';
import { bundleFunction } from '../infra/bundle-report';
import { FUNCTION_NAMES, REPO_ROOT } from '../infra/bundling';

async function main(): Promise<void> {
  const outDir = path.join(REPO_ROOT, 'dist');
  for (const name of FUNCTION_NAMES) {
    const result = await bundleFunction(name, outDir);
    const top = result.packages
      .slice(0, 3)
      .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} KB`)
      .join(', ');
    console.log(`${name.padEnd(13)} ${(result.bytes / 1024).toFixed(1).padStart(7)} KB  ${path.relative(REPO_ROOT, result.file)}  (${top})`);
  }
}

main().catch((error: unknown) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
