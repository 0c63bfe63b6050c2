/**
 * The newest deployment of each app, in the state table: `pk = deploy#<instance>#<namespace>#<name>`,
 * `sk = current`. One item per app is what makes a newer push supersede an older one and what
 * lets each check claim its step, so at most one check per app per step reaches ArgoCD.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppRef } from '../argocd/types';
import type { DeployOutcome, TrackedDeployment } from './types';

/** Partition key of an app's deployment item. */
export function deploymentPk(ref: AppRef): string {
  return `deploy#${ref.instance}#${ref.namespace}#${ref.name}`;
}

const SK = 'current';
/** Items outlive their deadline by this long (DynamoDB TTL), for the operator API and late checks. */
const KEEP_SECONDS = 7 * 86_400;

const isConditionFailure = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** Options of {@link DeploymentStore}. */
export interface DeploymentStoreOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the state table. */
  tableName: string;
}

/** The deployment items. Writes are a put (a new deployment) or conditional updates. */
export class DeploymentStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DeploymentStoreOptions) {
    if (!options?.doc || !options.tableName) throw new TypeError('[gitops-sentinel/deploy] doc and tableName are required');
    this.#doc = options.doc;
    this.#table = options.tableName;
  }

  /** Makes `d` the app's current deployment; answers the one it replaced, if any. */
  async replace(d: TrackedDeployment): Promise<TrackedDeployment | undefined> {
    const expiresAt = Math.floor(Date.parse(d.deadlineAt) / 1000) + KEEP_SECONDS;
    const res = await this.#doc.send(
      new PutCommand({ TableName: this.#table, Item: { pk: deploymentPk(d.ref), sk: SK, ...d, expiresAt }, ReturnValues: 'ALL_OLD' }),
    );
    return res.Attributes ? toDeployment(res.Attributes) : undefined;
  }

  /** The app's current deployment. */
  async get(ref: AppRef): Promise<TrackedDeployment | undefined> {
    const res = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: { pk: deploymentPk(ref), sk: SK }, ConsistentRead: true }));
    return res.Item ? toDeployment(res.Item) : undefined;
  }

  /**
   * Claims `step` of deployment `trackId` for the check `checkId`: succeeds when the previous
   * step is the last claimed one, or when this very check claimed it already (a redelivery).
   * @returns the deployment, or undefined when the check is stale (newer deployment, step taken, over)
   */
  async claimStep(ref: AppRef, trackId: string, step: number, checkId: string): Promise<TrackedDeployment | undefined> {
    try {
      const res = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: deploymentPk(ref), sk: SK },
          UpdateExpression: 'SET step = :s, claimedBy = :c',
          ConditionExpression: 'trackId = :t AND #status = :tracking AND (step = :prev OR (step = :s AND claimedBy = :c))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':s': step, ':prev': step - 1, ':c': checkId, ':t': trackId, ':tracking': 'tracking' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes ? toDeployment(res.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Records the outcome, if `trackId` is still the app's deployment and still tracking. @returns false when it was not */
  async finish(ref: AppRef, trackId: string, outcome: DeployOutcome): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: deploymentPk(ref), sk: SK },
          UpdateExpression: 'SET #status = :o',
          ConditionExpression: 'trackId = :t AND #status = :tracking',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':o': outcome, ':t': trackId, ':tracking': 'tracking' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toDeployment(item: Record<string, unknown>): TrackedDeployment {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
  return rest as unknown as TrackedDeployment;
}
