import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  fromStreamError,
  objectKeyProblem,
  type PluginError,
  PluginErrors,
  type PluginErrorTag,
  PluginStreamError,
  type Result,
  type ResultAsync,
  type Sink,
  sha256OfStream,
} from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import { failingStream } from './failing-stream.js';
import { generatedDigest, generatedStream } from './generated-stream.js';
import { HOSTILE_KEYS, NESTED_KEY } from './hostile-keys.js';

export type SinkConformanceCaseId =
  | 'round-trip'
  | 'head-missing'
  | 'head-after-put'
  | 'get-missing'
  | 'create-only'
  | 'concurrent-create'
  | 'failing-body'
  | 'hostile-key'
  | 'nested-key';

export interface SinkConformanceCase {
  readonly id: SinkConformanceCaseId;
  readonly title: string;
  /** Resolves when the sink conforms; rejects with an assertion error naming what broke. */
  run(sink: Sink): Promise<void>;
}

export interface SinkConformanceOptions {
  /** Size of the generated body of the large round trip. Default 1 MiB. */
  readonly largeBodySize?: number;
  /** Timeout of each case in milliseconds. Default: vitest's `testTimeout`. */
  readonly timeoutMs?: number;
  /**
   * Cases a sink knowingly cannot pass (e.g. an emulator without preconditions), each with the
   * reason. They are registered as skipped, with the reason in the title, so the gap stays visible.
   */
  readonly skip?: Readonly<Partial<Record<SinkConformanceCaseId, string>>>;
}

