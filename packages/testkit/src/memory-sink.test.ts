import { Readable } from 'node:stream';
import {
  type ChecksumAlgorithm,
  errAsync,
  fromStreamError,
  objectKeyProblem,
  okAsync,
  type PluginError,
  PluginErrors,
  ResultAsync,
  type Sink,
  type StoredInfo,
} from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import { checksumOf, createChecksumHasher } from './collect-checksum.js';
import { createMemorySink } from './memory-sink.js';
import {
  describeSinkConformance,
  type SinkConformanceCaseId,
  type SinkConformanceOptions,
  sinkConformanceCases,
  sinkConformancePlan,
} from './sink-conformance.js';

const HOLDS_BODIES = 'the memory sink holds every body in memory by design (small test bodies only)';
const NO_SERVER = 'the memory sink talks to no server (the HTTP test sink below is checked instead)';
const MEMORY_SKIPS = {
  'bounded-memory': HOLDS_BODIES,
  'missing-container': 'the memory sink has no bucket or container',
  'bad-credentials': 'the memory sink has no credentials',
  'fault-unavailable': NO_SERVER,
  'fault-throttled': NO_SERVER,
  'fault-reset': NO_SERVER,
  retention: 'the memory sink declares no retention capability',
  'retention-unavailable': 'the memory sink declares no retention capability',
} as const;

describeSinkConformance(
  'memory',
  async () => ({ sink: createMemorySink({ listPageSize: 2 }), listPageSize: 2, cleanup: async () => {} }),
  { skip: MEMORY_SKIPS },
);

describeSinkConformance(
  'memory (md5 first, with a prefix)',
  async () => ({
    sink: createMemorySink({ checksums: ['md5', 'crc32c'], prefix: 'vault/acme/' }),
    prefix: 'vault/acme/',
    cleanup: async () => {},
  }),
  { skip: MEMORY_SKIPS },
);

interface Flaws {
  readonly skipKeyCheck?: boolean;
  readonly overwrite?: boolean;
  readonly keepPartial?: boolean;
  readonly wrongChecksum?: boolean;
  readonly wrongAlgorithm?: boolean;
  readonly uppercaseChecksum?: boolean;
  readonly logicalKey?: boolean;
  readonly loseEmpty?: boolean;
  readonly headMissingThrowsNotFound?: boolean;
  readonly swallowStreamTag?: boolean;
  readonly ignorePutSignal?: boolean;
  readonly keepPartialOnCancel?: boolean;
  readonly headIgnoresSignal?: boolean;
  readonly getIgnoresSignal?: boolean;
  readonly dropMetadata?: boolean;
  readonly omitMetadata?: boolean;
  readonly bufferWholeBody?: boolean;
  readonly getMissingIsEmpty?: boolean;
  readonly headWrongSize?: boolean;
  readonly refuseDeepKeys?: boolean;
  readonly resumeAfterFailure?: boolean;
}

const PREFIX = 'vault/';
const CHECKSUMS: readonly ChecksumAlgorithm[] = ['md5', 'sha256'];
/** Bodies above this are hashed as they stream and not kept (only the bounded-memory case sends one). */
const KEEP_AT_MOST = 4 * 1024 * 1024;

interface FlawedObject {
  readonly bytes: Buffer | undefined;
  readonly size: number;
  readonly metadata: Record<string, string>;
}

/**
 * A small sink with switchable defects, to prove the suite catches each one. Without defects it
 * streams (it keeps small bodies only), declares md5 then sha256, and puts `vault/` before keys.
 */
