/**
 * `sentinel export DIR`, `sentinel import DIR --instance X` and `sentinel dr check DIR --instance X`:
 * disaster recovery through the operator API.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type { Command } from 'commander';
import {
  missingProjects,
  ExportWriter,
  readInstanceBatches,
  readManifest,
  verifyInstanceDir,
  type CheckFinding,
  type CheckResult,
  type ExportKind,
  type ExportPage,
  type ImportChange,
  type ImportResult,
} from '../../functions/lib/dr/index';
import { DrError } from '../../functions/lib/dr/errors';
import { contextOf, intOption } from '../context';
import { CliError, EXIT } from '../errors';
import { emit, progress, table, type CliIO } from '../output';

const KINDS: ExportKind[] = ['projects', 'applications'];

/**
 * The instance folder of DIR to use for target `instance` (`--from`, else the folder with the
 * target's name, else the only one), checked against the manifest.
 * @throws CliError usage when DIR has no usable manifest or several folders; error when files differ from it
 */
function sourceFolder(dir: string, instance: string, from: string | undefined): { source: string; total: number } {
  let manifest;
  try {
    manifest = readManifest(dir);
  } catch (error) {
    throw new CliError(EXIT.usage, (error as Error).message);
  }
  const names = Object.keys(manifest.instances);
  const source = from ?? (names.includes(instance) ? instance : names.length === 1 ? names[0] : undefined);
  if (!source) throw new CliError(EXIT.usage, `${dir} holds several instances (${names.join(', ')}); choose one with --from`);
  try {
    verifyInstanceDir(dir, source, manifest);
  } catch (error) {
    if (error instanceof DrError) throw new CliError(EXIT.error, `${dir}: ${error.message}`);
    throw error;
  }
  return { source, total: manifest.instances[source].applications + manifest.instances[source].projects };
}

/** Registers `export`, `import` and `dr check`. */
export function registerDr(program: Command, io: CliIO): void {
  registerExport(program, io);
  registerImport(program, io);
  registerDrCheck(program, io);
}

/** `export`: every Application and AppProject as clean YAML, with a manifest. */
function registerExport(program: Command, io: CliIO): void {
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
            // A caller scoped to some projects gets no total (it would count other teams' objects).
            progress(io, page.total === undefined ? `export ${instance}: ${written} ${kind}` : `export ${instance}: ${written}/${page.total} ${kind}`);
            offset = page.next;
          }
        }
      }
      const manifest = writer.finish();
      emit(
        ctx.io,
        ctx.format,
        { dir, ...manifest },
        () =>
          table(Object.entries(manifest.instances), [
            { header: 'instance', get: ([n]) => n },
            { header: 'applications', get: ([, m]) => m.applications },
            { header: 'projects', get: ([, m]) => m.projects },
            { header: 'checksum', get: ([, m]) => m.checksum.slice(0, 16) },
          ]) + `${manifest.files} files in ${dir}, checksum sha256:${manifest.checksum}\n`,
      );
    });
}

/** `import`: make an instance hold an export's objects. */
function registerImport(program: Command, io: CliIO): void {
  program
    .command('import')
    .description(
      'make an ArgoCD instance hold the exported objects of one instance (create, or replace what differs; equal objects are not written); --dry-run ' +
        'shows the diff and changes nothing',
    )
    .argument('<dir>', 'an export directory (with manifest.yaml)')
    .requiredOption('--instance <name>', 'target ArgoCD instance')
    .option('--from <name>', 'source instance folder in DIR (default: the one with the target name, or the only one)')
    .option('--dry-run', 'show what would be created or changed, with field diffs; change nothing')
    .option('--batch-size <n>', 'objects per API call (max 500)', intOption('--batch-size'), 100)
    .action(async (dir: string, o: { instance: string; from?: string; dryRun?: boolean; batchSize: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const { source, total } = sourceFolder(dir, o.instance, o.from);
      // Refused before anything is sent: a restore whose apps point at projects it does not hold is incomplete.
      const missing = missingProjects(dir, source);
      if (missing.length) {
        const names = missing.map((m) => `${m.project} (${m.apps.slice(0, 5).join(', ')}${m.apps.length > 5 ? `, ${m.apps.length - 5} more` : ''})`);
        throw new CliError(EXIT.error, `${dir}: applications reference projects the export does not hold: ${names.join('; ')}; nothing was imported`);
      }
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
          `${c.action === 'create' ? '+' : c.action === 'update' ? '~' : '!'} ${c.action} ${c.kind} ` +
            `${c.namespace}/${c.name}${c.error ? `: ${c.error}` : ''}${c.retries ? ` (after ${c.retries} conflict(s))` : ''}`,
          ...(c.diff ?? []).map((d) => `    ${d}`),
        ]);
        return (
          (
            `${lines.join('\n')}${lines.length ? '\n' : ''}${o.dryRun ? 'dry run: ' : ''}${summary.created} to create, ${summary.updated} to update, ` +
            `${summary.unchanged} unchanged, ${summary.failed} failed`
          ).replace(o.dryRun ? /$^/ : /to create, (\d+) to update/, o.dryRun ? '' : `created, $1 updated`) + '\n'
        );
      });
      if (summary.failed) throw new CliError(EXIT.error, `${summary.failed} object(s) failed to import`);
    });
}