export interface SinkUnderTest {
  readonly sink: Sink;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;
const EMPTY_SHA256 = createHash('sha256').digest('hex');

const describeError = (error: PluginError): string => `${error._tag}: ${error.message}`;

const expectOk = async <T>(operation: string, result: ResultAsync<T, PluginError>): Promise<T> => {
  const settled: Result<T, PluginError> = await result;
  if (settled.isErr()) throw new Error(`${operation}: expected success, got ${describeError(settled.error)}`);
  return settled.value;
};

const expectErr = async <T>(
  operation: string,
  result: ResultAsync<T, PluginError>,
  tag: PluginErrorTag,
): Promise<PluginError> => {
  const settled: Result<T, PluginError> = await result;
  if (settled.isOk()) throw new Error(`${operation}: expected ${tag}, but it succeeded`);
  expect(settled.error._tag, `${operation}: ${describeError(settled.error)}`).toBe(tag);
  return settled.error;
};

/** A body that records whether anyone ever asked it for data. */
const watchedBody = (): { body: Readable; wasRead(): boolean } => {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(Buffer.from('must not be read'));
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
};

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const roundTripSmall = (label: string, bytes: Buffer): SinkConformanceCase => ({
  id: 'round-trip',
  title: `put then get round-trips ${label}; Stored.size and Stored.sha256 are the body's`,
  async run(sink) {
    const key = `conformance/round-trip/${bytes.length}.bin`;
    const stored = await expectOk('put', sink.put(key, Readable.from([bytes], { objectMode: false }), {}));
    expect(stored.key.endsWith(key), `Stored.key ${stored.key} names ${key}`).toBe(true);
    expect(stored.size).toBe(bytes.length);
    expect(stored.sha256).toBe(bytes.length === 0 ? EMPTY_SHA256 : sha256Of(bytes));
    const back = await collect(await expectOk('get', sink.get(key)));
    expect(back.equals(bytes), 'get returns the bytes that were put').toBe(true);
  },
});

const roundTripLarge = (size: number): SinkConformanceCase => ({
  id: 'round-trip',
  title: `put then get round-trips a ${size}-byte generated body, streamed`,
  async run(sink) {
    const key = 'conformance/round-trip/large.bin';
    const expected = await generatedDigest(size, 11);
    const stored = await expectOk('put', sink.put(key, generatedStream(size, 11), {}));
    expect(stored.size).toBe(expected.size);
    expect(stored.sha256).toBe(expected.sha256);
    const back = await sha256OfStream(await expectOk('get', sink.get(key)));
    expect(back).toEqual(expected);
  },
});

/** A body error the sink must pass on, classified as core's `fromStreamError` classifies it. */
const failingBodies: readonly { label: string; bytes: number; error: () => Error }[] = [
  {
    label: 'a Transient tagged error before the first byte',
    bytes: 0,
    error: () => new PluginStreamError(PluginErrors.transient('injected: source connection reset')),
  },
  {
    label: 'a Transient tagged error after 50 bytes',
    bytes: 50,
    error: () => new PluginStreamError(PluginErrors.transient('injected: source connection reset')),
  },
  {
    label: 'a Permanent tagged error after 50 bytes',
    bytes: 50,
    error: () => new PluginStreamError(PluginErrors.permanent('injected: archive authentication failed')),
  },
  {
    label: 'a plain Error after 200001 bytes',
    bytes: 200_001,
    error: () => new Error('injected: socket hang up'),
  },
];

const failingBody = (variant: (typeof failingBodies)[number]): SinkConformanceCase => ({
  id: 'failing-body',
  title: `a body failing with ${variant.label}: put fails with the stream's error and leaves no object`,
  async run(sink) {
    const key = `conformance/failing-body/${variant.bytes}.bin`;
    const error = variant.error();
    const expectedTag = fromStreamError(error)._tag;
    await expectErr(
      'put of a failing body',
      sink.put(key, failingStream(variant.bytes, error), {}),
      expectedTag,
    );
    expect(
      await expectOk('head after the failed put', sink.head(key)),
      'no object after a failed put',
    ).toBeNull();
    await expectErr('get after the failed put', sink.get(key), 'NotFound');
    const expected = await generatedDigest(300, 5);
    const stored = await expectOk('put after the failed put', sink.put(key, generatedStream(300, 5), {}));
    expect(stored.sha256).toBe(expected.sha256);
    expect(await sha256OfStream(await expectOk('get', sink.get(key)))).toEqual(expected);
  },
});

const hostileKey = (label: string, key: string): SinkConformanceCase => ({
  id: 'hostile-key',
  title: `refuses the hostile key (${label}) with InvalidInput before any I/O`,
  async run(sink) {
    expect(objectKeyProblem(key), 'core rejects this key too').toBeTypeOf('string');
    const watched = watchedBody();
    await expectErr(`put ${JSON.stringify(key)}`, sink.put(key, watched.body, {}), 'InvalidInput');
    expect(watched.wasRead(), 'the body was not read').toBe(false);
    watched.body.destroy();
    await expectErr(`head ${JSON.stringify(key)}`, sink.head(key), 'InvalidInput');
    await expectErr(`get ${JSON.stringify(key)}`, sink.get(key), 'InvalidInput');
  },
});

/** The cases of the sink conformance suite, runnable on their own (e.g. to check a deliberately broken sink fails). */
export const sinkConformanceCases = (options: SinkConformanceOptions = {}): SinkConformanceCase[] => [
  roundTripSmall('an empty body', Buffer.alloc(0)),
  roundTripSmall('a 1-byte body', Buffer.from([0x2a])),
  roundTripLarge(options.largeBodySize ?? MiB),
  {
    id: 'head-missing',
    title: 'head of a missing key is null',
    async run(sink) {
      expect(await expectOk('head', sink.head('conformance/head/missing.bin'))).toBeNull();
    },
  },
  {
    id: 'head-after-put',
    title: 'head after put reports the size (and the sha256 when given)',
    async run(sink) {
      const key = 'conformance/head/present.bin';
      const expected = await generatedDigest(4097, 3);
      await expectOk('put', sink.put(key, generatedStream(4097, 3), {}));
      const info = await expectOk('head', sink.head(key));
      expect(info, 'head finds the object').not.toBeNull();
      expect(info?.key.endsWith(key), `StoredInfo.key ${info?.key} names ${key}`).toBe(true);
      expect(info?.size).toBe(expected.size);
      if (info?.sha256 !== undefined) expect(info.sha256).toBe(expected.sha256);
    },
  },
  {
    id: 'get-missing',
    title: 'get of a missing key fails NotFound',
    async run(sink) {
      await expectErr('get', sink.get('conformance/get/missing.bin'), 'NotFound');
    },
  },
  {
    id: 'create-only',
    title: 'a second put of the same key fails AlreadyExists and the first bytes stay',
    async run(sink) {
      const key = 'conformance/create-only/object.bin';
      const first = await generatedDigest(1000, 21);
      await expectOk('first put', sink.put(key, generatedStream(1000, 21), {}));
      await expectErr('second put', sink.put(key, generatedStream(2000, 22), {}), 'AlreadyExists');
      expect(await sha256OfStream(await expectOk('get', sink.get(key)))).toEqual(first);
      const info = await expectOk('head', sink.head(key));
      expect(info?.size).toBe(first.size);
    },
  },
  {
    id: 'concurrent-create',
    title: 'two concurrent puts of the same key: exactly one succeeds, the other fails AlreadyExists',
    async run(sink) {
      const key = 'conformance/concurrent/object.bin';
      const digests = await Promise.all([generatedDigest(300_000, 31), generatedDigest(200_000, 32)]);
      const results = await Promise.all([
        sink.put(key, generatedStream(300_000, 31), {}),
        sink.put(key, generatedStream(200_000, 32), {}),
      ]);
      const winners = results.flatMap((r, i) => (r.isOk() ? [i] : []));
      expect(winners, 'exactly one put succeeds').toHaveLength(1);
      const loser = results.find((r) => r.isErr());
      expect(loser?.isErr() ? loser.error._tag : undefined).toBe('AlreadyExists');
      const winner = digests[winners[0]!]!;
      expect(await sha256OfStream(await expectOk('get', sink.get(key))), 'the winner is stored').toEqual(
        winner,
      );
    },
  },
  ...failingBodies.map(failingBody),
  ...HOSTILE_KEYS.map(({ label, key }) => hostileKey(label, key)),
  {
    id: 'nested-key',
    title: `a nested key (${NESTED_KEY}) works for put, head and get`,
    async run(sink) {
      const body = Buffer.from('{"contactId":702100000001}');
      expect(objectKeyProblem(NESTED_KEY)).toBeUndefined();
      const stored = await expectOk(
        'put',
        sink.put(NESTED_KEY, Readable.from([body], { objectMode: false }), {}),
      );
      expect(stored.sha256).toBe(sha256Of(body));
      expect((await expectOk('head', sink.head(NESTED_KEY)))?.size).toBe(body.length);
      expect((await collect(await expectOk('get', sink.get(NESTED_KEY)))).equals(body)).toBe(true);
    },
  },
];

/**
 * Registers the sink conformance suite with vitest. `setup` runs before every case and must give
 * a fresh, empty sink (a new temp dir, bucket or key prefix); `cleanup` runs after it, pass or fail.
 * Start expensive servers in your own `beforeAll`, not in `setup`.
 */
export const describeSinkConformance = (
  name: string,
  setup: () => Promise<SinkUnderTest>,
  options: SinkConformanceOptions = {},
): void => {
  describe(`sink conformance: ${name}`, () => {
    for (const testCase of sinkConformanceCases(options)) {
      const reason = options.skip?.[testCase.id];
      if (reason !== undefined) {
        it.skip(`[${testCase.id}] ${testCase.title} — skipped: ${reason}`, () => {});
        continue;
      }
      it(
        `[${testCase.id}] ${testCase.title}`,
        async () => {
          const { sink, cleanup } = await setup();
          try {
            await testCase.run(sink);
          } finally {
            await cleanup();
          }
        },
        options.timeoutMs,
      );
    }
  });
};