const flawedSink = (flaws: Flaws): Sink => {
  const objects = new Map<string, FlawedObject>();
  /** What a failed put received, which a resuming sink keeps and puts before the retried body's rest. */
  const pending = new Map<string, Buffer>();
  const cancelled = (): PluginError => PluginErrors.transient('cancelled');
  const invalid = (key: string) =>
    (!flaws.skipKeyCheck && objectKeyProblem(key) !== undefined) ||
    (flaws.refuseDeepKeys && key.split('/').length > 3)
      ? PluginErrors.invalidInput('bad key')
      : undefined;
  const checksumOfObject = (object: FlawedObject) => {
    const algorithm = flaws.wrongAlgorithm ? CHECKSUMS[1]! : CHECKSUMS[0]!;
    const { value } = checksumOf(algorithm, flaws.wrongChecksum ? Buffer.from('x') : object.bytes!);
    return { algorithm, value: flaws.uppercaseChecksum ? value.toUpperCase() : value };
  };
  const physical = (key: string) => (flaws.logicalKey ? key : `${PREFIX}${key}`);

  return {
    checksums: CHECKSUMS,
    put(key, body, options) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      const signal = flaws.ignorePutSignal ? new AbortController().signal : options.signal;
      if (signal.aborted) {
        body.destroy();
        return errAsync(cancelled());
      }
      const onAbort = () => body.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      const chunks: Buffer[] = [];
      let size = 0;
      const hasher = createChecksumHasher(CHECKSUMS[0]!);
      const read = (async () => {
        for await (const chunk of body) {
          size += (chunk as Buffer).length;
          hasher.update(chunk as Buffer);
          if (flaws.bufferWholeBody || size <= KEEP_AT_MOST) chunks.push(chunk as Buffer);
          else chunks.length = 0;
        }
        return size <= KEEP_AT_MOST ? Buffer.concat(chunks) : undefined;
      })().finally(() => signal.removeEventListener('abort', onAbort));
      const partial = (): FlawedObject => ({ bytes: Buffer.concat(chunks), size, metadata: {} });
      return ResultAsync.fromPromise(read, (e) => {
        if (signal.aborted) {
          if (flaws.keepPartialOnCancel) objects.set(key, partial());
          return cancelled();
        }
        if (flaws.keepPartial && !objects.has(key)) objects.set(key, partial());
        if (flaws.resumeAfterFailure) pending.set(key, Buffer.concat(chunks));
        return flaws.swallowStreamTag ? PluginErrors.permanent('write failed') : fromStreamError(e);
      }).andThen((received) => {
        if (!flaws.overwrite && objects.has(key)) return errAsync(PluginErrors.alreadyExists('exists'));
        const resumed = pending.get(key);
        const bytes =
          received !== undefined && resumed !== undefined && flaws.resumeAfterFailure
            ? Buffer.concat([resumed, received.subarray(resumed.length)])
            : received;
        const object = { bytes, size, metadata: flaws.dropMetadata ? {} : { ...options.metadata } };
        if (!(flaws.loseEmpty && size === 0)) objects.set(key, object);
        const checksum =
          bytes === undefined
            ? { algorithm: CHECKSUMS[0]!, value: hasher.digest() }
            : checksumOfObject(object);
        return okAsync({ key: physical(key), size, checksum });
      });
    },
    head(key, signal) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      if (signal.aborted && !flaws.headIgnoresSignal) return errAsync(cancelled());
      const object = objects.get(key);
      if (!object && flaws.headMissingThrowsNotFound) return errAsync(PluginErrors.notFound('missing'));
      if (!object) return okAsync(null);
      const info: StoredInfo = {
        key: physical(key),
        size: flaws.headWrongSize ? object.size + 1 : object.size,
        ...(object.bytes ? { checksum: checksumOfObject(object) } : {}),
        ...(flaws.omitMetadata ? {} : { metadata: object.metadata }),
      };
      return okAsync(info);
    },
    get(key, signal) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      if (signal.aborted && !flaws.getIgnoresSignal) return errAsync(cancelled());
      const object = objects.get(key);
      if (!object && flaws.getMissingIsEmpty) return okAsync(Readable.from([]));
      if (!object?.bytes) return errAsync(PluginErrors.notFound('missing'));
      return okAsync(Readable.from(object.bytes.length > 0 ? [object.bytes] : [], { objectMode: false }));
    },
  };
};

const OPTIONS: SinkConformanceOptions = {
  largeBodySize: 100_000,
  abortSettleMs: 300,
  boundedMemoryBodySize: 48 * 1024 * 1024,
};

