// `cxarchive sync`: a sink added after items were archived is warned about, then filled with
// exactly the objects the other sinks hold, copied as they are and verified.
import { Readable } from 'node:stream';
import { okAsync, syncPipeline } from '@cxarchive/core/host';
import {
  collect,
  createMemorySink,
  createMemorySource,
  createScriptedSink,
  type MemoryItemSpec,
} from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${i + 1}`,
    artifacts: [{ name: 'recording.wav', bytes: `audio ${i}`.repeat(100), contentType: 'audio/wav' }],
  }));

const bytesOf = async (sink: ReturnType<typeof createMemorySink>, key: string) => {
  const got = await sink.get(key, new AbortController().signal);
  return collect(got._unsafeUnwrap());
};

describe('sync', () => {
  it('warns about a sink added after items were archived, and fills it with what the others hold', async () => {
    const a = createMemorySink();
    const source = createMemorySource(items(3));
    const first = fixture({ source, sinks: [a] });
    expect((await first.run()).objects).toBe(6);

    const b = createMemorySink({ prefix: 'copy/' });
    const both = fixture({ source, sinks: [a, b], dir: first.dir });
    const run = await both.run();
    expect(run.objects).toBe(0); // the archive flow never revisits archived items
    expect(
      run.warnings.some(
        (w) => w.startsWith('sinks[1] (test-sink) lacks 6 objects') && w.includes('cxarchive sync'),
      ),
    ).toBe(true);
    expect(b.keys()).toEqual([]);

    const synced = await syncPipeline({ prepared: both.prepared, scrubber: both.scrubber });
    expect(synced.status).toBe('succeeded');
    expect(synced.objects).toBe(6);
    expect(b.keys()).toEqual(a.keys().map((k) => `copy/${k}`));
    for (const key of a.keys()) expect((await bytesOf(b, key)).equals(await bytesOf(a, key))).toBe(true);

    const ledgerRow = await both.withLedger((l) => l.getItem('acme', 'test-source', 'c1'));
    const onB = ledgerRow!.objects.filter((o) => o.sink === 'sinks[1]');
    expect(onB).toHaveLength(2);
    expect(onB.every((o) => o.physicalKey.startsWith('copy/'))).toBe(true);

    expect((await syncPipeline({ prepared: both.prepared, scrubber: both.scrubber })).objects).toBe(0);
    expect((await both.run()).warnings.filter((w) => w.includes('lacks'))).toEqual([]);
  });

  it('refuses to record a copy whose bytes differ from what was archived', async () => {
    const a = createMemorySink();
    const source = createMemorySource(items(1));
    const first = fixture({ source, sinks: [a] });
    await first.run();
    // the holder now gives other bytes (the object on it was replaced behind our back)
    const tampered = {
      ...createScriptedSink(a, {}),
      get: () => okAsync(Readable.from([Buffer.from('something else')])),
    };
    const b = createMemorySink();
    const both = fixture({ source, sinks: [tampered, b], dir: first.dir });
    const synced = await syncPipeline({ prepared: both.prepared, scrubber: both.scrubber });
    expect(synced.status).toBe('completed_with_failures');
    expect(synced.failuresTotal).toBe(2);
    expect(synced.failures[0]!.reason).toMatch(/differ from what was archived|does not match/);
    const row = await both.withLedger((l) => l.getItem('acme', 'test-source', 'c1'));
    expect(row!.objects.filter((o) => o.sink === 'sinks[1]')).toEqual([]);
  });
});
