import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Redacted } from '@cxarchive/core';
import { generatedStream } from '@cxarchive/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client, sendsUnsignedPayload } from './client.js';
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

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

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
      if (req.method === 'GET' && query.startsWith('versioning')) {
        // An Object Lock bucket keeps versions; a plain one has never had versioning turned on.
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            objectLock
              ? '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'
              : '<VersioningConfiguration/>',
          );
      } else if (req.method === 'GET' && query.startsWith('object-lock')) {
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
        const body = Buffer.concat(chunks);
        const md5 = req.headers['content-md5'];
        if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
          res
            .writeHead(400, { 'content-type': 'application/xml' })
            .end('<Error><Code>BadDigest</Code></Error>');
          return;
        }
        objects.set(path, body);
        const mode = req.headers['x-amz-object-lock-mode'];
        const until = req.headers['x-amz-object-lock-retain-until-date'];
        lockHeaders.set(path, {
          ...(mode === undefined ? {} : { 'x-amz-object-lock-mode': String(mode) }),
          ...(until === undefined ? {} : { 'x-amz-object-lock-retain-until-date': String(until) }),
        });
        res.writeHead(200, { etag: etagOf(body) }).end();
      } else if (req.method === 'HEAD' && objects.has(path)) {
        const body = objects.get(path) ?? Buffer.alloc(0);
        res
          .writeHead(200, { 'content-length': body.length, etag: etagOf(body), ...lockHeaders.get(path) })
          .end();
      } else if (req.method === 'GET' && objects.has(path)) {
        const body = objects.get(path) ?? Buffer.alloc(0);
        res.writeHead(200, { 'content-length': body.length, etag: etagOf(body) }).end(body);
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
    expect(store.requests.map((r) => `${r.method} ${r.url.split('?')[1] ?? ''}`)).toEqual([
      'GET versioning=',
      'PUT x-id=PutObject',
      'GET x-id=GetObject',
    ]);
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
    // Object Lock, versioning (a versioned bucket: the key is looked up before the put), the put,
    // then the retention check and the ETag check: HEADs, no read of the body.
    expect(store.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'HEAD', 'PUT', 'HEAD', 'HEAD']);
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

  it('verify "etag" (the default): the body carries its Content-MD5, goes unsigned to a loopback store, and is checked by the ETag PutObject answered: no HEAD, never read', async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, { storageClass: 'DEEP_ARCHIVE' });
    expect(sink.checksums).toEqual(['md5']);
    expect(sink.checksumPartSize).toBe(8 * 1024 * 1024);
    const body = Buffer.from('a recording, or what is left of it');
    const stored = await sink.put('a/e.bin', Readable.from([body]), {
      signal: new AbortController().signal,
      contentType: 'audio/mp4',
      metadata: {},
    });
    expect(stored.isOk(), stored.isErr() ? stored.error.message : '').toBe(true);
    expect(stored._unsafeUnwrap()).toMatchObject({
      key: 'p/a/e.bin',
      size: body.length,
      checksum: { algorithm: 'md5', value: createHash('md5').update(body).digest('hex') },
    });
    const put = store.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(put?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(put?.headers['x-amz-storage-class']).toBe('DEEP_ARCHIVE');
    expect(store.requests.map((r) => r.method)).toEqual(['GET', 'PUT']);
  });

  it("the checksum reported is the store's ETag from its PutObject answer, not the sink's hash: a store that stored other bytes is seen by the runtime", async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, {});
    const handle = store.server.listeners('request')[0] as (...args: unknown[]) => void;
    store.server.removeAllListeners('request');
    const other = '0123456789abcdef0123456789abcdef';
    store.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'PUT') {
        req.resume();
        req.on('end', () => res.writeHead(200, { etag: `"${other}"` }).end());
      } else handle(req, res);
    });
    const stored = await sink.put('a/h.bin', Readable.from([Buffer.from('what was sent')]), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
    });
    expect(stored._unsafeUnwrap().checksum).toEqual({ algorithm: 'md5', value: other });
  });

  it("the runtime's part MD5 (PutOptions.partDigest) goes as the Content-MD5; the store refuses a body it does not match (Transient)", async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, {});
    const body = Buffer.from('hashed once, by the runtime');
    const right = createHash('md5').update(body).digest('hex');
    const ok = await sink.put('a/i.bin', Readable.from([body]), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
      partDigest: (n) => (n === 1 ? right : undefined),
    });
    expect(ok.isOk()).toBe(true);
    const wrong = await sink.put('a/j.bin', Readable.from([body]), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
      partDigest: () => createHash('md5').update('other bytes').digest('hex'),
    });
    expect(wrong._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient' });
    expect(wrong._unsafeUnwrapErr().message).toContain('BadDigest');
  });

  it('signPayload "always" signs the SHA-256 of the body even with a Content-MD5', async () => {
    const store = await recordingStore();
    server = store.server;
    const body = Buffer.from('signed');
    await sinkAt(store.url, { signPayload: 'always' }).put('a/f.bin', Readable.from([body]), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
    });
    const put = store.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(put?.headers['content-md5']).toBeDefined();
  });

  it('an ETag that is not an MD5 fails verification Permanent, naming the way out', async () => {
    const store = await recordingStore();
    server = store.server;
    const sink = sinkAt(store.url, {});
    const head = store.server.listeners('request')[0] as (...args: unknown[]) => void;
    const answered: string[] = [];
    store.server.removeAllListeners('request');
    store.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'HEAD' || req.method === 'PUT') {
        answered.push(req.method);
        req.resume();
        req.on('end', () =>
          res
            .writeHead(200, {
              ...(req.method === 'HEAD' ? { 'content-length': '6' } : {}),
              etag: '"kms-etag-not-an-md5"',
            })
            .end(),
        );
      } else head(req, res);
    });
    const failed = await sink.put('a/g.bin', Readable.from([Buffer.from('sealed')]), {
      signal: new AbortController().signal,
      contentType: 'application/octet-stream',
      metadata: {},
    });
    expect(failed._unsafeUnwrapErr()).toMatchObject({ _tag: 'Permanent' });
    expect(failed._unsafeUnwrapErr().message).toContain('verify with "read-back"');
    // The PutObject answer's ETag is not an MD5: the store is asked with HEAD before failing.
    expect(answered).toEqual(['PUT', 'HEAD']);
  });
});

describe('when bodies go as UNSIGNED-PAYLOAD', () => {
  const resolved = (endpoint: string | undefined, signPayload?: 'auto' | 'always') =>
    resolveOptions({
      bucket: 'b-1',
      ...(endpoint ? { endpoint } : {}),
      ...(signPayload ? { signPayload } : {}),
    })._unsafeUnwrap();
  it('over https (AWS included) and to loopback, unless signPayload is "always"', () => {
    expect(sendsUnsignedPayload(resolved(undefined))).toBe(true);
    expect(sendsUnsignedPayload(resolved('https://s3.example.net'))).toBe(true);
    expect(sendsUnsignedPayload(resolved('http://127.0.0.1:7480'))).toBe(true);
    expect(sendsUnsignedPayload(resolved('http://localhost:7480'))).toBe(true);
    expect(sendsUnsignedPayload(resolved('http://[::1]:7480'))).toBe(true);
    expect(sendsUnsignedPayload(resolved('http://store.internal:7480'))).toBe(false);
    expect(sendsUnsignedPayload(resolved('https://s3.example.net', 'always'))).toBe(false);
  });
});
