import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTables, localDynamoClient, type TableNames } from '../../local/dynamo';

/** Fresh tables (unique prefix) in the test run's dynalite, with real SDK v3 clients. */
export async function createTestTables(label = 'test') {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: jest globalSetup did not run');
  const client = localDynamoClient(endpoint);
  const prefix = `${label}-${randomUUID().slice(0, 8)}`;
  const names: TableNames = await ensureTables(client, prefix);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { endpoint, client, doc, prefix, names };
}
