import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig, type SentinelConfig } from '../functions/lib/config';
import { EnvSecretsProvider } from '../functions/lib/secrets';
import { ensureTables, localDynamoClient, startEmbeddedDynamo, type TableNames } from './dynamo';
import { createRequestListener, type Route } from './http-adapter';

/** Options of `startLocalStack`. */
export interface LocalStackOptions {
  /** Environment to read the configuration from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Port to listen on; 0 picks a free one. @default config.port (8080) */
  port?: number;
  /**
   * Folder for the embedded DynamoDB's data; `null` keeps it in memory.
   * @default `.sentinel/data` under the working directory
   */
  dataDir?: string | null;
  /** Where status lines go. @default nothing */
  log?: (line: string) => void;
}

/** A running local stack. */
export interface LocalStack {
  url: string;
  port: number;
  config: SentinelConfig;
  tables: TableNames;
  dynamodbEndpoint: string;
  dataDir: string | null;
  close(): Promise<void>;
}

/**
 * Starts everything `npm start` runs: the embedded DynamoDB (tables created from the
 * shared definitions), the real Lambda handlers behind the HTTP adapter on 127.0.0.1.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? (() => {});
  const config = loadConfig(env);
  const dataDir = options.dataDir === undefined ? join(process.cwd(), '.sentinel', 'data') : options.dataDir;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };

  try {
    const dynamo = await startEmbeddedDynamo({ path: dataDir ?? undefined });
    closers.push(() => dynamo.close());
    const client = localDynamoClient(dynamo.endpoint);
    closers.push(async () => client.destroy());
    const tables = await ensureTables(client, config.storage.tablePrefix);
    const secrets = new EnvSecretsProvider(env);
    void secrets;

    const healthz: Route = {
      method: 'GET',
      path: '/healthz',
      handler: async () => {
        await client.send(new DescribeTableCommand({ TableName: tables.audit }));
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok', instances: config.instances.map((i) => i.name) }) };
      },
    };
    const routes: Route[] = [healthz];

    const server: Server = createServer(createRequestListener(routes, (error) => log(`handler error: ${error instanceof Error ? error.message : String(error)}`)));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.port, '127.0.0.1', () => resolve());
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, port, config, tables, dynamodbEndpoint: dynamo.endpoint, dataDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
