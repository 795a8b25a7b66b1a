import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redacted } from '@cxarchive/core';
import { generatedStream } from '@cxarchive/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from './client.js';
import { createS3Sink } from './s3-sink.js';
import { resolveOptions, type S3SinkOptions } from './schema.js';

// What the sink sends for options Ceph RGW here cannot check (SSE-KMS without a KMS, storage
// classes its zone does not define): a loopback server that records each request and keeps the
// body, so the sink's read-back finds what was put.

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

const recordingStore = async (objectLock = false) => {
  const requests: Recorded[] = [];
  const objects = new Map<string, Buffer>();
  const lockHeaders = new Map<string, Record<string, string>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const [path = '', query = ''] = (req.url ?? '').split('?');
      if (req.method === 'GET' && query.startsWith('object-lock')) {
        if (objectLock)
          res
            .writeHead(200, { 'content-type': 'application/xml' })
            .end(
              '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>',
            );
        else
          res
            .writeHead(404, { 'content-type': 'application/xml' })
            .end('<Error><Code>ObjectLockConfigurationNotFoundError</Code></Error>');
      } else if (req.method === 'PUT') {
        objects.set(path, Buffer.concat(chunks));
        lockHeaders.set(path, {
          'x-amz-object-lock-mode': String(req.headers['x-amz-object-lock-mode'] ?? ''),
          'x-amz-object-lock-retain-until-date': String(
            req.headers['x-amz-object-lock-retain-until-date'] ?? '',
          ),
        });
        res.writeHead(200, { etag: '"0"' }).end();
      } else if (req.method === 'HEAD' && objects.has(path)) {
        res
          .writeHead(200, { 'content-length': objects.get(path)?.length ?? 0, ...lockHeaders.get(path) })
          .end();
      } else if (req.method === 'GET' && objects.has(path)) {
        const body = objects.get(path) ?? Buffer.alloc(0);
        res.writeHead(200, { 'content-length': body.length, etag: '"0"' }).end(body);
      } else res.writeHead(404).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

describe('the requests the sink sends', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const sinkAt = (endpoint: string, overrides: Partial<S3SinkOptions>) => {
    const resolved = resolveOptions({
      bucket: 'archive',
      prefix: 'p/',
      endpoint,
      forcePathStyle: true,
      accessKeyId: Redacted.make('AKIDEXAMPLE'),
      secretAccessKey: Redacted.make('SECRETEXAMPLE'),
      ...overrides,
    })._unsafeUnwrap();
    return createS3Sink(createS3Client(resolved), resolved);
  };

  it('a put sends If-None-Match: *, the content type, the metadata, SSE-KMS with its key and the storage class', async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, {
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      storageClass: 'GLACIER_IR',
    });
    const stored = await sink.put('a/b.bin', generatedStream(1000, 1), {
      signal: new AbortController().signal,
      contentType: 'application/x-cxarchive',
      metadata: { cxitem: 'c-1' },
    });
    expect(stored.isOk(), stored.isErr() ? stored.error.message : '').toBe(true);
    const put = store.requests.find((r) => r.method === 'PUT');
    expect(put?.url.split('?')[0]).toBe('/archive/p/a/b.bin');
    expect(put?.headers).toMatchObject({
      'if-none-match': '*',
      'content-type': 'application/x-cxarchive',
      'x-amz-meta-cxitem': 'c-1',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      'x-amz-storage-class': 'GLACIER_IR',
    });
    // The checksum is computed from the GET that follows, not from what was sent.
    expect(store.requests.map((r) => r.method)).toEqual(['PUT', 'GET']);
  });

  it('AES256 sends no KMS key', async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, { serverSideEncryption: 'AES256' });
    await sink.put('a/d.bin', generatedStream(10, 1), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
    });
    const put = store.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
  });

  it('retention sends the lock mode and retain-until date with the put, once the bucket has Object Lock', async () => {
    const store = await recordingStore(true);
    server = store.server;
    const sink = sinkAt(store.url, {});
    const until = new Date('2030-01-01T00:00:00Z');
    const stored = await sink.put('a/c.bin', generatedStream(10, 1), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
      retention: { mode: 'compliance', until },
    });
    expect(stored.isOk(), stored.isErr() ? stored.error.message : '').toBe(true);
    const put = store.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    expect(put?.headers['x-amz-object-lock-retain-until-date']).toBe('2030-01-01T00:00:00Z');
    expect(store.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'HEAD', 'GET']);
  });

  it('retention on a bucket without Object Lock fails InvalidInput before any PUT', async () => {
    const store = await recordingStore(false);
    server = store.server;
    const refused = await sinkAt(store.url, {}).put('a/c.bin', generatedStream(10, 1), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
      retention: { mode: 'governance', until: new Date('2030-01-01T00:00:00Z') },
    });
    expect(refused._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(store.requests.some((r) => r.method === 'PUT')).toBe(false);
  });
});
