/**
 * `npm run bench [name ...]`: runs every `bench/*.bench.ts` (or those whose name contains one
 * of the arguments), each in its own process so figures do not disturb each other, and prints
 * one JSON object `{ <bench>: <its figures> }`. Each bench prints its own figures as JSON on
 * its last stdout line.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const dir = __dirname;
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();

const results: Record<string, unknown> = {};
for (const file of benches) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench ${name}...\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // The figures are the last JSON value printed: a one-line object, or a pretty-printed one
  // starting at a line that opens with "{".
  const lines = run.stdout.trimEnd().split('\n');
  const start = lines.findLastIndex((l) => l.startsWith('{'));
  try {
    results[name] = JSON.parse(lines.slice(start).join('\n'));
  } catch {
    results[name] = { error: `exit ${run.status}; no JSON figures`, output: run.stdout.slice(-2000) };
  }
}
console.log(JSON.stringify(results, null, 2));
process.exitCode = Object.values(results).some((r) => r && typeof r === 'object' && 'error' in r) ? 1 : 0;
