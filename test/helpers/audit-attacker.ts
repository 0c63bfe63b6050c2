/**
 * What an attacker holding `dynamodb:PutItem` (and Query/DeleteItem for the deletion case) on
 * the audit table can do: rewrite a record and re-hash the rest of its chain with the
 * project's own hash-chain code, or delete a chain's newest record. Used by tests that play
 * that attacker against `audit verify`.
 */
import { DeleteCommand, PutCommand, QueryCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sealRecord } from '../../functions/lib/audit/hash-chain';
import { INDEX_ATTRIBUTE_NAMES, indexAttributes } from '../../functions/lib/audit/records';
import type { AuditRecord } from '../../functions/lib/audit/types';

async function readChain(doc: DynamoDBDocumentClient, table: string, chain: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const res of paginateQuery(
    { client: doc },
    { TableName: table, KeyConditionExpression: 'chain = :c', ExpressionAttributeValues: { ':c': chain } },
  )) {
    for (const item of res.Items ?? []) {
      const r = { ...item };
      for (const n of INDEX_ATTRIBUTE_NAMES) delete r[n];
      out.push(r as unknown as AuditRecord);
    }
  }
  return out;
}

/**
 * Edits record `seq` of `chain` and recomputes the hash of it and of every later record so
 * the chain is consistent again, then writes them back with unconditional PutItems.
 * @returns the records as rewritten
 */
export async function rewriteAndRehash(
  doc: DynamoDBDocumentClient,
  table: string,
  chain: string,
  seq: number,
  edit: (r: AuditRecord) => AuditRecord,
): Promise<AuditRecord[]> {
  const records = await readChain(doc, table, chain);
  const rewritten: AuditRecord[] = [];
  let prevHash = seq > 0 ? records.find((r) => r.seq === seq - 1)!.hash : '';
  for (const r of records.filter((x) => x.seq >= seq)) {
    const { hash: _old, ...rest } = r.seq === seq ? edit(r) : r;
    void _old;
    const sealed = sealRecord({ ...rest, prevHash });
    prevHash = sealed.hash;
    await doc.send(new PutCommand({ TableName: table, Item: { ...sealed, ...indexAttributes(sealed) } }));
    rewritten.push(sealed);
  }
  return rewritten;
}

/** Deletes the newest record of a chain; returns its seq. */
export async function deleteNewest(doc: DynamoDBDocumentClient, table: string, chain: string): Promise<number> {
  const res = await doc.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'chain = :c', ExpressionAttributeValues: { ':c': chain }, ScanIndexForward: false, Limit: 1 }),
  );
  const seq = res.Items![0].seq as number;
  await doc.send(new DeleteCommand({ TableName: table, Key: { chain, seq } }));
  return seq;
}

/** Deletes every record of a chain. */
export async function deleteChain(doc: DynamoDBDocumentClient, table: string, chain: string): Promise<void> {
  for (const r of await readChain(doc, table, chain)) await doc.send(new DeleteCommand({ TableName: table, Key: { chain, seq: r.seq } }));
}
