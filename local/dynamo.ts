import { mkdirSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { TABLES, tableName, tableNames, toCreateTableInput, type TableNames } from '../functions/lib/config/tables';
import { listenLocal } from './listen';

export { tableNames, type TableNames };

// dynalite ships no types; this is the part of its API we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => import('node:http').Server;

/** A running embedded DynamoDB. */
export interface EmbeddedDynamo {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1. With `path` the data lives in a LevelDB folder there
 * (kept across restarts); without it, in memory.
 * @param options.port 0 (default) picks a free port
 */
export async function startEmbeddedDynamo(options: { path?: string; port?: number } = {}): Promise<EmbeddedDynamo> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenLocal(server, options.port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A DynamoDB client aimed at a local endpoint with dummy credentials. dynalite checks that a
 * request carries an Authorization header but not its signature, so the client sends a fixed
 * one instead of computing SigV4 per call (signing was a tenth of the local stack's CPU).
 */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    signer: {
      sign: async (request) => {
        request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=local/19700101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
        request.headers['x-amz-date'] = '19700101T000000Z';
        return request;
      },
    },
  });
}

/**
 * Creates every table from `functions/lib/config/tables.ts` unless it exists, and waits
 * until each is ACTIVE. Idempotent.
 */
export async function ensureTables(client: DynamoDBClient, prefix: string): Promise<TableNames> {
  for (const def of TABLES) {
    const name = tableName(prefix, def);
    try {
      await client.send(new CreateTableCommand(toCreateTableInput(def, name)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setImmediate(r));
    }
  }
  return tableNames(prefix);
}
