import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface ReadBack {
  readonly size: number;
  /** Lowercase hex SHA-256 of the bytes the store returned. */
  readonly sha256: string;
  readonly versionId?: string;
}

/**
 * Reads the stored object back and hashes it: the checksum the sink reports comes from the store's
 * bytes, not from what was sent. Streams (never holds the object).
 */
export const readBack = async (
  client: S3Client,
  bucket: string,
  key: string,
  signal: AbortSignal,
): Promise<ReadBack> => {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: signal,
  });
  const hash = createHash('sha256');
  let size = 0;
  const body = response.Body as Readable | undefined;
  if (body !== undefined) {
    const onAbort = () => body.destroy(new Error('read-back cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of body) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  return {
    size,
    sha256: hash.digest('hex'),
    ...(response.VersionId === undefined ? {} : { versionId: response.VersionId }),
  };
};
