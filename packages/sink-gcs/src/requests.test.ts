import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { PluginError, Result, Retention, Sink } from '@cxarchive/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStorage } from './client.js';
import { createGcsSink } from './gcs-sink.js';

// What the storage emulator cannot check (it ignores preconditions and creates missing buckets,
// and never refuses, throttles or fails a request), checked here on what the SDK really sends
// through this sink: an HTTP server of our own records each request and answers as GCS does.

interface Recorded {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  /** The first 64 KiB of the body. */
  body: string;
}

type Answer = (req: Recorded, res: ServerResponse) => void;

const BUCKET = 'cx-archive-test';
let server: Server;
let endpoint: string;
let recorded: Recorded[];
let answer: Answer;

const gcsError = (
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(
    JSON.stringify({
      error: { code: status, message, errors: [{ message, domain: 'global', reason: 'x' }] },
    }),
  );
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const record: Recorded = {
      method: req.method ?? '',
      url: new URL(req.url ?? '/', 'http://x'),
      headers: req.headers,
      body: '',
    };
    recorded.push(record);
    req.on('data', (chunk: Buffer) => {
      if (record.body.length < 65_536) record.body += chunk.toString('latin1');
    });
    req.on('end', () => answer(record, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  recorded = [];
  answer = (_req, res) => gcsError(res, 500, 'unexpected request');
});

interface Extra {
  readonly storageClass?: string;
  readonly eventBasedHold?: boolean;
  readonly temporaryHold?: boolean;
}

const sinkAt = (apiEndpoint: string, extra: Extra = {}): Sink => {
  const options = {
    ...extra,
    bucket: BUCKET,
    prefix: 'p/',
    resumableThreshold: 1024,
    maxInFlight: 2,
    apiEndpoint,
    projectId: 'x',
  };
  return createGcsSink(createStorage(options).bucket(BUCKET), options);
};

const put = (sink: Sink, size?: number, retention?: Retention) =>
  sink.put('a/b.bin', Readable.from([Buffer.from('hello')]), {
    signal: new AbortController().signal,
    contentType: 'application/octet-stream',
    metadata: { cxitem: '1' },
    ...(size === undefined ? {} : { size }),
    ...(retention === undefined ? {} : { retention }),
  });

const errorOf = <T>(result: Result<T, PluginError>): PluginError => {
  if (result.isOk()) throw new Error('expected an error, got success');
  return result.error;
};

const uploads = () => recorded.filter((r) => r.url.pathname === `/upload/storage/v1/b/${BUCKET}/o`);

describe('create-only: what the sink sends (the emulator ignores preconditions)', () => {
  it('a body of known size under resumableThreshold goes in one multipart request with ifGenerationMatch=0; 412 → AlreadyExists', async () => {
    answer = (_req, res) =>
      gcsError(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    const error = errorOf(await put(sinkAt(endpoint), 5));
    expect(error._tag).toBe('AlreadyExists');
    expect(error.message).toContain('p/a/b.bin');
    const [request] = uploads();
    expect(request?.method).toBe('POST');
    expect(request?.url.searchParams.get('uploadType')).toBe('multipart');
    expect(request?.url.searchParams.get('name')).toBe('p/a/b.bin');
    expect(request?.url.searchParams.get('ifGenerationMatch')).toBe('0');
  });

  it('a body of unknown length starts a resumable upload with ifGenerationMatch=0; 412 on the upload → AlreadyExists', async () => {
    answer = (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(200, {
          location: `${endpoint}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=u1`,
        });
        res.end();
      } else gcsError(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    };
    const error = errorOf(await put(sinkAt(endpoint)));
    expect(error._tag).toBe('AlreadyExists');
    const [start, data] = uploads();
    expect(start?.url.searchParams.get('uploadType')).toBe('resumable');
    expect(start?.url.searchParams.get('ifGenerationMatch')).toBe('0');
    expect(data?.method).toBe('PUT');
    expect(data?.url.searchParams.get('upload_id')).toBe('u1');
  });

  it('412 when the resumable session is started → AlreadyExists', async () => {
    answer = (_req, res) =>
      gcsError(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    expect(errorOf(await put(sinkAt(endpoint)))._tag).toBe('AlreadyExists');
    expect(uploads()[0]?.url.searchParams.get('ifGenerationMatch')).toBe('0');
  });
});

describe('Stored comes from what GCS answers', () => {
  it('the checksum, size and generation are the ones GCS reports, not a hash of what was sent', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // A CRC32C that is not the one of "hello": the sink must report it as it is.
      res.end(
        JSON.stringify({
          name: 'p/a/b.bin',
          bucket: BUCKET,
          size: '5',
          generation: '42',
          crc32c: 'AAAAAQ==',
          md5Hash: 'XUFAKrxLKna5cZ2REBfFkg==',
        }),
      );
    };
    const stored = await put(sinkAt(endpoint), 5);
    expect(stored._unsafeUnwrap()).toEqual({
      key: 'p/a/b.bin',
      size: 5,
      checksum: { algorithm: 'crc32c', value: '00000001' },
      versionId: '42',
    });
  });
});

describe('what else the sink sends (the emulator ignores the storage class)', () => {
  const stored: Answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ name: 'p/a/b.bin', bucket: BUCKET, size: '5', generation: '1', crc32c: 'AAAAAA==' }),
    );
  };

  it('the multipart upload carries the storage class, content type and custom metadata', async () => {
    answer = stored;
    (await put(sinkAt(endpoint, { storageClass: 'COLDLINE' }), 5))._unsafeUnwrap();
    const body = uploads()[0]?.body ?? '';
    // The first part of the multipart body is the object resource, as one JSON line.
    const line = body.split('\r\n').find((l) => l.startsWith('{')) ?? '{}';
    const resource = JSON.parse(line) as Record<string, unknown>;
    expect(resource).toMatchObject({
      storageClass: 'COLDLINE',
      contentType: 'application/octet-stream',
      metadata: { cxitem: '1' },
    });
  });

  it('the start of a resumable session carries the storage class and custom metadata', async () => {
    answer = (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(200, {
          location: `${endpoint}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=u2`,
        });
        res.end();
      } else stored(req, res);
    };
    (await put(sinkAt(endpoint, { storageClass: 'ARCHIVE' })))._unsafeUnwrap();
    const start = uploads()[0];
    expect(JSON.parse(start?.body ?? '{}')).toMatchObject({
      storageClass: 'ARCHIVE',
      metadata: { cxitem: '1' },
    });
    expect(uploads()[1]?.body).toBe('hello');
  });
});