/**
 * The cases that run without fault hooks (the others are checked with hooks further down), but
 * `list`: this flawed sink has no `list`; sink-conformance-list.test.ts checks that case.
 */
const hookless = () => sinkConformanceCases(OPTIONS).filter((c) => c.needs === undefined && c.id !== 'list');

const outcomes = async (flaws: Flaws, id: SinkConformanceCaseId): Promise<boolean[]> => {
  const cases = hookless().filter((c) => c.id === id);
  expect(cases.length).toBeGreaterThan(0);
  const results: boolean[] = [];
  for (const c of cases)
    results.push(
      await c.run(flawedSink(flaws), { prefix: PREFIX }).then(
        () => true,
        () => false,
      ),
    );
  return results;
};

describe('the sink conformance suite catches defects', () => {
  it('a flawless sink passes every case', async () => {
    const passed: string[] = [];
    for (const c of hookless()) {
      await c.run(flawedSink({}), { prefix: PREFIX }).catch((error: Error) => {
        throw new Error(`[${c.id}] ${c.title}: ${error.message}`);
      });
      passed.push(c.id);
    }
    expect(passed).toHaveLength(hookless().length);
  });

  const defects: readonly [string, Flaws, SinkConformanceCaseId][] = [
    ['overwriting an existing object', { overwrite: true }, 'create-only'],
    ['letting both concurrent puts succeed', { overwrite: true }, 'concurrent-create'],
    ['leaving a partial object after a failing body', { keepPartial: true }, 'failing-body'],
    ['misclassifying the body stream error', { swallowStreamTag: true }, 'failing-body'],
    ['accepting hostile keys', { skipKeyCheck: true }, 'hostile-key'],
    ['reporting a wrong checksum', { wrongChecksum: true }, 'round-trip'],
    ['echoing a wrong checksum', { wrongChecksum: true }, 'checksum'],
    ['reporting its second declared algorithm', { wrongAlgorithm: true }, 'checksum'],
    ['reporting uppercase hex', { uppercaseChecksum: true }, 'checksum'],
    ['reporting the logical key without its prefix', { logicalKey: true }, 'physical-key'],
    ['losing an empty object', { loseEmpty: true }, 'empty-object'],
    ['failing head of a missing key', { headMissingThrowsNotFound: true }, 'head-missing'],
    ['ignoring the signal of a put (it hangs)', { ignorePutSignal: true }, 'cancel-mid-body'],
    ['keeping what it got of a cancelled put', { keepPartialOnCancel: true }, 'cancel-mid-body'],
    ['ignoring an aborted signal in put', { ignorePutSignal: true }, 'aborted-signal'],
    ['ignoring an aborted signal in head', { headIgnoresSignal: true }, 'aborted-signal'],
    ['ignoring an aborted signal in get', { getIgnoresSignal: true }, 'aborted-signal'],
    ['dropping the metadata', { dropMetadata: true }, 'metadata'],
    ['returning no metadata from head', { omitMetadata: true }, 'metadata'],
    ['holding the whole body in memory', { bufferWholeBody: true }, 'bounded-memory'],
    ['returning an empty body for a missing key', { getMissingIsEmpty: true }, 'get-missing'],
    ['reporting a wrong size from head', { headWrongSize: true }, 'head-after-put'],
    ['refusing a nested key', { refuseDeepKeys: true }, 'nested-key'],
    ['resuming a retried put after the bytes the failed one got', { resumeAfterFailure: true }, 'retry-body'],
  ];
  for (const [label, flaws, id] of defects) {
    it(`${id} fails a sink ${label}`, async () => {
      const results = await outcomes(flaws, id);
      expect(results.some((passed) => !passed)).toBe(true);
    });
  }

  it('every hostile-key case fails a sink without key validation', async () => {
    expect((await outcomes({ skipKeyCheck: true }, 'hostile-key')).every((passed) => !passed)).toBe(true);
  });

  it('a hostile-key case fails a sink that reads the body before refusing', async () => {
    const memory = createMemorySink();
    const eager: Sink = {
      ...memory,
      put: (key, body, options) => {
        body.read();
        return memory.put(key, body, options);
      },
    };
    const [hostile] = sinkConformanceCases().filter((c) => c.id === 'hostile-key');
    await expect(hostile!.run(eager)).rejects.toThrow('the body was not read');
  });
});

