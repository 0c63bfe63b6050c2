/**
 * The deployed adapters with the real AWS SDK clients, mocked at the client
 * (aws-sdk-client-mock) with responses shaped as KMS, S3 and Lambda answer; the S3 mock keeps
 * objects and honours If-None-Match the way S3 does (412 PreconditionFailed on an existing key).
 */
import { createHash, generateKeyPairSync, sign, verify as verifySignature } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, KMSInternalException, SignCommand } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AnchorError, runAnchor, verifyAnchored } from '../../../functions/lib/anchor';
import { deployedAnchorService } from '../../../functions/lib/anchor/deployed';
import { KmsSigner } from '../../../functions/lib/anchor/kms-signer';
import { S3AnchorStore } from '../../../functions/lib/anchor/s3-anchor-store';
import { InMemoryChainReader } from '../../helpers/in-memory-chain-reader';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/**
 * KMS as it answers: GetPublicKey with the DER key and its spec; Sign with a DER ECDSA signature
 * over the digest it is given. Node cannot sign a precomputed digest, so the fake learns which
 * message a digest belongs to from the signer's input (the first test pins that the digest sent
 * is exactly the SHA-256 of the message).
 */
function realisticKms() {
  const messages = new Map<string, Buffer>();
  const original = KmsSigner.prototype.sign;
  jest.spyOn(KmsSigner.prototype, 'sign').mockImplementation(function (this: KmsSigner, message: Uint8Array) {
    messages.set(createHash('sha256').update(message).digest('hex'), Buffer.from(message));
    return original.call(this, message);
  });
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
  });
  const fakeSign = (input: { Message: Uint8Array }) => {
    const message = messages.get(Buffer.from(input.Message).toString('hex'));
    if (!message) throw new Error('fake KMS: unknown digest');
    return { KeyId: KEY_ARN, SigningAlgorithm: 'ECDSA_SHA_256' as const, Signature: new Uint8Array(sign('sha256', message, privateKey)) };
  };
  kms.on(SignCommand).callsFake(fakeSign);
  return fakeSign;
}

/** An S3 bucket in memory behind the mocked client: list (paged), get, conditional put. */
function realisticS3() {
  const objects = new Map<string, Uint8Array>();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key)) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      });
    }
    objects.set(input.Key, new Uint8Array(input.Body));
    return { ETag: '"e"', VersionId: 'v1', ChecksumSHA256: createHash('sha256').update(input.Body).digest('base64') };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body) throw new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' });
    return { Body: { transformToByteArray: async () => body }, ContentLength: body.length };
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; ContinuationToken?: string }) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + 2); // small pages, so paging is exercised
    const more = start + 2 < keys.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: objects.get(Key)!.length })),
      KeyCount: page.length,
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + 2) } : {}),
    };
  });
  return objects;
}

afterEach(() => jest.restoreAllMocks());

beforeEach(() => {
  kms.reset();
  s3.reset();
  lambda.reset();
});

