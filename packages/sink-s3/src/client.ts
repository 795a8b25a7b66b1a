import { S3Client } from '@aws-sdk/client-s3';
import { Redacted } from '@cxarchive/core';
import type { ResolvedS3SinkOptions } from './schema.js';

/**
 * The S3 client of a sink. It never retries by itself (`maxAttempts: 1`): plugins classify errors
 * and the runtime alone retries, with its own policy and the store's `Retry-After` (DESIGN §4).
 * Checksums are computed only where an operation requires them: the
 * SDK's default (a CRC32 trailer on every upload) needs a known content length or aws-chunked
 * encoding that S3-compatible stores such as Ceph RGW reject for streamed bodies.
 */
export const createS3Client = (options: ResolvedS3SinkOptions): S3Client =>
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