describe('sinkConformancePlan', () => {
  it('runs the metadata case unless the sink declares why it cannot store metadata', () => {
    const metadata = (options: SinkConformanceOptions) =>
      sinkConformancePlan(options).find((entry) => entry.testCase.id === 'metadata');
    expect(metadata({})?.skipped).toBeUndefined();
    expect(metadata({ metadataUnsupported: 'files have no user metadata' })?.skipped).toBe(
      'files have no user metadata',
    );
  });

  it('skips every case of a skipped id, with the reason, and only those', () => {
    const plan = sinkConformancePlan({ skip: { 'failing-body': 'the emulator cannot' } });
    expect(plan.filter((entry) => entry.testCase.id === 'failing-body').every((e) => e.skipped)).toBe(true);
    // The cases needing a fault hook are skipped too (none given here): see sink-conformance-faults.test.ts.
    expect(plan.filter((e) => e.skipped !== undefined && e.testCase.needs === undefined).length).toBe(
      plan.filter((entry) => entry.testCase.id === 'failing-body').length,
    );
  });
});

const body = (text: string) => Readable.from([Buffer.from(text)], { objectMode: false });
const live = () => new AbortController().signal;
const putOptions = (extra: Record<string, unknown> = {}) => ({
  signal: live(),
  contentType: 'text/plain',
  metadata: {},
  ...extra,
});

describe('createMemorySink', () => {
  it('lists stored physical keys and keeps nothing of a refused key', async () => {
    const sink = createMemorySink({ prefix: 'p/' });
    await sink.put('b/1', body('x'), putOptions());
    await sink.put('a/1', body('y'), putOptions());
    await sink.put('../x', body('z'), putOptions());
    expect(sink.keys()).toEqual(['p/a/1', 'p/b/1']);
  });

  it('reports the checksum of the stored bytes in its first declared algorithm', async () => {
    const sink = createMemorySink({ checksums: ['md5', 'sha256'] });
    expect(sink.checksums).toEqual(['md5', 'sha256']);
    const stored = (await sink.put('k', body('hello'), putOptions()))._unsafeUnwrap();
    expect(stored.checksum).toEqual({ algorithm: 'md5', value: '5d41402abc4b2a76b9719d911017c592' });
    const existing = (await sink.put('k', body('again'), putOptions()))._unsafeUnwrapErr();
    expect(existing).toMatchObject({
      _tag: 'AlreadyExists',
      checksum: { algorithm: 'md5', value: '5d41402abc4b2a76b9719d911017c592' },
    });
  });

  it('keeps metadata and returns it from head', async () => {
    const sink = createMemorySink();
    await sink.put('k', body('x'), putOptions({ metadata: { a: '1' } }));
    expect((await sink.head('k', live()))._unsafeUnwrap()?.metadata).toEqual({ a: '1' });
  });

  it('refuses a body whose length differs from the announced size, storing nothing', async () => {
    const sink = createMemorySink();
    const error = (await sink.put('k', body('four'), putOptions({ size: 5 })))._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(sink.keys()).toEqual([]);
  });

  it('destroys a get stream when its signal aborts, with a classified cancellation', async () => {
    const sink = createMemorySink();
    await sink.put('k', body('x'.repeat(10)), putOptions());
    const controller = new AbortController();
    const stream = (await sink.get('k', controller.signal))._unsafeUnwrap();
    controller.abort();
    const error = await collect(stream).catch((e: unknown) => e);
    expect(fromStreamError(error)).toMatchObject({
      _tag: 'Transient',
      message: 'memory sink: get of k was cancelled',
    });
  });

  it('refuses an empty or unknown checksum list', () => {
    expect(() => createMemorySink({ checksums: [] })).toThrow(RangeError);
    expect(() => createMemorySink({ checksums: ['crc16' as ChecksumAlgorithm] })).toThrow(RangeError);
  });
});
