/**
 * Anchoring (docs/audit-table.md): digests in a bucket nobody can rewrite before retention ends
 * (Object Lock, compliance mode: not even the account root), signed with a KMS key only the
 * anchor function may sign with. Granted to it alone, and denied to every other principal by the
 * bucket and key policies, so a grant added elsewhere by mistake still cannot sign or write.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DeploymentSettings } from '../config';
import type { SentinelFunction } from '../constructs/sentinel-function';

/** The anchor's storage and key. */
export interface AnchorResources {
  /** Signed digests: versioned, Object Lock in compliance mode, written by the anchor function only. */
  readonly bucket: s3.Bucket;
  /** The digest signing key (ECC_NIST_P256, SIGN_VERIFY); only the anchor function may sign. */
  readonly key: kms.Key;
}

/** What {@link sentinelAnchor} wires. */
export interface AnchorInput {
  readonly settings: DeploymentSettings;
  readonly auditTable: dynamodb.ITable;
  /** The anchor function: the only signer and digest writer. */
  readonly anchor: SentinelFunction;
  /** Reads digests and the public key (verify), and invokes the anchor ("anchor now"). */
  readonly operatorApi: SentinelFunction;
}

/**
 * The digest bucket (with its access-log bucket), the signing key, their deny-all-but-the-anchor
 * policies, both functions' grants and variables, and the anchor schedule, under `scope` (the stack).
 */
export function sentinelAnchor(scope: Construct, input: AnchorInput): AnchorResources {
  const { settings, anchor, operatorApi } = input;
  anchor.bindAuditTable({ table: input.auditTable, access: 'read' });
  const resources = anchorStorage(scope, settings.anchor.retentionDays);
  denyAllButAnchor(resources, anchor);
  grantAnchorAccess(resources, anchor, operatorApi);
  const anchorEnv = {
    SENTINEL_ANCHOR_BUCKET: resources.bucket.bucketName,
    SENTINEL_ANCHOR_KEY_ID: resources.key.keyArn,
    SENTINEL_ANCHOR_CHECKPOINT_MINUTES: String(settings.anchor.checkpointMinutes),
  };
  for (const [k, val] of Object.entries(anchorEnv)) {
    anchor.addEnvironment(k, val);
    operatorApi.addEnvironment(k, val);
  }
  operatorApi.addEnvironment('SENTINEL_ANCHOR_FUNCTION', anchor.functionName);
  acknowledgePrefixGrants(scope, resources.bucket, [anchor, operatorApi]);
  new events.Rule(scope, 'AnchorSchedule', {
    description: `gitops-sentinel audit anchor every ${settings.anchor.scheduleMinutes} minute(s)`,
    schedule: events.Schedule.rate(Duration.minutes(settings.anchor.scheduleMinutes)),
    // The next tick covers what a missed run would have: no retries, no old events.
    targets: [new eventTargets.LambdaFunction(anchor, { retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, settings.anchor.scheduleMinutes)) })],
  });
  return resources;
}

/** The Object Lock digest bucket, its access-log bucket and the ECC signing key, all retained. */
function anchorStorage(scope: Construct, retentionDays: number): AnchorResources {
  const anchorLogs = new s3.Bucket(scope, 'AnchorAccessLogs', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const bucket = new s3.Bucket(scope, 'AnchorBucket', {
    versioned: true,
    objectLockEnabled: true,
    objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    serverAccessLogsBucket: anchorLogs,
    serverAccessLogsPrefix: 'digests/',
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const key = new kms.Key(scope, 'AnchorKey', {
    description: 'gitops-sentinel audit digest signing key',
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return { bucket, key };
}

/** Key and bucket policies denying `kms:Sign` and `s3:PutObject` to every principal but the anchor's role. */
function denyAllButAnchor({ bucket, key }: AnchorResources, anchor: SentinelFunction): void {
  const notAnchor = { ArnNotEquals: { 'aws:PrincipalArn': anchor.role!.roleArn } };
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: notAnchor,
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: notAnchor,
    }),
  );
}

/** The anchor signs and writes digests; the operator API reads them and the public key, and may invoke the anchor. */
function grantAnchorAccess({ bucket, key }: AnchorResources, anchor: SentinelFunction, operatorApi: SentinelFunction): void {
  // digests/: the signed digests; parts/: the heads of big digests (checkpoints), named by hash in them.
  const digestObjects = [bucket.arnForObjects('digests/*'), bucket.arnForObjects('parts/*')];
  anchor.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [key.keyArn] }));
  anchor.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: digestObjects }));
  anchor.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [key.keyArn] }));
  operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: digestObjects }));
  operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  // "Anchor now" invokes the anchor function, the only one that can sign.
  operatorApi.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [anchor.functionArn] }));
}

/** cdk-nag: the `digests/*` and `parts/*` object grants are wildcards limited to one prefix of the one bucket. */
function acknowledgePrefixGrants(scope: Construct, bucket: s3.Bucket, functions: SentinelFunction[]): void {
  for (const f of functions) {
    const bucketArn = `<${Stack.of(scope).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(f.role!).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/digests/*]`,
        reason: 'Digests are one object per digest seq under digests/; the grant is limited to that prefix of the one anchor bucket.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/parts/*]`,
        reason: 'Big digests keep their heads in parts, one object per part named by its hash under parts/; the grant is limited to that prefix.',
      },
    );
  }
}
