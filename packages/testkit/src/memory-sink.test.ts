import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  errAsync,
  fromStreamError,
  objectKeyProblem,
  okAsync,
  PluginErrors,
  ResultAsync,
  type Sink,
} from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { createMemorySink } from './memory-sink.js';
import {
  describeSinkConformance,
  type SinkConformanceCaseId,
  sinkConformanceCases,
} from './sink-conformance.js';

describeSinkConformance('memory', async () => ({ sink: createMemorySink(), cleanup: async () => {} }));

interface Flaws {
  readonly skipKeyCheck?: boolean;
  readonly overwrite?: boolean;
  readonly keepPartial?: boolean;
  readonly wrongSha?: boolean;
  readonly headMissingThrowsNotFound?: boolean;
  readonly swallowStreamTag?: boolean;
}

/** A small sink with switchable defects, to prove the suite catches each one. */
const flawedSink = (flaws: Flaws): Sink => {
  const objects = new Map<string, Buffer>();
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const invalid = (key: string) =>
    !flaws.skipKeyCheck && objectKeyProblem(key) !== undefined
      ? PluginErrors.invalidInput('bad key')
      : undefined;
  return {
    put(key, body) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      const chunks: Buffer[] = [];
      const read = (async () => {
        for await (const chunk of body) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      })();
      return ResultAsync.fromPromise(read, (e) => {
        if (flaws.keepPartial && !objects.has(key)) objects.set(key, Buffer.concat(chunks));
        return flaws.swallowStreamTag ? PluginErrors.permanent('write failed') : fromStreamError(e);
      }).andThen((bytes) => {
        if (!flaws.overwrite && objects.has(key)) return errAsync(PluginErrors.alreadyExists('exists'));
        objects.set(key, bytes);
        return okAsync({
          key,
          size: bytes.length,
          sha256: flaws.wrongSha ? sha(Buffer.from('x')) : sha(bytes),
        });
      });
    },
    head(key) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      const bytes = objects.get(key);
      if (!bytes && flaws.headMissingThrowsNotFound) return errAsync(PluginErrors.notFound('missing'));
      return okAsync(bytes ? { key, size: bytes.length, sha256: sha(bytes) } : null);
    },
    get(key) {
      const bad = invalid(key);
      if (bad) return errAsync(bad);
      const bytes = objects.get(key);
      if (!bytes) return errAsync(PluginErrors.notFound('missing'));
      return okAsync(Readable.from([bytes], { objectMode: false }));
    },
  };
};

const outcomes = async (flaws: Flaws, id: SinkConformanceCaseId): Promise<boolean[]> => {
  const cases = sinkConformanceCases({ largeBodySize: 100_000 }).filter((c) => c.id === id);
  expect(cases.length).toBeGreaterThan(0);
  return Promise.all(
    cases.map((c) =>
      c.run(flawedSink(flaws)).then(
        () => true,
        () => false,
      ),
    ),
  );
};

describe('the sink conformance suite catches defects', () => {
  it('a flawless sink passes every case', async () => {
    const all = sinkConformanceCases({ largeBodySize: 100_000 });
    const results = await Promise.all(all.map((c) => c.run(flawedSink({})).then(() => c.id)));
    expect(results).toHaveLength(all.length);
  });

  const defects: readonly [string, Flaws, SinkConformanceCaseId][] = [
    ['overwriting an existing object', { overwrite: true }, 'create-only'],
    ['letting both concurrent puts succeed', { overwrite: true }, 'concurrent-create'],
    ['leaving a partial object after a failing body', { keepPartial: true }, 'failing-body'],
    ['misclassifying the body stream error', { swallowStreamTag: true }, 'failing-body'],
    ['accepting hostile keys', { skipKeyCheck: true }, 'hostile-key'],
    ['reporting a wrong sha256', { wrongSha: true }, 'round-trip'],
    ['failing head of a missing key', { headMissingThrowsNotFound: true }, 'head-missing'],
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

describe('createMemorySink', () => {
  it('lists stored keys and keeps nothing of a refused key', async () => {
    const sink = createMemorySink();
    await sink.put('b/1', Readable.from([Buffer.from('x')]), {});
    await sink.put('a/1', Readable.from([Buffer.from('y')]), {});
    await sink.put('../x', Readable.from([Buffer.from('z')]), {});
    expect(sink.keys()).toEqual(['a/1', 'b/1']);
  });
});
