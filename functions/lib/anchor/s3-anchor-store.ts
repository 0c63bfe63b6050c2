/**
 * The deployed `AnchorStore`: an S3 bucket with versioning and Object Lock in compliance mode
 * (default retention on the bucket, so every digest is locked for that long, even against the
 * account's root). Digests are created with `If-None-Match: *`, so of two runs racing for the
 * same seq, S3 keeps the first and refuses the second (412): one digest chain.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AnchorStore, CreateOutcome } from './anchor-store';

/** Options of {@link S3AnchorStore}. */
export type S3AnchorStoreOptions = {
  bucket: string;
  /** Key prefix of every name. @default "" */
  prefix?: string;
} & ({ client: S3Client; clientConfig?: never } | { clientConfig?: S3ClientConfig; client?: never });

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** Digests as objects `<prefix><name>` in one bucket. */
export class S3AnchorStore implements AnchorStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3AnchorStoreOptions) {
    if (!options?.bucket) throw new TypeError('[gitops-sentinel/anchor] bucket is required');
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.client = options.client ?? new S3Client(options.clientConfig ?? {});
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) names.push(o.Key.slice(this.prefix.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${name}` }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async create(name: string, bytes: Uint8Array): Promise<CreateOutcome> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `${this.prefix}${name}`,
          Body: bytes,
          ContentType: 'application/json',
          // Object Lock buckets require an integrity checksum on every put.
          ChecksumAlgorithm: 'SHA256',
          IfNoneMatch: '*',
        }),
      );
      return 'created';
    } catch (error) {
      // 412: the key exists. 409: a concurrent conditional write to the same key is in flight; S3
      // lets one of them win, and this one did not.
      if (errorName(error) === 'PreconditionFailed' || statusOf(error) === 412 || errorName(error) === 'ConditionalRequestConflict' || statusOf(error) === 409)
        return 'exists';
      throw error;
    }
  }
}
