// The report counts adopted objects (found already in a sink with the same content and taken as
// stored: left by an interrupted run or a lost answer) apart from the newly stored ones, in both
// record layouts. In-memory plugins, the real harness, a real SQLite ledger.
import { Readable } from 'node:stream';
import { errAsync, okAsync, PluginErrors, type Sink, summarize, syncPipeline } from '@cxarchive/core/host';
import { collect, createMemorySink, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    occurredAt: '2026-11-02T10:00:00Z',
    record: { n: i + 1 },
    artifacts: [{ name: 'recording.wav', bytes: `audio of ${i + 1}`.repeat(50), contentType: 'audio/wav' }],
  }));

const signal = () => new AbortController().signal;

/** Every object a clean run stores for `items(n)`, key → bytes (what a crashed run leaves behind). */
const objectsOfACleanRun = async (n: number): Promise<Map<string, Buffer>> => {
  const scratch = createMemorySink();
  const report = await fixture({ source: createMemorySource(items(n)), sinks: [scratch] }).run();
  expect(report.status).toBe('succeeded');
  const out = new Map<string, Buffer>();
  for (const key of scratch.keys())
    out.set(key, await collect((await scratch.get(key, signal()))._unsafeUnwrap()));
  return out;
};

/** Puts `bytes` at `key` as an earlier run would have (create-only). */
const preFill = async (sink: Sink, key: string, bytes: Buffer) => {
  const put = await sink.put(key, Readable.from([bytes]), {
    contentType: 'application/octet-stream',
    metadata: {},
    size: bytes.length,
    signal: signal(),
  });
  expect(put.isOk()).toBe(true);
};

/** `inner`, except that the store's answer to the first put of a key containing `match` is lost after it stored it. */
const losingFirstAnswer = (inner: Sink, match: string) => {
  let matched = 0;
  let lost = 0;
  const sink: Sink = {
    ...inner,
    put: (key, body, options) =>
      inner
        .put(key, body, options)
        .andThen((stored) =>
          key.includes(match) && matched++ === 0 && ++lost
            ? errAsync(PluginErrors.transient('connection reset after the upload'))
            : okAsync(stored),
        ),
  };
  return { sink, lost: () => lost };
};

describe('adopted objects in the report', () => {
  it('a clean run reports adopted 0 and no adoption in the summary', async () => {
    const report = await fixture({ source: createMemorySource(items(3)), sinks: [createMemorySink()] }).run();
    expect(report.reportVersion).toBe(5);
    expect(report.objects).toBe(6);
    expect(report.adopted).toBe(0);
    expect(summarize(report)).toMatch(/ 6 objects, /);
    expect(summarize(report)).not.toMatch(/adopted/);
  });

  it('an object a crashed run left in the sink is adopted, counted apart, and objects stay as in a clean run', async () => {
    const left = await objectsOfACleanRun(3);
    const key = [...left.keys()].find((k) => k.includes('c002/recording'))!;
    const sink = createMemorySink();
    await preFill(sink, key, left.get(key)!);
    const report = await fixture({ source: createMemorySource(items(3)), sinks: [sink] }).run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 3, failed: 0 });
    expect(report.objects).toBe(6);
    expect(report.adopted).toBe(1);
    expect(sink.keys()).toEqual([...left.keys()].sort());
    expect(summarize(report)).toMatch(/ 6 objects \(1 adopted: already stored by an interrupted run\), /);
  });

  it('with two sinks, only the sink that held the object counts an adoption', async () => {
    const left = await objectsOfACleanRun(2);
    const key = [...left.keys()].find((k) => k.includes('c001/recording'))!;
    const a = createMemorySink();
    const b = createMemorySink();
    await preFill(b, key, left.get(key)!);
    const report = await fixture({ source: createMemorySource(items(2)), sinks: [a, b] }).run();
    expect(report.status).toBe('succeeded');
    expect(report.objects).toBe(8);
    expect(report.adopted).toBe(1);
  });

  it('other content at the key is not adopted: the item fails and nothing counts as adopted', async () => {
    const left = await objectsOfACleanRun(1);
    const key = [...left.keys()].find((k) => k.includes('c001/recording'))!;
    const sink = createMemorySink();
    await preFill(sink, key, Buffer.from('someone else’s bytes'));
    const report = await fixture({ source: createMemorySource(items(1)), sinks: [sink] }).run();
    expect(report.counts).toMatchObject({ archived: 0, failed: 1 });
    expect(report.failures[0]!.reason).toMatch(/a different object already exists/);
    expect(report.adopted).toBe(0);
    expect(summarize(report)).not.toMatch(/adopted/);
  });

  it('an object whose put answer was lost is adopted by the retry and counted once', async () => {
    const { sink, lost } = losingFirstAnswer(createMemorySink(), 'c001/recording');
    const report = await fixture({ source: createMemorySource(items(2)), sinks: [sink] }).run();
    expect(report.status).toBe('succeeded');
    expect(lost()).toBe(1);
    expect(report.objects).toBe(4);
    expect(report.adopted).toBe(1);
  });

  it('the batch layout: a batch object already stored is counted as adopted once, not per member', async () => {
    const inner = createMemorySink();
    const { sink, lost } = losingFirstAnswer(inner, '/records/');
    const f = fixture({
      source: createMemorySource(items(6)),
      sinks: [sink],
      config: { layout: { records: 'batch', batchSize: 4 } },
    });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(lost()).toBe(1);
    expect(report.counts.archived).toBe(6);
    // six recordings and two batch objects, one of which was adopted
    expect(report.objects).toBe(8);
    expect(report.adopted).toBe(1);
    expect(inner.keys().filter((k) => k.includes('/records/'))).toHaveLength(2);
    expect(summarize(report)).toMatch(/ 8 objects \(1 adopted: already stored by an interrupted run\), /);
  });

  it('the batch layout: a clean run adopts nothing', async () => {
    const report = await fixture({
      source: createMemorySource(items(6)),
      sinks: [createMemorySink()],
      config: { layout: { records: 'batch', batchSize: 4 } },
    }).run();
    expect(report.objects).toBe(8);
    expect(report.adopted).toBe(0);
  });

  it('sync: an object the new sink already holds (an interrupted sync) is adopted and counted apart', async () => {
    const a = createMemorySink();
    const source = createMemorySource(items(2));
    const first = fixture({ source, sinks: [a] });
    expect((await first.run()).objects).toBe(4);
    const b = createMemorySink();
    const key = a.keys().find((k) => k.includes('c001/recording'))!;
    await preFill(b, key, await collect((await a.get(key, signal()))._unsafeUnwrap()));
    const both = fixture({ source, sinks: [a, b], dir: first.dir });
    const synced = await syncPipeline({ prepared: both.prepared, scrubber: both.scrubber });
    expect(synced.status).toBe('succeeded');
    expect(synced.objects).toBe(4);
    expect(synced.adopted).toBe(1);
    expect(b.keys()).toEqual(a.keys());
    const again = await syncPipeline({ prepared: both.prepared, scrubber: both.scrubber });
    expect(again).toMatchObject({ objects: 0, adopted: 0 });
  });
});
