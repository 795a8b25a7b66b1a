import { Readable } from 'node:stream';
import { fromStreamError, objectKeyProblem, PluginErrors, PluginFailure, type Sink } from '@cxarchive/core';
import { expect } from 'vitest';
import { collect } from './collect.js';
import { checksumOfStream } from './collect-checksum.js';
import { failingStream, stallingStream } from './failing-stream.js';
import { generatedStream } from './generated-stream.js';
import { HOSTILE_KEYS, NESTED_KEY } from './hostile-keys.js';
import type { SinkConformanceCase, SinkConformanceEnv } from './sink-conformance.js';
import {
  alreadyAborted,
  bytesBody,
  expectChecksumMatches,
  expectChecksumOfBytes,
  expectErr,
  expectOk,
  live,
  memoryWatch,
  preferredAlgorithm,
  putOptions,
  settlesWithin,
  watchedBody,
} from './sink-conformance-support.js';

/** The physical key the sink must report for `key`: its prefix (as the setup declared it) included. */
const physical = (env: SinkConformanceEnv | undefined, key: string): string => `${env?.prefix ?? ''}${key}`;

/** Checks the object under `key` holds exactly `bytes`: `head` (size, checksum if any) and `get`. */
const expectHolds = async (sink: Sink, key: string, bytes: Buffer, env?: SinkConformanceEnv) => {
  const info = await expectOk('head', sink.head(key, live()));
  expect(info, 'head finds the object').not.toBeNull();
  expect(info?.key, 'StoredInfo.key is the physical key').toBe(physical(env, key));
  expect(info?.size).toBe(bytes.length);
  if (info?.checksum !== undefined) await expectChecksumMatches('head', sink, info.checksum, bytes);
  const back = await collect(await expectOk('get', sink.get(key, live())));
  expect(back.equals(bytes), 'get returns the bytes that were put').toBe(true);
};

/** Checks nothing is stored under `key`: head → null, get → NotFound. */
const expectNothing = async (sink: Sink, key: string, after: string) => {
  expect(
    await expectOk(`head after ${after}`, sink.head(key, live())),
    `no object after ${after}`,
  ).toBeNull();
  await expectErr(`get after ${after}`, sink.get(key, live()), 'NotFound');
};

/** A later put of `key` succeeds and stores its bytes: the failed one left nothing in the way. */
const expectPutAgain = async (sink: Sink, key: string, env?: SinkConformanceEnv) => {
  const bytes = await collect(generatedStream(300, 5));
  await expectOk('put after the failed put', sink.put(key, bytesBody(bytes), putOptions()));
  await expectHolds(sink, key, bytes, env);
};

export const roundTripSmall = (label: string, bytes: Buffer): SinkConformanceCase => ({
  id: 'round-trip',
  title: `put then get round-trips ${label}; Stored.size and Stored.checksum are the body's`,
  async run(sink, env) {
    const algorithm = preferredAlgorithm(sink);
    const key = `conformance/round-trip/${bytes.length}.bin`;
    const stored = await expectOk('put', sink.put(key, bytesBody(bytes), putOptions({ size: bytes.length })));
    expect(stored.key, 'Stored.key is the physical key').toBe(physical(env, key));
    expect(stored.size).toBe(bytes.length);
    await expectChecksumOfBytes('Stored', sink, stored.checksum, bytes, algorithm);
    await expectHolds(sink, key, bytes, env);
  },
});

export const roundTripLarge = (size: number): SinkConformanceCase => ({
  id: 'round-trip',
  title: `put then get round-trips a ${size}-byte generated body, streamed, without a size`,
  async run(sink) {
    const algorithm = preferredAlgorithm(sink);
    const key = 'conformance/round-trip/large.bin';
    const expected = await checksumOfStream(generatedStream(size, 11), algorithm);
    const stored = await expectOk('put', sink.put(key, generatedStream(size, 11), putOptions()));
    expect(stored.size).toBe(size);
    await expectChecksumOfBytes('Stored', sink, stored.checksum, () => generatedStream(size, 11), algorithm);
    const back = await checksumOfStream(await expectOk('get', sink.get(key, live())), algorithm);
    expect(back, 'get returns the bytes that were put').toEqual(expected);
  },
});