/** `dr check`: an export against what an instance holds now. */
function registerDrCheck(program: Command, io: CliIO): void {
  const dr = program.command('dr').description('disaster-recovery checks');
  dr.command('check')
    .description('compare an export with what an instance holds now, object by object and field by field; exit 2 on any difference')
    .argument('<dir>', 'an export directory (with manifest.yaml)')
    .requiredOption('--instance <name>', 'ArgoCD instance to compare with')
    .option('--from <name>', 'source instance folder in DIR (default: the one with the target name, or the only one)')
    .option('--batch-size <n>', 'objects per API call (max 500)', intOption('--batch-size'), 200)
    .action(async (dir: string, o: { instance: string; from?: string; batchSize: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const { source, total } = sourceFolder(dir, o.instance, o.from);
      const checkId = randomUUID();
      const summary = { instance: o.instance, source, checkId, checked: 0, same: 0, different: 0, missing: 0, extra: 0, findings: [] as CheckFinding[] };
      const keys: Record<ExportKind, string[]> = { projects: [], applications: [] };
      const add = (res: CheckResult) => {
        summary.checked += res.checked;
        summary.same += res.same;
        summary.different += res.different;
        summary.missing += res.missing;
        summary.extra += res.extra;
        summary.findings.push(...res.findings);
      };
      for (const batch of readInstanceBatches(dir, source, Math.min(500, o.batchSize))) {
        for (const obj of batch.objects) keys[batch.kind].push(`${obj.metadata.namespace}/${obj.metadata.name}`);
        add(await ctx.api.post<CheckResult>('/api/dr/check', { instance: o.instance, checkId, [batch.kind]: batch.objects }));
        progress(io, `check ${source} against ${o.instance}: ${summary.checked}/${total}`);
      }
      // Last: the instance's objects the export lacks (a backup that is not current).
      add(await ctx.api.post<CheckResult>('/api/dr/check', { instance: o.instance, checkId, expect: keys }));
      emit(ctx.io, ctx.format, summary, () => {
        const sign = { different: '~', missing: '-', extra: '+' } as const;
        const where = { different: '', missing: ' (in the export, not in the instance)', extra: ' (in the instance, not in the export)' } as const;
        const lines = summary.findings.flatMap((f) => [
          `${sign[f.status]} ${f.status} ${f.kind} ${f.namespace}/${f.name}${where[f.status]}`,
          ...(f.diff ?? []).map((d) => `    ${d}`),
        ]);
        const head = summary.findings.length ? 'DIFFERENT' : 'SAME';
        return (
          `${lines.join('\n')}${lines.length ? '\n' : ''}${head}: ${summary.checked} exported objects checked against ${o.instance}: ` +
          `${summary.same} same, ${summary.different} different, ${summary.missing} missing, ${summary.extra} not in the export\n`
        );
      });
      if (summary.findings.length)
        throw new CliError(
          EXIT.finding,
          `${o.instance} differs from ${dir}: ${summary.different} different, ${summary.missing} missing, ${summary.extra} not in the export`,
        );
    });
}

async function instanceNames(api: { get<T>(p: string): Promise<T> }): Promise<string[]> {
  const health = await api.get<{ instances?: Array<string | { name: string }> }>('/healthz');
  return (health.instances ?? []).map((i) => (typeof i === 'string' ? i : i.name));
}