describe('KmsSigner', () => {
  it('signs the SHA-256 of the message with MessageType DIGEST, verifiable with the public key from GetPublicKey', async () => {
    realisticKms();
    const signer = new KmsSigner({ keyId: KEY_ARN, client: new KMSClient({}) });
    const message = Buffer.from('x'.repeat(10_000)); // over KMS's 4096-byte RAW limit
    const signature = await signer.sign(message);
    expect(kms.commandCalls(SignCommand)[0].args[0].input).toEqual({
      KeyId: KEY_ARN,
      Message: createHash('sha256').update(message).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    const pem = await signer.publicKeyPem();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(verifySignature('sha256', message, pem, Buffer.from(signature))).toBe(true);
    await signer.publicKeyPem();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('refuses a key that is not an ECC_NIST_P256 signing key', async () => {
    kms
      .on(GetPublicKeyCommand)
      .resolves({ KeyId: KEY_ARN, PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    await expect(new KmsSigner({ keyId: KEY_ARN, client: new KMSClient({}) }).publicKeyPem()).rejects.toThrow(AnchorError);
  });
});

describe('S3AnchorStore', () => {
  it('creates once with If-None-Match, lists across pages and reads back the bytes', async () => {
    const objects = realisticS3();
    const store = new S3AnchorStore({ bucket: 'digests-bucket', prefix: 'p/', client: new S3Client({}) });
    for (const n of [2, 0, 1]) expect(await store.create(`digests/00000000000${n}.json`, Buffer.from(`d${n}`))).toBe('created');
    expect(await store.create('digests/000000000001.json', Buffer.from('forged'))).toBe('exists');
    expect(Buffer.from((await store.get('digests/000000000001.json'))!).toString()).toBe('d1');
    expect(await store.get('digests/000000000009.json')).toBeUndefined();
    expect(await store.list('digests/')).toEqual(['digests/000000000000.json', 'digests/000000000001.json', 'digests/000000000002.json']);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({
      Bucket: 'digests-bucket',
      Key: 'p/digests/000000000002.json',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
    });
    expect([...objects.keys()]).toHaveLength(3);
  });
});

describe('anchoring with KMS and S3 (mocked clients)', () => {
  it('anchors, verifies, and two runs at once write one digest chain', async () => {
    realisticKms();
    realisticS3();
    const reader = new InMemoryChainReader();
    reader.append('app#default#argocd#a', 3);
    const deps = {
      reader,
      store: new S3AnchorStore({ bucket: 'b', client: new S3Client({}) }),
      signer: new KmsSigner({ keyId: KEY_ARN, client: new KMSClient({}) }),
    };
    const runs = await Promise.all([runAnchor(deps), runAnchor(deps)]);
    expect(runs.map((r) => r.written).sort()).toEqual([false, true]);
    const report = await verifyAnchored({ reader, store: deps.store, publicKeyPem: await deps.signer.publicKeyPem() });
    expect(report).toMatchObject({ ok: true, digests: { count: 1 }, unanchored: { records: 0 } });
  });

  it('writes nothing when KMS fails, and the next run anchors', async () => {
    const fakeSign = realisticKms();
    realisticS3();
    kms
      .on(SignCommand)
      .rejectsOnce(new KMSInternalException({ $metadata: { httpStatusCode: 500 }, message: 'internal' }))
      .callsFake(fakeSign);
    const reader = new InMemoryChainReader();
    reader.append('app#default#argocd#a', 1);
    const deps = {
      reader,
      store: new S3AnchorStore({ bucket: 'b', client: new S3Client({}) }),
      signer: new KmsSigner({ keyId: KEY_ARN, client: new KMSClient({}) }),
    };
    await expect(runAnchor(deps)).rejects.toThrow('internal');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(await runAnchor(deps)).toMatchObject({ written: true, seq: 0 });
  });
});

describe('deployedAnchorService', () => {
  it('anchors on demand by invoking the anchor function, and passes on only the error type of a failure', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ written: true, seq: 4, kind: 'checkpoint' })) as never })
      .resolves({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: Buffer.from(
          JSON.stringify({ errorType: 'AccessDeniedException', errorMessage: 'User arn:aws:sts::123:assumed-role/x is not authorized' }),
        ) as never,
      });
    const service = deployedAnchorService({ bucket: 'b', keyId: KEY_ARN, functionName: 'anchor-fn' }, new InMemoryChainReader(), {
      lambda: new LambdaClient({}),
    });
    expect(await service.anchorNow({ checkpoint: true })).toMatchObject({ seq: 4 });
    const call = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(call).toMatchObject({ FunctionName: 'anchor-fn', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(call.Payload as Uint8Array).toString())).toEqual({ checkpoint: true });
    const failure = await service.anchorNow().catch((e: Error) => e);
    expect(failure).toBeInstanceOf(AnchorError);
    expect((failure as Error).message).toBe('the anchor function failed (AccessDeniedException)');
  });
});