describe('errors GCS answers, as the sink reports them', () => {
  const missingBucket: Answer = (_req, res) => gcsError(res, 404, 'The specified bucket does not exist.');

  it('404 for the bucket → InvalidInput naming the bucket (put and head)', async () => {
    answer = missingBucket;
    const sink = sinkAt(endpoint);
    for (const error of [
      errorOf(await put(sink, 5)),
      errorOf(await sink.head('a/b.bin', new AbortController().signal)),
    ]) {
      expect(error._tag).toBe('InvalidInput');
      expect(error.message).toContain(BUCKET);
    }
  });

  it('404 for the object → head null, get NotFound', async () => {
    answer = (_req, res) => gcsError(res, 404, `No such object: ${BUCKET}/p/a/b.bin`);
    const sink = sinkAt(endpoint);
    const head = await sink.head('a/b.bin', new AbortController().signal);
    expect(head.isOk() && head.value).toBeNull();
    expect(errorOf(await sink.get('a/b.bin', new AbortController().signal))._tag).toBe('NotFound');
    expect(recorded[0]?.url.pathname).toBe(`/storage/v1/b/${BUCKET}/o/p%2Fa%2Fb.bin`);
  });

  it.each([401, 403])('%i → Auth', async (status) => {
    answer = (_req, res) =>
      gcsError(res, status, 'Anonymous caller does not have storage.objects.create access.');
    const sink = sinkAt(endpoint);
    expect(errorOf(await put(sink, 5))._tag).toBe('Auth');
    expect(errorOf(await sink.head('a/b.bin', new AbortController().signal))._tag).toBe('Auth');
  });

  it('429 with Retry-After → Throttled with retryAfterMs', async () => {
    answer = (_req, res) =>
      gcsError(res, 429, 'The rate of change requests to the object is too high.', { 'retry-after': '7' });
    const error = errorOf(await put(sinkAt(endpoint), 5));
    expect(error).toMatchObject({ _tag: 'Throttled', retryAfterMs: 7000 });
    const head = errorOf(await sinkAt(endpoint).head('a/b.bin', new AbortController().signal));
    expect(head).toMatchObject({ _tag: 'Throttled', retryAfterMs: 7000 });
  });

  it('503 → Transient (the SDK does not retry: the runtime decides)', async () => {
    answer = (_req, res) => gcsError(res, 503, 'Backend Error');
    expect(errorOf(await put(sinkAt(endpoint), 5))._tag).toBe('Transient');
    expect(uploads()).toHaveLength(1);
    expect(errorOf(await sinkAt(endpoint).head('a/b.bin', new AbortController().signal))._tag).toBe(
      'Transient',
    );
  });

  it('a refused connection → Transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sink = sinkAt(`http://127.0.0.1:${port}`);
    expect(errorOf(await put(sink, 5))._tag).toBe('Transient');
    expect(errorOf(await sink.head('a/b.bin', new AbortController().signal))._tag).toBe('Transient');
  });
});

