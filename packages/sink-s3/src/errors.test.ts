import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { Redacted } from '@cxarchive/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from './client.js';
import { cancelled, mapS3Error } from './errors.js';
import { createS3Sink } from './s3-sink.js';
import { resolveOptions } from './schema.js';

/** An SDK service error as the SDK builds it from a response. */
const serviceError = (name: string, status: number, headers: Record<string, string> = {}) => {
  const error = new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} message`,
  });
  Object.defineProperty(error, '$response', { value: { statusCode: status, headers, body: undefined } });
  return error;
};

const networkError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('mapS3Error: each SDK error mapped once', () => {
  const map = (error: unknown) => mapS3Error(error, 'put of p/k.bin', 'my-bucket');

  it('NoSuchBucket → InvalidInput naming the bucket', () => {
    const mapped = map(serviceError('NoSuchBucket', 404));
    expect(mapped).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(mapped.message).toContain('"my-bucket"');
  });
  it('NoSuchKey → NotFound', () => expect(map(serviceError('NoSuchKey', 404))._tag).toBe('NotFound'));
  it('NotFound (HEAD 404) → NotFound', () =>
    expect(map(serviceError('NotFound', 404))._tag).toBe('NotFound'));
  it.each(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'])(
    '%s → Auth',
    (name) => expect(map(serviceError(name, 403))._tag).toBe('Auth'),
  );
  it('a bare 403 → Auth', () => expect(map(serviceError('Forbidden', 403))._tag).toBe('Auth'));
  it('PreconditionFailed / 412 → AlreadyExists', () => {
    expect(map(serviceError('PreconditionFailed', 412))._tag).toBe('AlreadyExists');
    expect(map(serviceError('Unknown', 412))._tag).toBe('AlreadyExists');
  });
  it('SlowDown 503 with Retry-After → Throttled with retryAfterMs', () =>
    expect(map(serviceError('SlowDown', 503, { 'retry-after': '7' }))).toMatchObject({
      _tag: 'Throttled',
      retryAfterMs: 7000,
    }));
  it('a plain 503 → Throttled (S3 answers 503 to slow a client down)', () =>
    expect(map(serviceError('ServiceUnavailable', 503))._tag).toBe('Throttled'));
  it('429 → Throttled', () => expect(map(serviceError('TooManyRequests', 429))._tag).toBe('Throttled'));
  it('500 InternalError → Transient', () =>
    expect(map(serviceError('InternalError', 500))._tag).toBe('Transient'));
  it('502 → Transient', () => expect(map(serviceError('BadGateway', 502))._tag).toBe('Transient'));
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])('network %s → Transient', (code) =>
    expect(map(networkError(code))._tag).toBe('Transient'),
  );
  it('TimeoutError → Transient', () =>
    expect(map(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))._tag).toBe('Transient'));
  it('BadDigest 400 (a part that arrived changed) → Transient: sending it again can succeed', () => {
    const error = map(serviceError('BadDigest', 400));
    expect(error._tag).toBe('Transient');
    expect(error.message).toContain('reached the store changed');
  });
  it('XAmzContentSHA256Mismatch 400 → Transient', () =>
    expect(map(serviceError('XAmzContentSHA256Mismatch', 400))._tag).toBe('Transient'));
  it('another 4xx → InvalidInput', () =>
    expect(map(serviceError('InvalidStorageClass', 400))._tag).toBe('InvalidInput'));
  it('anything else → Permanent', () => expect(map(new TypeError('boom'))._tag).toBe('Permanent'));
  it('cancelled → Transient', () => expect(cancelled('put of k')._tag).toBe('Transient'));
});

/** A loopback HTTP server answering every request with `answer`: faults a real store cannot be told to make. */
const faultServer = async (answer: RequestListener): Promise<{ url: string; server: Server }> => {
  const server = createServer(answer);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

describe('the real SDK against a faulty HTTP server', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const sinkAt = (endpoint: string) => {
    const resolved = resolveOptions({
      bucket: 'archive',
      endpoint,
      forcePathStyle: true,
      accessKeyId: Redacted.make('AKIDEXAMPLE'),
      secretAccessKey: Redacted.make('SECRET-NEVER-SHOWN'),
    })._unsafeUnwrap();
    return createS3Sink(createS3Client(resolved), resolved);
  };
  const live = () => new AbortController().signal;
  const xmlError = (code: string) =>
    `<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message></Error>`;

  it('503 SlowDown with Retry-After → Throttled with retryAfterMs, after one request (the SDK does not retry)', async () => {
    let requests = 0;
    const started = await faultServer((_req, res) => {
      requests += 1;
      res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '3' }).end(xmlError('SlowDown'));
    });
    server = started.server;
    const error = (await sinkAt(started.url).get('a/b.bin', live()))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Throttled', retryAfterMs: 3000 });
    expect(requests, 'the runtime retries, not the SDK').toBe(1);
    expect(error.message).not.toContain('SECRET-NEVER-SHOWN');
  });

  it('500 InternalError → Transient', async () => {
    const started = await faultServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/xml' }).end(xmlError('InternalError'));
    });
    server = started.server;
    expect((await sinkAt(started.url).get('a/b.bin', live()))._unsafeUnwrapErr()._tag).toBe('Transient');
  });

  it('a connection reset → Transient', async () => {
    const started = await faultServer((req) => req.socket.destroy());
    server = started.server;
    expect((await sinkAt(started.url).get('a/b.bin', live()))._unsafeUnwrapErr()._tag).toBe('Transient');
  });
});
