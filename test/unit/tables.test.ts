import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createTestTables } from '../helpers/dynamo';
import { AUDIT_TABLE, STATE_TABLE } from '../../functions/lib/config/tables';

describe('table definitions', () => {
  it('creates every table with its indexes in the embedded DynamoDB', async () => {
    const { client, names } = await createTestTables('tables');
    const audit = await client.send(new DescribeTableCommand({ TableName: names.audit }));
    expect(audit.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(AUDIT_TABLE.indexes.map((i) => i.indexName).sort());
    const state = await client.send(new DescribeTableCommand({ TableName: names.state }));
    expect(state.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([STATE_TABLE.partitionKey.name, STATE_TABLE.sortKey!.name]);
    const idem = await client.send(new DescribeTableCommand({ TableName: names.idempotency }));
    expect(idem.Table?.TableStatus).toBe('ACTIVE');
  });
});