describe('retention and holds: what the sink sends, and what it accepts back (the emulator keeps neither)', () => {
  const UNTIL = new Date('2031-02-03T04:05:06.789Z');
  /** The object resource of the multipart upload (its first part, one JSON line). */
  const multipartResource = () => {
    const line = (uploads()[0]?.body ?? '').split('\r\n').find((l) => l.startsWith('{')) ?? '{}';
    return JSON.parse(line) as Record<string, unknown>;
  };
  /** Answers the upload with the object resource GCS would return, plus `fields`. */
  const storedWith =
    (fields: Record<string, unknown>): Answer =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name: 'p/a/b.bin',
          bucket: BUCKET,
          size: '5',
          generation: '7',
          crc32c: 'AAAAAA==',
          ...fields,
        }),
      );
    };

  it('compliance → retention {mode: Locked, retainUntilTime} on the multipart upload; accepted when GCS reports it', async () => {
    answer = storedWith({ retention: { mode: 'Locked', retainUntilTime: UNTIL.toISOString() } });
    const stored = await put(sinkAt(endpoint), 5, { mode: 'compliance', until: UNTIL });
    expect(stored._unsafeUnwrap().versionId).toBe('7');
    expect(multipartResource()).toMatchObject({
      retention: { mode: 'Locked', retainUntilTime: '2031-02-03T04:05:06.789Z' },
    });
    expect(multipartResource()).not.toHaveProperty('eventBasedHold');
    expect(multipartResource()).not.toHaveProperty('temporaryHold');
  });

  it('governance → retention {mode: Unlocked} on the start of a resumable session', async () => {
    answer = (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(200, {
          location: `${endpoint}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=u3`,
        });
        res.end();
      } else
        storedWith({ retention: { mode: 'Unlocked', retainUntilTime: '2031-02-03T04:05:06Z' } })(req, res);
    };
    (await put(sinkAt(endpoint), undefined, { mode: 'governance', until: UNTIL }))._unsafeUnwrap();
    expect(JSON.parse(uploads()[0]?.body ?? '{}')).toMatchObject({
      retention: { mode: 'Unlocked', retainUntilTime: UNTIL.toISOString() },
    });
  });

  it('without a retention block, no retention field is sent', async () => {
    answer = storedWith({});
    (await put(sinkAt(endpoint), 5))._unsafeUnwrap();
    expect(multipartResource()).not.toHaveProperty('retention');
  });

  it('eventBasedHold and temporaryHold: true are sent on the object resource, and must come back', async () => {
    answer = storedWith({ eventBasedHold: true, temporaryHold: true });
    (await put(sinkAt(endpoint, { eventBasedHold: true, temporaryHold: true }), 5))._unsafeUnwrap();
    expect(multipartResource()).toMatchObject({ eventBasedHold: true, temporaryHold: true });
  });

  it.each([
    ['no retention at all', {}, 'retention Locked'],
    [
      'Unlocked where Locked was asked',
      { retention: { mode: 'Unlocked', retainUntilTime: UNTIL.toISOString() } },
      'the store reports Unlocked',
    ],
    [
      'a retain-until time a second earlier',
      { retention: { mode: 'Locked', retainUntilTime: '2031-02-03T04:05:05.789Z' } },
      'until 2031-02-03T04:05:05.789Z',
    ],
  ])('the store answers %s → Permanent, nothing reported stored', async (_name, fields, said) => {
    answer = storedWith(fields);
    const error = errorOf(await put(sinkAt(endpoint), 5, { mode: 'compliance', until: UNTIL }));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('p/a/b.bin');
    expect(error.message).toContain(said);
  });

  it('the store answers without the event-based hold asked for → Permanent', async () => {
    answer = storedWith({ eventBasedHold: false, temporaryHold: true });
    const error = errorOf(await put(sinkAt(endpoint, { eventBasedHold: true, temporaryHold: true }), 5));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('event-based hold');
    expect(error.message).not.toContain('temporary hold');
  });

  it('400 refusing the retention (a bucket without object retention) → InvalidInput naming the bucket', async () => {
    answer = (_req, res) => gcsError(res, 400, 'Object retention is not enabled for this bucket.');
    const error = errorOf(await put(sinkAt(endpoint), 5, { mode: 'governance', until: UNTIL }));
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(error.message).toContain(`"${BUCKET}"`);
  });
});

