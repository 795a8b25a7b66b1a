import { S3Client } from '@aws-sdk/client-s3';
import { Redacted } from '@cxarchive/core';
import type { ResolvedS3SinkOptions } from './schema.js';

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether bodies that carry a Content-MD5 may go as UNSIGNED-PAYLOAD: the endpoint is https (TLS
 * protects them in transit) or loopback, and the pipeline did not ask for `signPayload: always`.
 * The store still checks every body against its Content-MD5.
 */
export const sendsUnsignedPayload = (options: ResolvedS3SinkOptions): boolean => {
  if (options.signPayload === 'always') return false;
  if (options.endpoint === undefined) return true; // AWS: https
  const url = new URL(options.endpoint);
  return url.protocol === 'https:' || LOOPBACK.test(url.hostname);
};

const hasHeader = (headers: Record<string, string>, name: string) =>
  Object.keys(headers).some((h) => h.toLowerCase() === name);

/**
 * The S3 client of a sink. It never retries by itself (`maxAttempts: 1`): plugins classify errors
 * and the runtime alone retries, with its own policy and the store's `Retry-After` (DESIGN §4).
 * Checksums are computed only where an operation requires them: the SDK's default (a CRC32 trailer
 * on every upload) needs a known content length or aws-chunked encoding that S3-compatible stores
 * such as Ceph RGW reject for streamed bodies; the sink sends a Content-MD5 on every part instead.
 * Where `sendsUnsignedPayload` allows it, a body with a Content-MD5 is not hashed a second time for
 * the signature (SigV4 takes `x-amz-content-sha256` as given when the request carries it).
 */
export const createS3Client = (options: ResolvedS3SinkOptions): S3Client => {
  const client = new S3Client({
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
  if (sendsUnsignedPayload(options))
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> } | undefined;
        const headers = request?.headers;
        if (headers !== undefined && hasHeader(headers, 'content-md5'))
          headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'cxarchiveUnsignedPayloadWithMd5' },
    );
  return client;
};
