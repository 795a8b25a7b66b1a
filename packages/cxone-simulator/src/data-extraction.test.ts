import { describe, expect, it } from 'vitest';
import type { SimContext } from './context.js';
import { createJob, csvChunks, csvSize, parseJobDate } from './data-extraction.js';
import { buildDataset, type Dataset } from './dataset.js';
import { resolveOptions } from './options.js';

/** A context over a data set whose `contactAt` calls are counted. */
function countingContext(contacts: number): { ctx: SimContext; reads: () => number } {
  const dataset = buildDataset({ seed: 3, contacts });
  let reads = 0;
  const counted: Dataset = {
    ...dataset,
    contactAt: (position: number) => {
      reads += 1;
      return dataset.contactAt(position);
    },
  };
  const ctx = {
    options: resolveOptions({ contacts }),
    url: 'http://127.0.0.1:1',
    dataset: counted,
    secret: Buffer.alloc(32),
    index: undefined as never,
    nowMs: () => Date.parse('2026-11-01T00:00:00Z'),
  } satisfies SimContext;
  return { ctx, reads: () => reads };
}

describe('the result CSV', () => {
  it('is generated as it is read: the first chunk comes after a small part of the range was read', () => {
    const { ctx, reads } = countingContext(50_000);
    const job = createJob(
      ctx,
      {
        entityName: 'recording-interaction-metadata',
        version: '7',
        startMs: Date.parse('2026-10-01T00:00:00Z'),
        endMs: Date.parse('2026-10-15T00:00:00Z'),
      },
      0,
    );
    const chunks = csvChunks(ctx, job);
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect((first.value as Buffer).length).toBeGreaterThanOrEqual(64 * 1024);
    const afterFirst = reads();
    expect(afterFirst).toBeGreaterThan(100);
    expect(afterFirst).toBeLessThan(5_000); // of 50000 positions in the range
    let bytes = (first.value as Buffer).length;
    for (const chunk of chunks) bytes += chunk.length;
    expect(reads()).toBeGreaterThan(49_000);
    expect(csvSize(ctx, job)).toBe(bytes);
  });

  it('reads dates as YYYY-MM-DD or ISO 8601 with a zone, nothing else', () => {
    expect(parseJobDate('2026-10-03')).toBe(Date.parse('2026-10-03T00:00:00Z'));
    expect(parseJobDate('2026-10-03T04:05:06.789+02:00')).toBe(Date.parse('2026-10-03T02:05:06.789Z'));
    for (const bad of ['2026-02-30', '2026-10-03T04:05', '03/10/2026', 20261003, '']) {
      expect(parseJobDate(bad)).toBeUndefined();
    }
  });
});