export const checksumCase = (label: string, body: () => Promise<Buffer>): SinkConformanceCase => ({
  id: 'checksum',
  title: `Stored.checksum of ${label} is in the sink's first declared algorithm and is the hash of the bytes sent`,
  async run(sink) {
    const algorithm = preferredAlgorithm(sink);
    const bytes = await body();
    const key = `conformance/checksum/${bytes.length}.bin`;
    const stored = await expectOk('put', sink.put(key, bytesBody(bytes), putOptions()));
    await expectChecksumOfBytes('Stored', sink, stored.checksum, bytes, algorithm);
    const info = await expectOk('head', sink.head(key, live()));
    if (info?.checksum !== undefined) await expectChecksumMatches('head', sink, info.checksum, bytes);
  },
});

export const physicalKeyCase: SinkConformanceCase = {
  id: 'physical-key',
  title: 'Stored.key and StoredInfo.key are the physical key: the prefix of the sink included',
  async run(sink, env) {
    const bytes = Buffer.from('physical');
    const stored = await expectOk('put', sink.put(NESTED_KEY, bytesBody(bytes), putOptions()));
    expect(stored.key, 'Stored.key').toBe(physical(env, NESTED_KEY));
    expect((await expectOk('head', sink.head(NESTED_KEY, live())))?.key, 'StoredInfo.key').toBe(
      physical(env, NESTED_KEY),
    );
  },
};

export const emptyObjectCase: SinkConformanceCase = {
  id: 'empty-object',
  title: 'an empty object is stored, reported (size 0, the checksum of nothing) and read back empty',
  async run(sink, env) {
    const algorithm = preferredAlgorithm(sink);
    const key = 'conformance/empty/object.bin';
    const stored = await expectOk('put', sink.put(key, bytesBody(Buffer.alloc(0)), putOptions({ size: 0 })));
    expect(stored.size).toBe(0);
    await expectChecksumOfBytes('Stored', sink, stored.checksum, Buffer.alloc(0), algorithm);
    await expectHolds(sink, key, Buffer.alloc(0), env);
    await expectErr(
      'a second put of the empty key',
      sink.put(key, bytesBody(Buffer.alloc(0)), putOptions()),
      'AlreadyExists',
    );
  },
};

/** A body error the sink must pass on, classified as core's `fromStreamError` classifies it. */
const failingBodies: readonly { label: string; bytes: number; error: () => Error }[] = [
  {
    label: 'a Transient tagged error before the first byte',
    bytes: 0,
    error: () => new PluginFailure(PluginErrors.transient('injected: source connection reset')),
  },
  {
    label: 'a Transient tagged error after 50 bytes',
    bytes: 50,
    error: () => new PluginFailure(PluginErrors.transient('injected: source connection reset')),
  },
  {
    label: 'a Permanent tagged error after 50 bytes',
    bytes: 50,
    error: () => new PluginFailure(PluginErrors.permanent('injected: archive authentication failed')),
  },
  {
    label: 'a plain Error after 200001 bytes',
    bytes: 200_001,
    error: () => new Error('injected: socket hang up'),
  },
];

export const failingBodyCases = failingBodies.map(
  (variant): SinkConformanceCase => ({
    id: 'failing-body',
    title: `a body failing with ${variant.label}: put fails with the stream's error and leaves no object`,
    async run(sink, env) {
      const key = `conformance/failing-body/${variant.bytes}.bin`;
      const error = variant.error();
      await expectErr(
        'put of a failing body',
        sink.put(key, failingStream(variant.bytes, error), putOptions()),
        fromStreamError(error)._tag,
      );
      await expectNothing(sink, key, 'the failed put');
      await expectPutAgain(sink, key, env);
    },
  }),
);

export const cancelMidBodyCase = (settleMs: number): SinkConformanceCase => ({
  id: 'cancel-mid-body',
  title:
    'a put cancelled through its signal mid-body fails, leaves no object, and a later put of the key succeeds',
  async run(sink, env) {
    const key = 'conformance/cancel/mid-body.bin';
    const controller = new AbortController();
    const { stream, stalled } = stallingStream(100_000, 41);
    const put = sink.put(key, stream, putOptions({ signal: controller.signal }));
    const early = Promise.resolve(put).then((result) => {
      throw new Error(
        `put settled before the body was consumed (${result.isOk() ? 'ok' : result.error._tag}), while the body never ended`,
      );
    });
    await settlesWithin(Promise.race([stalled, early]), settleMs, 'the sink never consumed the body');
    controller.abort(new Error('conformance: cancelled mid-body'));
    await expectErr(
      'put cancelled mid-body',
      settlesWithin(put, settleMs, 'put did not settle after its signal aborted'),
    );
    stream.destroy();
    await expectNothing(sink, key, 'the cancelled put');
    await expectPutAgain(sink, key, env);
  },
});