describe('list: what the sink sends', () => {
  const list = (sink: Sink, after?: string) =>
    sink.list!('acme/', { signal: new AbortController().signal, ...(after === undefined ? {} : { after }) });

  it('asks objects.list under the sink prefix, passes the page token back, and gives logical keys', async () => {
    answer = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const first = req.url.searchParams.get('pageToken') === null;
      res.end(
        JSON.stringify({
          kind: 'storage#objects',
          items: [{ name: first ? 'p/acme/a.bin' : 'p/acme/b.bin', size: first ? '3' : '4' }],
          ...(first ? { nextPageToken: 'token-1' } : {}),
        }),
      );
    };
    const sink = sinkAt(endpoint);
    expect((await list(sink))._unsafeUnwrap()).toEqual({
      objects: [{ key: 'acme/a.bin', physicalKey: 'p/acme/a.bin', size: 3 }],
      next: 'token-1',
    });
    expect((await list(sink, 'token-1'))._unsafeUnwrap()).toEqual({
      objects: [{ key: 'acme/b.bin', physicalKey: 'p/acme/b.bin', size: 4 }],
    });
    const [one, two] = recorded;
    expect(one?.url.pathname).toBe(`/storage/v1/b/${BUCKET}/o`);
    expect(one?.url.searchParams.get('prefix')).toBe('p/acme/');
    expect(one?.url.searchParams.get('maxResults')).toBe('1000');
    expect(two?.url.searchParams.get('pageToken')).toBe('token-1');
  });

  it('a refused listing (no storage.objects.list) is Auth naming the bucket; a missing bucket InvalidInput', async () => {
    answer = (_req, res) => gcsError(res, 403, 'caller does not have storage.objects.list access');
    const refused = errorOf(await list(sinkAt(endpoint)));
    expect(refused._tag).toBe('Auth');
    expect(refused.message).toContain(BUCKET);
    answer = (_req, res) => gcsError(res, 404, 'The specified bucket does not exist.');
    expect(errorOf(await list(sinkAt(endpoint)))).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
  });
});
