/**
 * The deployed anchoring: S3 (Object Lock) for the digests, KMS for the key, and the anchor
 * function as the only signer. The operator API reads digests and the public key, and asks the
 * anchor function for a digest on demand (it cannot sign itself).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ChainReader } from '../audit/audit-store';
import type { AnchorService } from './anchor-service';
import { AnchorError } from './errors';
import { KmsSigner } from './kms-signer';
import { S3AnchorStore } from './s3-anchor-store';
import type { DeployedAnchorSettings } from '../config/types';
import type { AnchorResult } from './types';

/** Clients the deployed service uses; tests pass mocked ones. */
export interface DeployedAnchorClients {
  store?: S3AnchorStore;
  signer?: KmsSigner;
  lambda?: LambdaClient;
}

/**
 * The operator API's anchor service: digests from S3, the public key from KMS (`GetPublicKey`
 * only), and `anchorNow` by a synchronous invocation of the anchor function.
 */
export function deployedAnchorService(settings: DeployedAnchorSettings, reader: ChainReader, clients: DeployedAnchorClients = {}): AnchorService {
  const store = clients.store ?? new S3AnchorStore({ bucket: settings.bucket });
  const signer = clients.signer ?? new KmsSigner({ keyId: settings.keyId });
  let lambda = clients.lambda;
  return {
    reader,
    store,
    publicKeyPem: () => signer.publicKeyPem(),
    async anchorNow(options = {}) {
      if (!settings.functionName) throw new AnchorError('SENTINEL_ANCHOR_FUNCTION is not set');
      lambda ??= new LambdaClient({});
      const res = await lambda.send(
        new InvokeCommand({
          FunctionName: settings.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify({ checkpoint: options.checkpoint === true })),
        }),
      );
      const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
      // The function's error payload may name internals; only its type is passed on.
      if (res.FunctionError) throw new AnchorError(`the anchor function failed (${(JSON.parse(text || '{}') as { errorType?: string }).errorType ?? 'error'})`);
      return JSON.parse(text) as AnchorResult;
    },
  };
}