export const abortedSignalCase = (settleMs: number): SinkConformanceCase => ({
  id: 'aborted-signal',
  title: 'put, head and get with an already-aborted signal fail (no hang) and a cancelled put stores nothing',
  async run(sink) {
    const key = 'conformance/aborted/object.bin';
    await expectOk('put', sink.put(key, bytesBody(Buffer.from('present')), putOptions()));
    await expectErr(
      'head with an aborted signal',
      settlesWithin(sink.head(key, alreadyAborted()), settleMs, 'head ignored its aborted signal'),
    );
    await expectErr(
      'get with an aborted signal',
      settlesWithin(sink.get(key, alreadyAborted()), settleMs, 'get ignored its aborted signal'),
    );
    const other = 'conformance/aborted/never.bin';
    await expectErr(
      'put with an aborted signal',
      settlesWithin(
        sink.put(other, generatedStream(1000, 3), putOptions({ signal: alreadyAborted() })),
        settleMs,
        'put ignored its aborted signal',
      ),
    );
    await expectNothing(sink, other, 'a put with an aborted signal');
  },
});

const METADATA = { cxitem: 'c-1001', cxkeyid: 'kek-2026-01', cxschema: '2' } as const;

export const metadataCase: SinkConformanceCase = {
  id: 'metadata',
  title: 'metadata given to put comes back from head',
  async run(sink) {
    const key = 'conformance/metadata/object.bin';
    await expectOk(
      'put',
      sink.put(key, bytesBody(Buffer.from('with metadata')), putOptions({ metadata: METADATA })),
    );
    const info = await expectOk('head', sink.head(key, live()));
    expect(
      info?.metadata,
      'head returns the metadata (a sink that cannot store it declares `metadataUnsupported` with the reason)',
    ).toBeDefined();
    for (const [name, value] of Object.entries(METADATA))
      expect(info?.metadata?.[name], `metadata ${name}`).toBe(value);
  },
};

export const hostileKeyCases = HOSTILE_KEYS.map(
  ({ label, key }): SinkConformanceCase => ({
    id: 'hostile-key',
    title: `refuses the hostile key (${label}) with InvalidInput before any I/O`,
    async run(sink) {
      expect(objectKeyProblem(key), 'core rejects this key too').toBeTypeOf('string');
      const watched = watchedBody();
      await expectErr(
        `put ${JSON.stringify(key)}`,
        sink.put(key, watched.body, putOptions()),
        'InvalidInput',
      );
      expect(watched.wasRead(), 'the body was not read').toBe(false);
      watched.body.destroy();
      await expectErr(`head ${JSON.stringify(key)}`, sink.head(key, live()), 'InvalidInput');
      await expectErr(`get ${JSON.stringify(key)}`, sink.get(key, live()), 'InvalidInput');
    },
  }),
);

/**
 * Relays `source` one chunk per read. Every `every` bytes it stops for one turn of the event loop
 * and calls `sample` there (so memory freed by a collection is returned before it is measured),
 * then goes on.
 */
const sampledBody = (source: Readable, sample: () => void, every: number): Readable => {
  const iterator = source[Symbol.asyncIterator]();
  let sent = 0;
  let sampledAt = 0;
  return new Readable({
    read() {
      const pull = () =>
        iterator.next().then(
          (step) => {
            if (!step.done) sent += (step.value as Buffer).length;
            this.push(step.done ? null : (step.value as Buffer));
          },
          (error: unknown) => this.destroy(error as Error),
        );
      if (sent - sampledAt < every) return void pull();
      sampledAt = sent;
      setImmediate(() => {
        sample();
        void pull();
      });
    },
    destroy(error, callback) {
      source.destroy();
      callback(error);
    },
  });
};

export const boundedMemoryCase = (size: number): SinkConformanceCase => ({
  id: 'bounded-memory',
  title: `a ${size}-byte body is streamed: the memory held grows by less than half the body while it is stored`,
  async run(sink) {
    const algorithm = preferredAlgorithm(sink);
    const key = 'conformance/bounded-memory/large.bin';
    const watch = memoryWatch();
    const body = sampledBody(generatedStream(size, 13), watch.sample, 1024 * 1024);
    const stored = await expectOk('put', sink.put(key, body, putOptions()));
    const growth = await watch.stop();
    expect(stored.size).toBe(size);
    await expectChecksumOfBytes('Stored', sink, stored.checksum, () => generatedStream(size, 13), algorithm);
    expect(
      growth,
      `memory grew by ${Math.round(growth / 2 ** 20)} MiB while storing ${Math.round(size / 2 ** 20)} MiB`,
    ).toBeLessThan(size / 2);
  },
});

