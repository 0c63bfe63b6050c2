/**
 * Runs the simulators from the command line:
 * `npx tsx local/argocd-sim/main.ts [--seed file.yaml] [--synthetic N --instances K] [--token T] [--sync-ms MS]`
 * and prints, per instance, its URL and token as JSON.
 */
import { generateSyntheticSeed, startSimulators } from './index';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const synthetic = opt('synthetic');
  const seed = synthetic ? generateSyntheticSeed({ apps: Number(synthetic), instances: Number(opt('instances') ?? 1) }) : opt('seed');
  const sims = await startSimulators(seed ?? undefined, {
    token: opt('token'),
    syncDurationMs: opt('sync-ms') ? Number(opt('sync-ms')) : undefined,
  });
  const out = Object.fromEntries(Object.entries(sims.instances).map(([n, s]) => [n, { url: s.url, token: s.token, apps: s.sim.size }]));
  console.log(JSON.stringify(out, null, 2));
  const stop = (): void => {
    void sims.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
