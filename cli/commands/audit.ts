/**
 * `sentinel audit` (query, `--all`, `--follow`), `audit verify` (online or `--offline DIR`),
 * `audit anchor`, `audit export-proof DIR` and `audit backfill-index`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import {
  PROOF_FILES,
  ProofFormatError,
  chainSetFilter,
  parseDigestFile,
  partName,
  publicKeyOf,
  sha256Hex,
  verifyProof,
  type ChainFilter,
  type AnchorResult,
  type AnchoredVerifyReport,
  type ProofManifest,
} from '../../functions/lib/anchor/index';
import type { IndexBackfillResult } from '../../functions/lib/audit/index-backfill';
import type { AuditRecord } from '../../functions/lib/audit/types';
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

/** `GET /api/audit/verify`: anchored, or the hash chains alone where anchoring is not configured. */
type VerifyReport = Omit<AnchoredVerifyReport, 'digests' | 'unanchored'> &
  Partial<Pick<AnchoredVerifyReport, 'digests' | 'unanchored'>> & { anchoring?: string };

function renderVerify(report: VerifyReport): string {
  const lines: string[] = [];
  lines.push(
    report.ok
      ? `OK: ${report.chains} chains, ${report.records} records, no breaks`
      : `BROKEN: ${report.breaks.length + (report.breaksOmitted ?? 0)} break(s) in ${report.chains} chains (${report.records} records)`,
  );
  if (report.digests) {
    const n = report.digests.newest;
    const d = report.digests;
    const scope = d.mode === 'all' ? 'from digest 0' : d.from !== undefined ? `from checkpoint #${d.from}` : '';
    lines.push(
      `digests: ${d.count} checked${scope ? ` ${scope}` : ''}${n ? `, newest #${n.seq} (${n.kind}) at ${n.time}` : ', none yet'}; key ${d.keyFingerprint}`,
    );
  } else if (report.anchoring) {
    lines.push(`anchoring: ${report.anchoring} (hash chains checked alone: a rewrite that recomputes hashes is not detected)`);
  }
  if (report.unindexed) {
    const u = report.unindexed;
    lines.push(`without projectDay: ${u.records} record(s) in ${u.chains} chain(s), ${u.oldest} .. ${u.newest}: ${u.hint}`);
  }
  if (report.unanchored) {
    const u = report.unanchored;
    lines.push(u.records ? `not yet anchored: ${u.records} record(s) in ${u.chains} chain(s), oldest ${u.oldest}` : 'not yet anchored: nothing');
  }
  let out = `${lines.join('\n')}\n`;
  if (!report.ok) {
    out += table(report.breaks, [
      { header: 'chain', get: (b) => b.chain },
      { header: 'seq', get: (b) => b.seq },
      { header: 'reason', get: (b) => b.reason },
      { header: 'message', get: (b) => b.message },
    ]);
    if (report.breaksOmitted) out += `(${report.breaksOmitted} more break(s) not listed)\n`;
  }
  return out;
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
  let since = items.length ? items[items.length - 1].ts : (o.from ?? new Date().toISOString());
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

/** `GET /api/audit/verify` page by page (each page answers within the API's time limit), merged into one report. */
async function verifyPaged(ctx: CommandContext, io: CliIO, limit: number, digests: string | undefined): Promise<VerifyReport> {
  let merged: VerifyReport | undefined;
  const seen = new Set<string>();
  let after = '';
  for (;;) {
    const page = await ctx.api.get<VerifyReport & { next?: string }>('/api/audit/verify', { after, limit, digests });
    // Every page checks the digest chain again: a digest break is listed once.
    const fresh = page.breaks.filter((b) => {
      const k = `${b.chain}\0${b.seq}\0${b.reason}\0${b.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (!merged) merged = { ...page, breaks: fresh };
    else {
      merged.chains += page.chains;
      merged.records += page.records;
      merged.breaks.push(...fresh);
      merged.breaksOmitted = (merged.breaksOmitted ?? 0) + (page.breaksOmitted ?? 0) || undefined;
      if (merged.unanchored && page.unanchored) {
        const u = merged.unanchored;
        u.records += page.unanchored.records;
        u.chains += page.unanchored.chains;
        if (page.unanchored.oldest && (!u.oldest || page.unanchored.oldest < u.oldest)) u.oldest = page.unanchored.oldest;
      }
      if (page.unindexed) {
        const u = (merged.unindexed ??= { ...page.unindexed, records: 0, chains: 0 });
        u.records += page.unindexed.records;
        u.chains += page.unindexed.chains;
        if (page.unindexed.oldest && (!u.oldest || page.unindexed.oldest < u.oldest)) u.oldest = page.unindexed.oldest;
        if (page.unindexed.newest && (!u.newest || page.unindexed.newest > u.newest)) u.newest = page.unindexed.newest;
      }
    }
    merged.ok = merged.breaks.length === 0 && !merged.breaksOmitted;
    progress(io, `verify: ${merged.chains} chains, ${merged.records} records`);
    if (page.next === undefined || page.anchoring) break;
    after = page.next;
  }
  delete (merged as { next?: string }).next;
  return merged;
}

/**
 * Writes the digests from the newest checkpoint on into `dir`, and the parts of them that hold
 * the exported chains (all parts when `only` is undefined). Each part's hash is checked against
 * its digest on the way.
 */
async function exportDigests(ctx: CommandContext, io: CliIO, dir: string, only: ChainFilter | undefined): Promise<number> {
  let count = 0;
  let after: string | undefined;
  do {
    const page = await ctx.api.get<{ items: Array<{ name: string; base64: string }>; next?: string }>('/api/audit/digests', {
      after,
      limit: 500,
      ...(after === undefined ? { from: 'checkpoint' } : {}),
    });
    for (const d of page.items) {
      if (!/^digests\/\d{12}\.json$/.test(d.name))
        throw new CliError(EXIT.error, `the API listed an unexpected digest name ${JSON.stringify(d.name.slice(0, 60))}`);
      const bytes = Buffer.from(d.base64, 'base64');
      writeFileSync(join(dir, d.name), bytes);
      count++;
      const parsed = parseDigestFile(bytes);
      // A digest that does not parse is exported as it is: verify --offline reports it.
      if (!parsed.ok) continue;
      for (const part of parsed.file.digest.parts ?? []) {
        if (only && !only.overlaps(part.first, part.last)) continue;
        const got = await ctx.api.get<{ name: string; base64: string }>('/api/audit/digests/part', { seq: parsed.file.digest.seq, hash: part.hash });
        const body = Buffer.from(got.base64, 'base64');
        if (sha256Hex(body) !== part.hash)
          throw new CliError(EXIT.error, `part ${part.hash.slice(0, 16)}… of digest ${parsed.file.digest.seq} does not match its hash`);
        const path = join(dir, ...partName(parsed.file.digest.seq, part.hash).split('/'));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body);
      }
    }
    after = page.next;
    progress(io, `export-proof: ${count} digest(s)`);
  } while (after);
  return count;
}

/** Registers `audit` and its subcommands (verify, backfill-index, anchor, export-proof), in that order. */
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

  registerAuditVerify(audit, io);
  registerAuditBackfillIndex(audit, io);
  registerAuditAnchor(audit, io);
  registerAuditExportProof(audit, io);
}

/** `audit verify`: the digest chain and the hash chains, online or offline. */
function registerAuditVerify(audit: Command, io: CliIO): void {
  audit
    .command('verify')
    .description('check the digest chain and every hash chain against the newest signed digest anchoring it; exit 2 on any break')
    .option('--chain <chain...>', 'only these chains, e.g. app#default#argocd#guestbook')
    .option('--offline <dir>', 'verify an exported proof (sentinel audit export-proof) with no API and no AWS access')
    .option('--public-key <file>', "with --offline: check with this PEM key (obtained independently) instead of the proof's own")
    .option('--all-digests', 'check the digest chain from digest 0, not only from the newest checkpoint on')
    .option('--page <n>', 'chains per API request (pages keep each request within the API time limit)', intOption('--page'), 1000)
    .action(async (o: { chain?: string[]; offline?: string; publicKey?: string; allDigests?: boolean; page: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const digests = o.allDigests ? 'all' : undefined;
      let report: VerifyReport;
      if (o.offline) {
        if (o.chain) throw new CliError(EXIT.usage, '--chain cannot be combined with --offline (a proof holds the chains it was exported with)');
        progress(io, `verifying the proof in ${o.offline}...`);
        try {
          report = await verifyProof(o.offline, {
            ...(o.publicKey ? { publicKeyPem: readFileSync(o.publicKey, 'utf8') } : {}),
            ...(digests ? { digests } : {}),
          });
        } catch (error) {
          if (error instanceof ProofFormatError) throw new CliError(EXIT.usage, error.message);
          throw error;
        }
      } else {
        if (o.publicKey) throw new CliError(EXIT.usage, '--public-key needs --offline');
        progress(io, 'verifying audit chains...');
        report = o.chain
          ? await ctx.api.get<VerifyReport>('/api/audit/verify', { chain: o.chain.join(','), digests })
          : await verifyPaged(ctx, io, o.page, digests);
      }
      progress(io, `verified ${report.chains} chains, ${report.records} records: ${report.ok ? 'ok' : `${report.breaks.length} break(s)`}`, true);
      emit(ctx.io, ctx.format, report, () => renderVerify(report));
      if (!report.ok) throw new CliError(EXIT.finding, `audit verification found ${report.breaks.length + (report.breaksOmitted ?? 0)} break(s)`);
    });
}

/** `audit backfill-index`: the by-project index for records written before it existed. */
function registerAuditBackfillIndex(audit: Command, io: CliIO): void {
  audit
    .command('backfill-index')
    .description('give records written before the by-project index their projectDay (upgrade step; no hashed field changes); audited once when done')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      let resume: string | undefined;
      let result: IndexBackfillResult;
      // The API works in slices of about 20 s (API Gateway ends a request at 29 s) and hands back a resume token.
      do {
        result = await ctx.api.post<IndexBackfillResult>('/api/audit/backfill-index', resume ? { resume } : {});
        resume = result.resume;
        progress(io, `backfill-index: ${result.total.records} record(s) read, ${result.total.indexed} indexed, ${result.total.chains} chain(s) done`);
      } while (!result.done && resume);
      progress(io, 'backfill-index: done', true);
      const t = result.total;
      emit(
        ctx.io,
        ctx.format,
        t,
        () =>
          `indexed ${t.indexed} record(s) of ${t.records} in ${t.chains} chain(s)` +
          (t.skipped ? `; ${t.skipped} left as they are (they fail their hash or index check: see sentinel audit verify)` : '') +
          '\n',
      );
    });
}

/** `audit anchor`: a signed digest now. */
function registerAuditAnchor(audit: Command, io: CliIO): void {
  audit
    .command('anchor')
    .description('write a signed digest of the changed chain heads now (POST /api/audit/anchor) and print what it covers')
    .option('--checkpoint', "name every chain's head, not only the changed ones")
    .action(async (o: { checkpoint?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const result = await ctx.api.post<AnchorResult>('/api/audit/anchor', o.checkpoint ? { checkpoint: true } : {});
      emit(ctx.io, ctx.format, result, () =>
        result.written
          ? `digest ${result.seq} (${result.kind}) at ${result.time}: ${result.chains} chain head(s), ${result.newRecords} new record(s), ` +
            `${result.recordsCovered} record(s) covered, ${result.bytes} bytes${result.parts ? ` in ${result.parts + 1} files` : ''}\n` +
            (result.sweep
              ? `sweep: ${result.sweep.chains} chain(s) after ${JSON.stringify(result.sweep.from)}; ` +
                `${result.sweep.next ? `the next run goes on after ${result.sweep.next}` : 'reached the end, the next run starts over'}\n`
              : '') +
            (result.held.length ? `held at their anchor (no longer extend it; verify reports them): ${result.held.map((h) => h.chain).join(', ')}\n` : '')
          : `digest ${result.seq} was written by another anchor run at the same time; nothing written\n`,
      );
    });
}

/** `audit export-proof`: records, digests and the public key, for an offline verify. */
function registerAuditExportProof(audit: Command, io: CliIO): void {
  audit
    .command('export-proof <dir>')
    .description('write records, the digests covering them and the public key to DIR, for sentinel audit verify --offline')
    .option('--app <name>', "only this app's chain (with --instance/--namespace, defaults default/argocd)")
    .option('--instance <name>', 'ArgoCD instance of --app')
    .option('--namespace <ns>', 'application namespace of --app')
    .option('--from <time>', 'chains with records at or after this time (yyyy-mm-dd or ISO-8601)')
    .option('--to <time>', 'recorded in the manifest; chains are exported to their head, which proves the records before it')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      // `audit` itself has --app/--from/...; commander hands them to whichever command it sees first, so read both.
      const o = cmd.optsWithGlobals<{ app?: string; instance?: string; namespace?: string; from?: string; to?: string }>();
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(EXIT.usage, `${dir} is not empty; export into a new or empty directory`);
      const key = await ctx.api.get<{ pem: string; fingerprint: string }>('/api/audit/public-key');
      if (publicKeyOf(key.pem).fingerprint !== key.fingerprint)
        throw new CliError(EXIT.error, 'the API answered a public key whose fingerprint does not match it');
      mkdirSync(join(dir, 'digests'), { recursive: true });
      writeFileSync(join(dir, PROOF_FILES.publicKey), key.pem);
      const filter = Object.fromEntries(
        Object.entries({ app: o.app, instance: o.instance, namespace: o.namespace, from: o.from, to: o.to }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>;
      // Chains first (paged: 100,000 names do not fit one answer), so only the digest parts holding them are fetched.
      const chains: Array<{ chain: string; fromSeq: number }> = [];
      let afterChain: string | undefined;
      do {
        const page = await ctx.api.get<{ chains: Array<{ chain: string; fromSeq: number }>; next?: string }>('/api/audit/proof/chains', {
          ...filter,
          after: afterChain,
        });
        chains.push(...page.chains);
        afterChain = page.next;
        progress(io, `export-proof: ${chains.length} chain(s)`);
      } while (afterChain !== undefined);
      const digests = await exportDigests(ctx, io, dir, Object.keys(filter).length ? chainSetFilter(chains.map((c) => c.chain)) : undefined);
      // Appended page by page, so an export of a million records never sits in memory.
      const recordsFile = join(dir, PROOF_FILES.records);
      writeFileSync(recordsFile, '');
      let records = 0;
      for (const [i, { chain, fromSeq }] of chains.entries()) {
        let next: number | undefined = fromSeq;
        do {
          const page: { items: AuditRecord[]; next?: number } = await ctx.api.get('/api/audit/proof/records', { chain, fromSeq: next, limit: 1000 });
          if (page.items.length) appendFileSync(recordsFile, page.items.map((r) => `${JSON.stringify(r)}\n`).join(''));
          records += page.items.length;
          next = page.next;
        } while (next !== undefined);
        progress(io, `export-proof: ${records} record(s) in ${i + 1} of ${chains.length} chain(s)`);
      }
      const manifest: ProofManifest = { version: 1, exportedAt: new Date().toISOString(), filter, chains, keyFingerprint: key.fingerprint };
      writeFileSync(join(dir, PROOF_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
      progress(io, `export-proof: done`, true);
      const summary = { dir, chains: chains.length, records, digests, keyFingerprint: key.fingerprint };
      emit(
        ctx.io,
        ctx.format,
        summary,
        () =>
          `wrote ${records} record(s) of ${chains.length} chain(s), ${digests} digest(s) and the public key (${key.fingerprint}) to ${dir}\nverify with: ` +
          `sentinel audit verify --offline ${dir}\n`,
      );
    });
}
