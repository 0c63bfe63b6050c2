/**
 * Which providers refused their token, in the state table: `pk = commit-status#<api>`,
 * `sk = auth-block`, with a fingerprint of the refused token and the end of the cool-down.
 * A conditional put makes exactly one writer the first to see a refusal of a given token, so the
 * refusal is audited (and alarmed) once per provider and token, however many functions saw it.
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A provider's token refusal. */
export interface AuthBlock {
  /** `tokenFingerprint` of the refused token. */
  fingerprint: string;
  /** Epoch ms until which the provider is not called with that token. */
  until: number;
  /** The HTTP status that refused it (401 or 403). */
  status: number;
}

/**
 * A short one-way fingerprint of a token (SHA-256, 16 hex digits), to tell a changed token
 * from the refused one. Kept in the state table only, never in logs or the audit trail.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

const pk = (api: string) => `commit-status#${api}`;
const SK = 'auth-block';
const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** Options of {@link AuthBlockStore}. */
export interface AuthBlockStoreOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the state table. */
  tableName: string;
}

/** Token refusals per provider. */
export class AuthBlockStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: AuthBlockStoreOptions) {
    if (!options?.doc || !options.tableName) throw new TypeError('[gitops-sentinel/commit-status] doc and tableName are required');
    this.#doc = options.doc;
    this.#table = options.tableName;
  }

  /** The provider's current refusal, if any (expired ones included: the caller compares `until`). */
  async get(api: string): Promise<AuthBlock | undefined> {
    const res = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: { pk: pk(api), sk: SK } }));
    const item = res.Item as (AuthBlock & Record<string, unknown>) | undefined;
    return item ? { fingerprint: String(item.fingerprint), until: Number(item.until), status: Number(item.status) } : undefined;
  }

  /**
   * Records a refusal, unless the same token's refusal is already recorded and not over.
   * @returns true when this call recorded it (the caller audits and alarms), false when it was known
   */
  async record(api: string, block: AuthBlock, nowMs: number): Promise<boolean> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: pk(api), sk: SK, ...block, expiresAt: Math.floor(block.until / 1000) + 86_400 },
          ConditionExpression: 'attribute_not_exists(pk) OR fingerprint <> :fp OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':fp': block.fingerprint, ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
