import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ContainerClient } from '@azure/storage-blob';
import type { PluginError, Result, Retention, Sink } from '@cxarchive/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureSink } from './azure-sink.js';

// Azurite 3.35 keeps no immutability: its containers report no version-level immutability, it
// accepts and drops x-ms-immutability-policy-* and x-ms-legal-hold on Put Block List, and answers
// NotImplemented to Set Blob Immutability Policy / Legal Hold. What the sink sends, and what it does
// with the service's answers, is checked here: an HTTP server of our own records each request and
// answers as Blob Storage does.

interface Recorded {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
}

const CONTAINER = 'archive';
const BODY = 'hello';
let server: Server;
let endpoint: string;
let recorded: Recorded[];
/** What the container's properties say (x-ms-immutable-storage-with-versioning-enabled), absent when undefined. */
let versionLevel: string | undefined;
/** Extra headers of the committed blob's properties (the policy and hold the service reports). */
let committedHeaders: Record<string, string>;
/** When set, the answer to Put Block List. */
let commitRefusal: { status: number; code: string } | undefined;
let committed: boolean;

const serviceError = (res: ServerResponse, status: number, code: string, head = false) => {
  res.writeHead(status, { 'x-ms-error-code': code, 'content-type': 'application/xml' });
  res.end(
    head
      ? undefined
      : `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>no</Message></Error>`,
  );
};

