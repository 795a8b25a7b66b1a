import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Redacted, type Sink } from '@cxarchive/core';
import type { CephRgw } from '@cxarchive/testkit';
import { createS3Client } from '../src/client.js';
import { createS3Sink, type S3SinkTuning } from '../src/s3-sink.js';
import { resolveOptions, type S3SinkOptions } from '../src/schema.js';

/** Options of a sink on the test server, with `overrides` on top. */
export const sinkOptions = (rgw: CephRgw, overrides: Partial<S3SinkOptions> = {}): S3SinkOptions => ({
  bucket: 'archive',
  endpoint: rgw.endpoint,
  forcePathStyle: true,
  region: rgw.region,
  accessKeyId: Redacted.make(rgw.accessKeyId),
  secretAccessKey: Redacted.make(rgw.secretAccessKey),
  partSize: 5 * 1024 * 1024,
  ...overrides,
});

export const makeSink = (
  rgw: CephRgw,
  overrides: Partial<S3SinkOptions> = {},
  tuning: S3SinkTuning = {},
): Sink => {
  const resolved = resolveOptions(sinkOptions(rgw, overrides))._unsafeUnwrap();
  return createS3Sink(createS3Client(resolved), resolved, tuning);
};

/** A client of the test server for checks behind the sink's back. */
export const adminClient = (rgw: CephRgw): S3Client =>
  new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** Creates a bucket (with Object Lock when `locked`); one that this account already owns is fine. */
export const createBucket = (client: S3Client, bucket: string, locked = false) =>
  client
    .send(
      new CreateBucketCommand({ Bucket: bucket, ...(locked ? { ObjectLockEnabledForBucket: true } : {}) }),
    )
    .catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });

/** Multipart uploads still open under `prefix`. */
export const openUploads = async (client: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (listed.Uploads ?? []).map((u) => `${u.Key} (${u.UploadId})`);
};

export const objectsUnder = async (client: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
};
