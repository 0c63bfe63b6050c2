/** `sentinel drift`, `apps`, `rollback` and `stats`. */
import type { Command } from 'commander';
import { contextOf, intOption } from '../context';
import { CliError, EXIT } from '../errors';
import { DEFAULT_ARGOCD_NAMESPACE } from '../../functions/lib/config/defaults';
import type { ClearFlappingResult } from '../../functions/lib/drift/clear-flapping';
import type { AppDriftState, DriftScanResult, ScanSummary } from '../../functions/lib/drift/types';
import type { ScopedScanResult } from '../../functions/operator-api/routes';
import { emit, progress, short, table, type CliIO } from '../output';
import type { AppDetail } from '../../functions/operator-api/routes';

interface AppsResponse {
  instances: Array<{ name: string; reachable: boolean; error?: string; apps: Array<Record<string, unknown> & { namespace: string; name: string }> }>;
}

/** `NAME` (with --instance/--namespace) or `INSTANCE/NAMESPACE/NAME` → the app's API path. */
function appPath(app: string, o: { instance: string; namespace: string }): { label: string; path: string } {
  const parts = app.split('/');
  if (parts.length !== 1 && parts.length !== 3) throw new CliError(EXIT.usage, 'app must be NAME or INSTANCE/NAMESPACE/NAME');
  const [instance, namespace, name] = parts.length === 3 ? parts : [o.instance, o.namespace, app];
  if (!instance || !namespace || !name) throw new CliError(EXIT.usage, 'app must be NAME or INSTANCE/NAMESPACE/NAME');
  return {
    label: `${instance}/${namespace}/${name}`,
    path: `/api/apps/${encodeURIComponent(instance)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`,
  };
}

/** Registers the operational commands. */
export function registerOps(program: Command, io: CliIO): void {
  registerDrift(program, io);
  registerApps(program, io);
  registerRollback(program, io);
  registerStats(program, io);
}

