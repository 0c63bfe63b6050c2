/**
 * Audit append rate against an embedded dynalite (started here, in memory):
 * sequential appends to one chain, 16 concurrent writers to one chain (as 16 separate
 * processes, i.e. separate stores, and as 16 concurrent calls on one store), and 16
 * concurrent writers spread over many chains. Prints one JSON object to stdout.
 *
 * Run: npx tsx bench/audit-append.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditConflictError, DynamoDBAuditStore, type AuditInput } from '../functions/lib/audit';
import { ensureTables, localDynamoClient, startEmbeddedDynamo } from '../local/dynamo';
import { percentile } from './stats';

interface Figures {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Conditional puts per stored record (1 = no lost races). */
  putsPerRecord: number;
  /** Appends that gave up with AuditConflictError (not counted in records). */
  failedAppends: number;
  verified: boolean;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

// eslint-disable-next-line max-lines-per-function -- a bench script: set-up, measurement and report read top to bottom in one place
async function main(): Promise<void> {
  const dynamo = await startEmbeddedDynamo();
  const client = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let puts = 0;
  // Counts conditional puts, including the ones that lost a race, without changing what is sent.
  const counting = {
    send: (cmd: { constructor: { name: string } }) => {
      if (cmd.constructor.name === 'PutCommand') puts += 1;
      return doc.send(cmd as never);
    },
  } as unknown as DynamoDBDocumentClient;

  let run = 0;
  async function scenario(writers: number, perWriter: number, oneStore: boolean, inputFor: (w: number, k: number) => AuditInput): Promise<Figures> {
    const { audit } = await ensureTables(client, `bench-${run++}`);
    const shared = new DynamoDBAuditStore({ tableName: audit, client: counting, logger: { warn: () => undefined } });
    const stores = Array.from({ length: writers }, () => (oneStore ? shared : new DynamoDBAuditStore({ tableName: audit, client: counting })));
    // Warm-up: connection pool and the code paths, on its own chain.
    for (let i = 0; i < 20; i++) await shared.append({ kind: 'scan.completed', outcome: 'info', actor: 'bench', message: 'warm-up', app: 'warm-up' });
    puts = 0;
    const latencies: number[] = [];
    let failed = 0;
    const start = performance.now();
    await Promise.all(
      stores.map(async (store, w) => {
        for (let k = 0; k < perWriter; k++) {
          const t0 = performance.now();
          try {
            await store.append(inputFor(w, k));
            latencies.push(performance.now() - t0);
          } catch (error) {
            if (!(error instanceof AuditConflictError)) throw error;
            failed += 1;
          }
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const report = await shared.verify();
    latencies.sort((a, b) => a - b);
    const records = writers * perWriter - failed;
    return {
      records,
      seconds: round(seconds, 3),
      recordsPerSecond: round(records / seconds, 1),
      p50Ms: round(percentile(latencies, 50, 0)),
      p99Ms: round(percentile(latencies, 99, 0)),
      maxMs: round(latencies[latencies.length - 1]),
      putsPerRecord: round(puts / records, 2),
      failedAppends: failed,
      verified: report.ok && report.records === records + 20,
    };
  }

  const base: Omit<AuditInput, 'app'> = {
    kind: 'app.synced',
    outcome: 'success',
    actor: 'bench',
    message: 'synced to abc123',
    instance: 'prod',
    revision: 'abc123',
    details: { phase: 'Succeeded', resources: 12 },
  };

  const sequential = await scenario(1, 500, true, (_w, k) => ({ ...base, app: 'guestbook', deliveryId: `d-${k}` }));
  const oneChain16Processes = await scenario(16, 20, false, (w, k) => ({ ...base, app: 'guestbook', deliveryId: `d-${w}-${k}` }));
  const oneChain16OneStore = await scenario(16, 20, true, (w, k) => ({ ...base, app: 'guestbook', deliveryId: `d-${w}-${k}` }));
  const manyChains16Processes = await scenario(16, 40, false, (w, k) =>
    k % 2 === 0
      ? { ...base, app: `app-${w}-${k % 8}`, deliveryId: `d-${w}-${k}` }
      : { kind: 'webhook.received', outcome: 'info', actor: 'bench', message: 'push received', deliveryId: `d-${w}-${k}` },
  );

  await dynamo.close();
  client.destroy();
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'audit-append',
        backend: 'dynalite (in memory, same process)',
        node: process.version,
        cpus: cpus().length,
        scenarios: {
          sequentialOneChain: sequential,
          concurrent16WritersOneChainSeparateProcesses: oneChain16Processes,
          concurrent16WritersOneChainOneStore: oneChain16OneStore,
          concurrent16WritersManyChains: manyChains16Processes,
        },
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`audit-append bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
