import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Redacted } from '@cxarchive/core';
import { codeOf, statusOf, storeCall } from './errors.js';
import { bucketLabel, type ResolvedS3Bucket } from './options.js';
import { Changed, type ObjectStore, type StoredObject } from './store.js';

/**
 * The S3 client, set up as sink-s3 sets up its own: one try per request (the runtime alone
 * retries), checksums only where an operation requires them (S3-compatible stores such as Ceph
 * RGW reject the SDK's default trailers).
 */
const clientFor = (options: ResolvedS3Bucket): S3Client =>
  new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.credentials === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: Redacted.value(options.credentials.accessKeyId),
            secretAccessKey: Redacted.value(options.credentials.secretAccessKey),
          },
        }),
  });

/** An S3 bucket prefix: ListObjectsV2 pages, HeadObject, and GetObject with If-Match on the ETag. */
export const s3Store = (options: ResolvedS3Bucket): ObjectStore => {
  const client = clientFor(options);
  const label = bucketLabel(options);
  const list = (signal: AbortSignal, max: number, token?: string) =>
    storeCall(
      `listing ${label}`,
      () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: options.bucket,
            Prefix: options.prefix,
            MaxKeys: max,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          { abortSignal: signal },
        ),
      true,
    );
  return {
    async probe(signal) {
      await list(signal, 1);
    },
    async *keys(signal) {
      let token: string | undefined;
      do {
        const page = await list(signal, options.listPageSize, token);
        for (const object of page.Contents ?? [])
          if (object.Key?.startsWith(options.prefix)) yield object.Key.slice(options.prefix.length);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined && !signal.aborted);
    },
    async head(key, signal): Promise<StoredObject | undefined> {
      const what = `looking up "${key}" in ${label}`;
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: options.bucket, Key: options.prefix + key }),
          { abortSignal: signal },
        );
        return {
          size: head.ContentLength ?? 0,
          version: head.ETag ?? '',
          modified: head.LastModified ?? new Date(0),
        };
      } catch (error) {
        if (statusOf(error) === 404 && codeOf(error) !== 'NoSuchBucket') return undefined;
        return storeCall(what, () => Promise.reject(error));
      }
    },
    async get(key, seen, signal): Promise<Readable> {
      try {
        const got = await client.send(
          new GetObjectCommand({ Bucket: options.bucket, Key: options.prefix + key, IfMatch: seen.version }),
          { abortSignal: signal },
        );
        if (got.ContentLength !== undefined && got.ContentLength !== seen.size) {
          (got.Body as Readable | undefined)?.destroy();
          throw new Changed(`${seen.size} bytes then, ${got.ContentLength} now`);
        }
        return got.Body as Readable;
      } catch (error) {
        if (error instanceof Changed) throw error;
        if (statusOf(error) === 412) throw new Changed('replaced: its ETag differs');
        if (statusOf(error) === 404 && codeOf(error) !== 'NoSuchBucket') throw new Changed('removed');
        return storeCall(`reading "${key}" from ${label}`, () => Promise.reject(error));
      }
    },
  };
};