export const nestedKeyCase: SinkConformanceCase = {
  id: 'nested-key',
  title: `a nested key (${NESTED_KEY}) works for put, head and get`,
  async run(sink, env) {
    const algorithm = preferredAlgorithm(sink);
    const body = Buffer.from('{"contactId":702100000001}');
    expect(objectKeyProblem(NESTED_KEY)).toBeUndefined();
    const stored = await expectOk('put', sink.put(NESTED_KEY, bytesBody(body), putOptions()));
    await expectChecksumOfBytes('Stored', sink, stored.checksum, body, algorithm);
    await expectHolds(sink, NESTED_KEY, body, env);
  },
};

export const headMissingCase: SinkConformanceCase = {
  id: 'head-missing',
  title: 'head of a missing key is null',
  async run(sink) {
    expect(await expectOk('head', sink.head('conformance/head/missing.bin', live()))).toBeNull();
  },
};

export const headAfterPutCase: SinkConformanceCase = {
  id: 'head-after-put',
  title: 'head after put reports the physical key, the size (and a checksum of the bytes when it gives one)',
  async run(sink, env) {
    const key = 'conformance/head/present.bin';
    const bytes = await collect(generatedStream(4097, 3));
    await expectOk('put', sink.put(key, bytesBody(bytes), putOptions()));
    await expectHolds(sink, key, bytes, env);
  },
};

export const getMissingCase: SinkConformanceCase = {
  id: 'get-missing',
  title: 'get of a missing key fails NotFound',
  async run(sink) {
    await expectErr('get', sink.get('conformance/get/missing.bin', live()), 'NotFound');
  },
};

export const createOnlyCase: SinkConformanceCase = {
  id: 'create-only',
  title: 'a second put of the same key fails AlreadyExists and the first bytes stay',
  async run(sink, env) {
    const key = 'conformance/create-only/object.bin';
    const first = await collect(generatedStream(1000, 21));
    await expectOk('first put', sink.put(key, bytesBody(first), putOptions()));
    await expectErr('second put', sink.put(key, generatedStream(2000, 22), putOptions()), 'AlreadyExists');
    await expectHolds(sink, key, first, env);
  },
};

export const concurrentCreateCase: SinkConformanceCase = {
  id: 'concurrent-create',
  title: 'two concurrent puts of the same key: exactly one succeeds, the other fails AlreadyExists',
  async run(sink, env) {
    const key = 'conformance/concurrent/object.bin';
    const bodies = await Promise.all([
      collect(generatedStream(300_000, 31)),
      collect(generatedStream(200_000, 32)),
    ]);
    const results = await Promise.all([
      sink.put(key, generatedStream(300_000, 31), putOptions()),
      sink.put(key, generatedStream(200_000, 32), putOptions()),
    ]);
    const winners = results.flatMap((r, i) => (r.isOk() ? [i] : []));
    expect(winners, 'exactly one put succeeds').toHaveLength(1);
    const loser = results.find((r) => r.isErr());
    expect(loser?.isErr() ? loser.error._tag : undefined).toBe('AlreadyExists');
    await expectHolds(sink, key, bodies[winners[0]!]!, env);
  },
};

export const retryBodyCase: SinkConformanceCase = {
  id: 'retry-body',
  title:
    'a put that failed Transient after 70000 bytes, retried with a fresh body, stores exactly the second body (read from byte 0)',
  async run(sink, env) {
    const key = 'conformance/retry/object.bin';
    const error = new PluginFailure(PluginErrors.transient('injected: source connection reset'));
    await expectErr(
      'put of a body failing after 70000 bytes',
      sink.put(key, failingStream(70_000, error, 51), putOptions()),
      'Transient',
    );
    const second = await collect(generatedStream(100_000, 52));
    const algorithm = preferredAlgorithm(sink);
    const stored = await expectOk(
      'the retried put',
      sink.put(key, generatedStream(100_000, 52), putOptions()),
    );
    expect(stored.size, 'Stored.size is the second body').toBe(second.length);
    await expectChecksumOfBytes('Stored', sink, stored.checksum, second, algorithm);
    await expectHolds(sink, key, second, env);
  },
};
