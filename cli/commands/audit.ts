/** `sentinel audit` (query, `--all`, `--follow`) and `sentinel audit verify`. */
import type { Command } from 'commander';
import { contextOf, intOption, type CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { emit, progress, short, table, type CliIO, type Column } from '../output';

/** An audit record as the API returns it. */
export interface AuditRow {
  id: string;
  ts: string;
  kind: string;
  outcome: string;
  instance?: string;
  namespace?: string;
  app?: string;
  revision?: string;
  deliveryId?: string;
  actor: string;
  message: string;
}

interface AuditPage {
  items: AuditRow[];
  cursor?: string;
}

interface VerifyReport {
  chains: number;
  records: number;
  ok: boolean;
  breaks: Array<{ chain: string; seq: number; reason: string; message: string }>;
}

const COLUMNS: Column<AuditRow>[] = [
  { header: 'time', get: (r) => r.ts },
  { header: 'kind', get: (r) => r.kind },
  { header: 'outcome', get: (r) => r.outcome },
  { header: 'app', get: (r) => (r.app ? `${r.instance}/${r.namespace}/${r.app}` : (r.instance ?? '')) },
  { header: 'revision', get: (r) => short(r.revision) },
  { header: 'actor', get: (r) => r.actor },
  { header: 'message', get: (r) => (r.message.length > 80 ? `${r.message.slice(0, 77)}...` : r.message) },
];

interface AuditOptions {
  app?: string;
  instance?: string;
  namespace?: string;
  kind?: string;
  from?: string;
  to?: string;
  delivery?: string;
  revision?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  max: number;
  follow?: boolean;
  interval: number;
}

function filters(o: AuditOptions) {
  return { app: o.app, instance: o.instance, namespace: o.namespace, kind: o.kind, delivery: o.delivery, revision: o.revision };
}

function line(ctx: CommandContext, r: AuditRow): string {
  if (ctx.format === 'json') return `${JSON.stringify(r)}\n`;
  const app = r.app ? `${r.instance}/${r.namespace}/${r.app}` : (r.instance ?? '-');
  return `${r.ts}  ${r.kind.padEnd(22)} ${r.outcome.padEnd(8)} ${app}  ${short(r.revision) || '-'}  ${r.actor}  ${r.message}\n`;
}

/** Waits `ms` or until the signal aborts; true when aborted. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Tails the trail: prints the newest `limit` records oldest first, then polls every
 * `interval` seconds for records at or after the newest seen, printing each once.
 */
async function follow(ctx: CommandContext, o: AuditOptions, signal?: AbortSignal): Promise<void> {
  const first = await ctx.api.get<AuditPage>('/api/audit', { ...filters(o), from: o.from, limit: o.limit ?? 20 });
  const items = [...first.items].reverse();
  let since = items.length ? items[items.length - 1]!.ts : (o.from ?? new Date().toISOString());
  let seenAtSince = new Set(items.filter((r) => r.ts === since).map((r) => r.id));
  for (const r of items) ctx.io.stdout.write(line(ctx, r));
  for (;;) {
    if (await pause(o.interval * 1000, signal)) return;
    const fresh: AuditRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await ctx.api.get<AuditPage>('/api/audit', { ...filters(o), from: since, limit: 1000, cursor });
      fresh.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    fresh.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : 1));
    for (const r of fresh) {
      if (r.ts === since && seenAtSince.has(r.id)) continue;
      ctx.io.stdout.write(line(ctx, r));
      if (r.ts > since) {
        since = r.ts;
        seenAtSince = new Set();
      }
      seenAtSince.add(r.id);
    }
  }
}

function secondsOption(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.05) throw new CliError(EXIT.usage, `--interval must be a number of seconds >= 0.05, got "${value}"`);
  return n;
}

/** Registers `audit` and `audit verify`. */
export function registerAudit(program: Command, io: CliIO): void {
  const audit = program
    .command('audit')
    .description('query the audit trail, newest first (one page unless --all); --follow tails it')
    .option('--app <name>', 'records of one app (with --instance/--namespace, defaults default/argocd)')
    .option('--instance <name>', 'ArgoCD instance')
    .option('--namespace <ns>', 'application namespace')
    .option('--kind <kind>', 'record kind, e.g. app.synced, drift.found, app.rolledback')
    .option('--from <time>', 'inclusive lower bound (yyyy-mm-dd or ISO-8601)')
    .option('--to <time>', 'inclusive upper bound (yyyy-mm-dd or ISO-8601)')
    .option('--delivery <id>', 'records of one webhook delivery')
    .option('--revision <sha>', 'records about one commit')
    .option('--limit <n>', 'records per page (the API caps it at 1000)', intOption('--limit'))
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--all', 'follow cursors to the end (progress on stderr)')
    .option('--max <n>', 'with --all, stop after this many records', intOption('--max'), 10000)
    .option('-f, --follow', 'tail the trail by polling; Ctrl-C ends it')
    .option('--interval <seconds>', 'poll interval of --follow (decimals allowed)', secondsOption, 2)
    .action(async (o: AuditOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (o.follow) {
        if (o.cursor || o.all) throw new CliError(EXIT.usage, '--follow cannot be combined with --cursor or --all');
        return follow(ctx, o, io.signal);
      }
      const query = { ...filters(o), from: o.from, to: o.to, limit: o.limit };
      if (!o.all) {
        const page = await ctx.api.get<AuditPage>('/api/audit', { ...query, cursor: o.cursor });
        emit(ctx.io, ctx.format, page, () => table(page.items, COLUMNS) + (page.cursor ? `more: --cursor ${page.cursor}\n` : ''));
        return;
      }
      const items: AuditRow[] = [];
      let cursor = o.cursor;
      do {
        const page = await ctx.api.get<AuditPage>('/api/audit', { ...query, limit: o.limit ?? 1000, cursor });
        items.push(...page.items);
        cursor = page.cursor;
        progress(io, `audit: ${items.length} records`);
      } while (cursor && items.length < o.max);
      const out = items.slice(0, o.max);
      emit(ctx.io, ctx.format, { items: out, count: out.length, ...(cursor ? { truncated: true } : {}) }, () => table(out, COLUMNS));
    });

  audit
    .command('verify')
    .description('walk every hash chain (or the given ones) and report altered, inserted or deleted records; exit 2 on a break')
    .option('--chain <chain...>', 'only these chains, e.g. app#default#argocd#guestbook')
    .action(async (o: { chain?: string[] }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      progress(io, 'verifying audit chains...');
      const report = await ctx.api.get<VerifyReport>('/api/audit/verify', { chain: o.chain?.join(',') });
      progress(io, `verified ${report.chains} chains, ${report.records} records: ${report.ok ? 'ok' : `${report.breaks.length} break(s)`}`, true);
      emit(ctx.io, ctx.format, report, () =>
        report.ok
          ? `OK: ${report.chains} chains, ${report.records} records, no breaks\n`
          : `BROKEN: ${report.breaks.length} break(s) in ${report.chains} chains (${report.records} records)\n` +
            table(report.breaks, [
              { header: 'chain', get: (b) => b.chain },
              { header: 'seq', get: (b) => b.seq },
              { header: 'reason', get: (b) => b.reason },
              { header: 'message', get: (b) => b.message },
            ]),
      );
      if (!report.ok) throw new CliError(EXIT.finding, `audit chain verification found ${report.breaks.length} break(s)`);
    });
}
