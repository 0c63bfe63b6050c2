/**
 * `sentinel` must run from `npm ci --omit=dev`: every package the launcher and the CLI load at
 * run time is a production dependency, and the lockfile installs it (with everything it needs)
 * without the dev tree. Offline and fast: the import graph comes from esbuild, the install
 * plan from package-lock.json (npm marks dev-only packages `"dev": true` there).
 * `npm run check:prod-install` does the real install in a scratch copy (needs the npm registry).
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lockfile {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
}

/** Package name of a bare import (`tsx/cjs` -> `tsx`, `@aws-sdk/x/y` -> `@aws-sdk/x`). */
const packageOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Packages the `sentinel` launcher loads at run time (type-only imports are erased, so not counted). */
async function runtimePackages(): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, 'cli/bin/sentinel.js')],
    bundle: true,
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: join(ROOT, '.tmp/cli-prod-deps'),
  });
  const builtins = new Set(builtinModules);
  const specs = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  return [...new Set(specs.filter((s) => !s.startsWith('node:') && !builtins.has(s)).map(packageOf))].sort();
}

/** What `npm ci --omit=dev` would lack for each package: not a dependency, or dev-only in the lockfile. */
function missingWithoutDev(packages: string[], manifest: Manifest, lock: Lockfile): string[] {
  return packages.filter((name) => {
    const entry = lock.packages[`node_modules/${name}`];
    return !manifest.dependencies?.[name] || !entry || entry.dev === true || entry.devOptional === true;
  });
}

describe('sentinel without dev dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  let packages: string[] = [];

  beforeAll(async () => {
    packages = await runtimePackages();
  });

  it('loads only production dependencies, which the lockfile installs without the dev tree', () => {
    // The launcher runs the TypeScript sources through tsx, so tsx itself is one of them.
    expect(packages).toEqual(expect.arrayContaining(['tsx', 'commander']));
    expect(missingWithoutDev(packages, manifest, lock)).toEqual([]);
  });

  it('would notice a run-time package moved to devDependencies', () => {
    const { tsx, ...rest } = manifest.dependencies ?? {};
    const moved: Manifest = { dependencies: rest, devDependencies: { ...manifest.devDependencies, tsx: tsx } };
    const devLock: Lockfile = { packages: { ...lock.packages, 'node_modules/commander': { dev: true } } };
    expect(missingWithoutDev(packages, moved, devLock)).toEqual(['commander', 'tsx']);
  });
});