/** `drift` (with `--scan`) and `drift clear-flapping`. */
function registerDrift(program: Command, io: CliIO): void {
  const drift = program
    .command('drift')
    .description('current drift state per app; --scan runs a scan now (audited with your identity)')
    .option('--instance <name>', 'only this ArgoCD instance')
    .option('--scan', 'run a drift scan now and show its findings')
    .option('--dry-run', 'with --scan: report what would be repaired, change nothing')
    .option('--include-resolved', 'also list apps whose drift was resolved')
    .option('--exit-code', 'exit 2 when drift is found')
    .action(async (o: { instance?: string; scan?: boolean; dryRun?: boolean; includeResolved?: boolean; exitCode?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      let drifted: number;
      if (o.scan) {
        progress(io, 'scanning...');
        // A caller scoped to some projects gets its findings and counts over them, no whole-instance figures.
        const result = await ctx.api.post<DriftScanResult | ScopedScanResult>('/api/drift/scan', {
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(o.instance ? { instances: [o.instance] } : {}),
        });
        const scoped = 'scope' in result;
        progress(io, scoped ? `scanned in ${result.durationMs} ms` : `scanned ${result.apps} apps in ${result.durationMs} ms`, true);
        drifted = result.drifted;
        emit(
          ctx.io,
          ctx.format,
          result,
          () =>
            (scoped
              ? `your projects: ${result.findings.length} finding(s), ${result.drifted} drifted, ${result.repair} to repair\n`
              : `${result.apps} apps, ${result.drifted} drifted, ${result.repaired} repaired, consistency ${result.consistencyPercent}%\n`) +
            table(result.findings, [
              { header: 'app', get: (f) => `${f.instance}/${f.namespace}/${f.name}` },
              { header: 'condition', get: (f) => f.condition },
              { header: 'sync', get: (f) => f.syncStatus },
              { header: 'health', get: (f) => f.healthStatus },
              { header: 'decision', get: (f) => (f.decision ? `${f.decision.action} (${f.decision.reason})` : (f.transition ?? '')) },
            ]),
        );
      } else {
        const state = await ctx.api.get<{ apps: AppDriftState[]; drifted: number; lastScan?: ScanSummary }>('/api/drift', {
          instance: o.instance,
          includeResolved: o.includeResolved ? true : undefined,
        });
        drifted = state.drifted;
        emit(
          ctx.io,
          ctx.format,
          state,
          () =>
            (state.lastScan ? `last scan ${state.lastScan.startedAt}, consistency ${state.lastScan.consistencyPercent}%\n` : 'no scan yet\n') +
            table(state.apps, [
              { header: 'app', get: (a) => `${a.instance}/${a.namespace}/${a.name}` },
              { header: 'condition', get: (a) => a.condition },
              { header: 'sync', get: (a) => a.syncStatus },
              { header: 'health', get: (a) => a.healthStatus },
              { header: 'since', get: (a) => a.firstSeen },
              { header: 'flapping', get: (a) => (a.flapping ? 'yes' : '') },
              { header: 'last decision', get: (a) => (a.lastDecision ? `${a.lastDecision.action} (${a.lastDecision.reason})` : '') },
            ]),
        );
      }
      if (o.exitCode && drifted > 0) throw new CliError(EXIT.finding, `${drifted} app(s) drifted`);
    });

  drift
    .command('clear-flapping')
    .description("clear an app's flapping mark once you have dealt with the cause, so scans may repair it again (audited with your identity)")
    .argument('<app>', 'app name, or instance/namespace/name')
    .option('--instance <name>', 'ArgoCD instance (default: default)')
    .option('--namespace <ns>', 'application namespace', DEFAULT_ARGOCD_NAMESPACE)
    .option('--reason <text>', 'why, for the audit trail')
    .action(async (app: string, o: { namespace: string; reason?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      // `drift` has an --instance of its own, which commander hands the option to.
      const instance = cmd.optsWithGlobals<{ instance?: string }>().instance ?? 'default';
      const { label, path } = appPath(app, { instance, namespace: o.namespace });
      const result = await ctx.api.post<ClearFlappingResult>(`${path}/clear-flapping`, o.reason ? { reason: o.reason } : {});
      emit(ctx.io, ctx.format, result, () =>
        result.cleared ? `${label}: flapping mark cleared; the next scan treats it like any drifted app\n` : `${label}: was not flapping; nothing changed\n`,
      );
    });
}

/** `apps`: the apps per instance, or one app with its resource tree. */
function registerApps(program: Command, io: CliIO): void {
  program
    .command('apps')
    .description('applications per instance with sync and health status; with APP, that app with its resource tree')
    .argument('[app]', 'one app: name, or instance/namespace/name')
    .option('--instance <name>', 'only this ArgoCD instance (with APP: its instance, default "default")')
    .option('--namespace <ns>', 'with APP: its namespace', DEFAULT_ARGOCD_NAMESPACE)
    .action(async (app: string | undefined, o: { instance?: string; namespace: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (app) {
        const { path } = appPath(app, { instance: o.instance ?? 'default', namespace: o.namespace });
        const detail = await ctx.api.get<AppDetail>(path);
        emit(ctx.io, ctx.format, detail, () => {
          const head =
            `${detail.instance}/${detail.namespace}/${detail.name}  project ${detail.project ?? ''}  sync ${detail.sync ?? ''}  health ` +
            `${detail.health ?? ''}  revision ${short(detail.revision)}${detail.operation ? `  operation ${detail.operation}` : ''}\n`;
          const tree = table(detail.resources, [
            // Indentation draws the tree: children under their parent.
            { header: 'resource', get: (r) => `${r.depth ? `${'  '.repeat(r.depth - 1)}└─ ` : ''}${r.kind}/${r.name}` },
            { header: 'namespace', get: (r) => r.namespace },
            { header: 'sync', get: (r) => r.sync },
            { header: 'health', get: (r) => r.health },
            { header: 'message', get: (r) => r.message },
          ]);
          return head + tree + (detail.treeError ? `resource tree unavailable (${detail.treeError})\n` : '');
        });
        return;
      }
      const res = await ctx.api.get<AppsResponse>('/api/apps', { instance: o.instance });
      const rows: Array<Record<string, unknown>> = res.instances.flatMap((i) => i.apps.map((a) => ({ instance: i.name, ...a })));
      emit(
        ctx.io,
        ctx.format,
        res,
        () =>
          table(rows, [
            { header: 'instance', get: (r) => r.instance },
            { header: 'namespace', get: (r) => r.namespace },
            { header: 'name', get: (r) => r.name },
            { header: 'project', get: (r) => r.project },
            { header: 'sync', get: (r) => r.sync },
            { header: 'health', get: (r) => r.health },
            { header: 'auto-sync', get: (r) => (r.autoSync ? 'yes' : 'no') },
            { header: 'revision', get: (r) => short(r.revision) },
            { header: 'operation', get: (r) => r.operation },
          ]) +
          res.instances
            .filter((i) => !i.reachable)
            .map((i) => `instance ${i.name} unreachable (${i.error})\n`)
            .join(''),
      );
    });
}

/** `rollback`: to a commit or history id, through the operator API. */
function registerRollback(program: Command, io: CliIO): void {
  program
    .command('rollback')
    .description('roll an app back to a commit or history id through the operator API (audited with your identity)')
    .argument('<app>', 'app name, or instance/namespace/name')
    .requiredOption('--to <sha|id>', 'commit sha (in the history, or a full sha of an older known commit) or history id')
    .option('--instance <name>', 'ArgoCD instance', 'default')
    .option('--namespace <ns>', 'application namespace', DEFAULT_ARGOCD_NAMESPACE)
    .option('--disable-auto-sync', 'turn auto-sync off first (ArgoCD refuses a rollback while it is on); audited so it can be restored')
    .option('--dry-run', 'ask ArgoCD for a dry run; change nothing')
    .option('--prune', 'delete resources that are not in the target revision')
    .option('--wait <seconds>', 'wait up to this long (max 25) for the operation to finish', intOption('--wait', 0))
    .action(
      async (
        app: string,
        o: { to: string; instance: string; namespace: string; disableAutoSync?: boolean; dryRun?: boolean; prune?: boolean; wait?: number },
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd, io);
        const { label, path: appApi } = appPath(app, o);
        const path = `${appApi}/rollback`;
        const result = await ctx.api.post<{
          method: string;
          historyId?: number;
          revision: string;
          previousRevision?: string;
          dryRun: boolean;
          autoSyncDisabled?: { previousAutomated: unknown };
          wouldDisableAutoSync?: boolean;
          operation?: { phase?: string; message?: string };
          auditId?: string;
        }>(path, {
          to: o.to,
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(o.prune ? { prune: true } : {}),
          ...(o.disableAutoSync ? { disableAutoSync: true } : {}),
          ...(o.wait ? { waitSeconds: Math.min(25, o.wait) } : {}),
        });
        emit(
          ctx.io,
          ctx.format,
          result,
          () =>
            [
              `${result.dryRun ? 'dry run: ' : ''}${label}: ` +
                `${result.method === 'rollback' ? `rollback to history id ${result.historyId}` : 'sync to older commit'} ${result.revision} (was ` +
                `${short(result.previousRevision) || 'unknown'})`,
              ...(result.autoSyncDisabled
                ? [
                    `auto-sync turned off first; previous policy ${JSON.stringify(result.autoSyncDisabled.previousAutomated)} is in the audit trail ` +
                      `(app.autosync.disabled)`,
                  ]
                : []),
              ...(result.wouldDisableAutoSync ? ['would turn auto-sync off first'] : []),
              `operation: ${result.operation?.phase ?? 'unknown'}${result.operation?.message ? ` (${result.operation.message})` : ''}`,
              ...(result.auditId ? [`audit record: ${result.auditId}`] : []),
            ].join('\n') + '\n',
        );
      },
    );
}

/** `stats`: per-day or per-app figures. */
function registerStats(program: Command, io: CliIO): void {
  program
    .command('stats')
    .description(
      'per-day (or per-app) figures: pushes, refreshes/syncs, success rate, latency p50/p95, deployments, lead time p50/p95, drift, MTTR, consistency',
    )
    .option('--from <day>', 'first day (yyyy-mm-dd); default 6 days before --to')
    .option('--to <day>', 'last day (yyyy-mm-dd); default today')
    .option('--app <name>', 'only this app')
    .option('--instance <name>', 'only this instance')
    .option('--namespace <ns>', 'only this namespace')
    .option('--by <what>', 'table rows: day or app', 'day')
    .action(async (o: { from?: string; to?: string; app?: string; instance?: string; namespace?: string; by: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (o.by !== 'day' && o.by !== 'app') throw new CliError(EXIT.usage, '--by must be day or app');
      const stats = await ctx.api.get<{
        records: number;
        totals: Record<string, unknown>;
        days: Array<Record<string, unknown>>;
        apps: Array<Record<string, unknown>>;
      }>('/api/stats', {
        from: o.from,
        to: o.to,
        app: o.app,
        instance: o.instance,
        namespace: o.namespace,
      });
      const pct = (v: unknown) => (typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : '');
      const seconds = (v: unknown) => (typeof v === 'number' ? Math.round(v / 100) / 10 : '');
      const common = [
        { header: 'pushes', get: (r: Record<string, unknown>) => r.pushes },
        { header: 'refreshes', get: (r: Record<string, unknown>) => r.refreshes },
        { header: 'syncs', get: (r: Record<string, unknown>) => r.syncs },
        { header: 'success', get: (r: Record<string, unknown>) => pct(r.successRate) },
        { header: 'p50 ms', get: (r: Record<string, unknown>) => r.latencyP50Ms },
        { header: 'p95 ms', get: (r: Record<string, unknown>) => r.latencyP95Ms },
        { header: 'deploys', get: (r: Record<string, unknown>) => r.deployments },
        { header: 'deployed ok', get: (r: Record<string, unknown>) => pct(r.deploySuccessRate) },
        { header: 'lead p50 s', get: (r: Record<string, unknown>) => seconds(r.leadTimeP50Ms) },
        { header: 'lead p95 s', get: (r: Record<string, unknown>) => seconds(r.leadTimeP95Ms) },
        { header: 'drift found', get: (r: Record<string, unknown>) => r.driftFound },
        { header: 'repaired', get: (r: Record<string, unknown>) => r.driftRepaired },
        { header: 'MTTR s', get: (r: Record<string, unknown>) => (typeof r.mttrMs === 'number' ? Math.round(r.mttrMs / 1000) : '') },
      ];
      emit(ctx.io, ctx.format, stats, () =>
        o.by === 'day'
          ? table(stats.days, [
              { header: 'day', get: (r) => r.day },
              ...common,
              { header: 'consistency', get: (r) => (typeof r.consistencyPercent === 'number' ? `${r.consistencyPercent}%` : '') },
            ])
          : table(stats.apps, [{ header: 'app', get: (r) => `${String(r.instance)}/${String(r.namespace)}/${String(r.app)}` }, ...common]),
      );
    });
}