const answer = (req: Recorded, res: ServerResponse) => {
  const { searchParams } = req.url;
  const comp = searchParams.get('comp');
  if (searchParams.get('restype') === 'container') {
    res.writeHead(200, {
      etag: '"0x1"',
      'last-modified': new Date().toUTCString(),
      ...(versionLevel === undefined
        ? {}
        : { 'x-ms-immutable-storage-with-versioning-enabled': versionLevel }),
    });
    return res.end();
  }
  if (req.method === 'PUT' && comp === 'block') {
    res.writeHead(201, { 'x-ms-request-server-encrypted': 'true' });
    return res.end();
  }
  if (req.method === 'PUT' && comp === 'blocklist') {
    if (commitRefusal !== undefined) return serviceError(res, commitRefusal.status, commitRefusal.code);
    committed = true;
    res.writeHead(201, { etag: '"0x2"', 'last-modified': new Date().toUTCString() });
    return res.end();
  }
  if (req.method === 'HEAD') {
    if (!committed) return serviceError(res, 404, 'BlobNotFound', true);
    res.writeHead(200, {
      'content-length': String(BODY.length),
      'x-ms-blob-type': 'BlockBlob',
      'last-modified': new Date().toUTCString(),
      ...committedHeaders,
    });
    return res.end();
  }
  if (req.method === 'GET' && committed) {
    res.writeHead(200, {
      'content-length': String(BODY.length),
      'content-type': 'application/octet-stream',
      etag: '"0x2"',
      'last-modified': new Date().toUTCString(),
      'x-ms-blob-type': 'BlockBlob',
    });
    return res.end(BODY);
  }
  serviceError(res, 500, 'UnexpectedRequest');
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const record: Recorded = {
      method: req.method ?? '',
      url: new URL(req.url ?? '/', 'http://x'),
      headers: req.headers,
    };
    recorded.push(record);
    req.resume();
    req.on('end', () => answer(record, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/devstoreaccount1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  recorded = [];
  versionLevel = 'true';
  committedHeaders = {};
  commitRefusal = undefined;
  committed = false;
});

const sinkWith = (legalHold = false): Sink =>
  createAzureSink(
    new ContainerClient(`${endpoint}/${CONTAINER}`, undefined, { retryOptions: { maxTries: 1 } }),
    { container: CONTAINER, prefix: 'p/', maxInFlight: 1, legalHold },
  );

const put = (sink: Sink, retention?: Retention) =>
  sink.put('a/b.bin', Readable.from([Buffer.from(BODY)]), {
    signal: new AbortController().signal,
    contentType: 'application/octet-stream',
    metadata: {},
    size: BODY.length,
    ...(retention === undefined ? {} : { retention }),
  });

const errorOf = <T>(result: Result<T, PluginError>): PluginError => {
  if (result.isOk()) throw new Error('expected an error, got success');
  return result.error;
};

const commits = () => recorded.filter((r) => r.url.searchParams.get('comp') === 'blocklist');
const blockPuts = () => recorded.filter((r) => r.url.searchParams.get('comp') === 'block');
const UNTIL = new Date('2031-02-03T04:05:06.000Z');
const UNTIL_HTTP = UNTIL.toUTCString();

describe('immutability policy and legal hold: what the sink sends (Azurite keeps neither)', () => {
  it('compliance → x-ms-immutability-policy-until-date and mode Locked on Put Block List; accepted when the blob reports them', async () => {
    committedHeaders = {
      'x-ms-immutability-policy-until-date': UNTIL_HTTP,
      'x-ms-immutability-policy-mode': 'locked',
    };
    const stored = await put(sinkWith(), { mode: 'compliance', until: UNTIL });
    expect(stored._unsafeUnwrap()).toMatchObject({ key: 'p/a/b.bin', size: BODY.length });
    const [commit] = commits();
    expect(commit?.headers['x-ms-immutability-policy-until-date']).toBe(UNTIL_HTTP);
    expect(commit?.headers['x-ms-immutability-policy-mode']).toBe('Locked');
    expect(commit?.headers['x-ms-legal-hold']).toBeUndefined();
    expect(commit?.headers['if-none-match']).toBe('*');
  });

  it('governance → mode Unlocked', async () => {
    committedHeaders = {
      'x-ms-immutability-policy-until-date': UNTIL_HTTP,
      'x-ms-immutability-policy-mode': 'unlocked',
    };
    (await put(sinkWith(), { mode: 'governance', until: UNTIL }))._unsafeUnwrap();
    expect(commits()[0]?.headers['x-ms-immutability-policy-mode']).toBe('Unlocked');
  });

  it('legalHold: true → x-ms-legal-hold: true on Put Block List, without a policy when the pipeline asks no retention', async () => {
    committedHeaders = { 'x-ms-legal-hold': 'true' };
    (await put(sinkWith(true)))._unsafeUnwrap();
    const [commit] = commits();
    expect(commit?.headers['x-ms-legal-hold']).toBe('true');
    expect(commit?.headers['x-ms-immutability-policy-until-date']).toBeUndefined();
  });

  it('neither asked → no immutability header, and the container is not asked', async () => {
    (await put(sinkWith()))._unsafeUnwrap();
    const [commit] = commits();
    expect(Object.keys(commit?.headers ?? {}).filter((h) => /immutab|legal-hold/.test(h))).toEqual([]);
    expect(recorded.filter((r) => r.url.searchParams.get('restype') === 'container')).toEqual([]);
  });

  it('the container is asked once for version-level immutability, not on every put', async () => {
    committedHeaders = { 'x-ms-legal-hold': 'true' };
    const sink = sinkWith(true);
    (await put(sink))._unsafeUnwrap();
    committed = false;
    (await put(sink))._unsafeUnwrap();
    expect(recorded.filter((r) => r.url.searchParams.get('restype') === 'container')).toHaveLength(1);
  });
});

describe('what the sink does with the answers', () => {
  it.each([
    ['no policy at all', {}, 'the service reports none'],
    [
      'Unlocked where Locked was asked',
      { 'x-ms-immutability-policy-until-date': UNTIL_HTTP, 'x-ms-immutability-policy-mode': 'unlocked' },
      'the service reports unlocked',
    ],
    [
      'an expiry a second earlier',
      {
        'x-ms-immutability-policy-until-date': new Date(UNTIL.getTime() - 1000).toUTCString(),
        'x-ms-immutability-policy-mode': 'locked',
      },
      'until 2031-02-03T04:05:05.000Z',
    ],
  ])('the committed blob reports %s → Permanent, nothing reported stored', async (_name, headers, said) => {
    committedHeaders = headers;
    const error = errorOf(await put(sinkWith(), { mode: 'compliance', until: UNTIL }));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('a/b.bin');
    expect(error.message).toContain(said);
  });

  it('the committed blob reports no legal hold → Permanent', async () => {
    committedHeaders = { 'x-ms-legal-hold': 'false' };
    const error = errorOf(await put(sinkWith(true)));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('the legal hold');
  });

  it.each([
    ['does not report', undefined],
    ['reports false for', 'false'],
  ])(
    'a container that %s version-level immutability → InvalidInput naming it, before any block is sent',
    async (_name, value) => {
      versionLevel = value;
      const error = errorOf(await put(sinkWith(), { mode: 'governance', until: UNTIL }));
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
      expect(error.message).toContain(`"${CONTAINER}"`);
      expect(blockPuts()).toEqual([]);
      expect(commits()).toEqual([]);
    },
  );

  it('the service refusing the policy on commit (an immutability error code) → InvalidInput naming the container', async () => {
    commitRefusal = { status: 409, code: 'ImmutableStorageWithVersioningNotEnabled' };
    const error = errorOf(await put(sinkWith(), { mode: 'governance', until: UNTIL }));
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
    expect(error.message).toContain(`"${CONTAINER}"`);
  });
});
