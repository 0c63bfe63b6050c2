/** `sentinel export DIR` and `sentinel import DIR --instance X`: disaster recovery through the operator API. */
import { existsSync, readdirSync } from 'node:fs';
import type { Command } from 'commander';
import { ExportWriter, readInstanceBatches, readManifest, verifyInstanceDir, type ExportKind, type ExportPage, type ImportChange, type ImportResult } from '../../functions/lib/dr/index';
import { DrError } from '../../functions/lib/dr/errors';
import { contextOf, intOption } from '../context';
import { CliError, EXIT } from '../errors';
import { emit, progress, table, type CliIO } from '../output';

const KINDS: ExportKind[] = ['projects', 'applications'];

/** Registers `export` and `import`. */
export function registerDr(program: Command, io: CliIO): void {
  program
    .command('export')
    .description('write every Application and AppProject of every instance as clean YAML, one file per object, plus manifest.yaml with counts and checksums')
    .argument('<dir>', 'an empty or missing directory')
    .option('--instance <name...>', 'only these instances (default: every configured one)')
    .option('--page-size <n>', 'objects per API call (max 1000)', intOption('--page-size'), 500)
    .action(async (dir: string, o: { instance?: string[]; pageSize: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (existsSync(dir) && readdirSync(dir).length) throw new CliError(EXIT.usage, `${dir} is not empty; export into an empty or new directory`);
      const instances = o.instance ?? (await instanceNames(ctx.api));
      const writer = new ExportWriter(dir);
      for (const instance of instances) {
        writer.addInstance(instance);
        for (const kind of KINDS) {
          let offset: number | undefined = 0;
          let snapshot: string | undefined;
          let written = 0;
          while (offset !== undefined) {
            const page: ExportPage = await ctx.api.get<ExportPage>('/api/export', { instance, kind, offset, limit: o.pageSize, snapshot });
            snapshot = page.snapshot;
            for (const obj of page.items) writer.write(instance, kind, obj);
            written += page.items.length;
            progress(io, `export ${instance}: ${written}/${page.total} ${kind}`);
            offset = page.next;
          }
        }
      }
      const manifest = writer.finish();
      emit(ctx.io, ctx.format, { dir, ...manifest }, () =>
        table(Object.entries(manifest.instances), [
          { header: 'instance', get: ([n]) => n },
          { header: 'applications', get: ([, m]) => m.applications },
          { header: 'projects', get: ([, m]) => m.projects },
          { header: 'checksum', get: ([, m]) => m.checksum.slice(0, 16) },
        ]) + `${manifest.files} files in ${dir}, checksum sha256:${manifest.checksum}\n`,
      );
    });

  program
    .command('import')
    .description('recreate the exported objects of one instance in an ArgoCD instance (upsert); --dry-run shows the diff and changes nothing')
    .argument('<dir>', 'an export directory (with manifest.yaml)')
    .requiredOption('--instance <name>', 'target ArgoCD instance')
    .option('--from <name>', 'source instance folder in DIR (default: the one with the target name, or the only one)')
    .option('--dry-run', 'show what would be created or changed, with field diffs; change nothing')
    .option('--batch-size <n>', 'objects per API call (max 500)', intOption('--batch-size'), 100)
    .action(async (dir: string, o: { instance: string; from?: string; dryRun?: boolean; batchSize: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      let manifest;
      try {
        manifest = readManifest(dir);
      } catch (error) {
        throw new CliError(EXIT.usage, (error as Error).message);
      }
      const names = Object.keys(manifest.instances);
      const source = o.from ?? (names.includes(o.instance) ? o.instance : names.length === 1 ? names[0] : undefined);
      if (!source) throw new CliError(EXIT.usage, `${dir} holds several instances (${names.join(', ')}); choose one with --from`);
      try {
        verifyInstanceDir(dir, source, manifest);
      } catch (error) {
        if (error instanceof DrError) throw new CliError(EXIT.error, `${dir}: ${error.message}`);
        throw error;
      }
      const total = manifest.instances[source]!.applications + manifest.instances[source]!.projects;
      const summary = { instance: o.instance, source, dryRun: !!o.dryRun, created: 0, updated: 0, unchanged: 0, failed: 0, changes: [] as ImportChange[] };
      let done = 0;
      for (const batch of readInstanceBatches(dir, source, Math.min(500, o.batchSize))) {
        const res = await ctx.api.post<ImportResult>('/api/import', { instance: o.instance, dryRun: !!o.dryRun, [batch.kind]: batch.objects });
        summary.created += res.created;
        summary.updated += res.updated;
        summary.unchanged += res.unchanged;
        summary.failed += res.failed;
        summary.changes.push(...res.changes.filter((c) => c.action !== 'unchanged'));
        done += batch.objects.length;
        progress(io, `import ${source} -> ${o.instance}: ${done}/${total}`);
      }
      emit(ctx.io, ctx.format, summary, () => {
        const lines = summary.changes.flatMap((c) => [
          `${c.action === 'create' ? '+' : c.action === 'update' ? '~' : '!'} ${c.action} ${c.kind} ${c.namespace}/${c.name}${c.error ? `: ${c.error}` : ''}`,
          ...(c.diff ?? []).map((d) => `    ${d}`),
        ]);
        return `${lines.join('\n')}${lines.length ? '\n' : ''}${o.dryRun ? 'dry run: ' : ''}${summary.created} to create, ${summary.updated} to update, ${summary.unchanged} unchanged, ${summary.failed} failed`.replace(
          o.dryRun ? /$^/ : /to create, (\d+) to update/,
          o.dryRun ? '' : `created, $1 updated`,
        ) + '\n';
      });
      if (summary.failed) throw new CliError(EXIT.error, `${summary.failed} object(s) failed to import`);
    });
}

async function instanceNames(api: { get<T>(p: string): Promise<T> }): Promise<string[]> {
  const health = await api.get<{ instances?: Array<string | { name: string }> }>('/healthz');
  return (health.instances ?? []).map((i) => (typeof i === 'string' ? i : i.name));
}
