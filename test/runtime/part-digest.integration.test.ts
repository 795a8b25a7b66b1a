// PutOptions.partDigest: the runtime hands a sink that reports composites (S3's multipart ETag) the
// part digests it computes anyway, so the sink need not hash the bytes a second time. Real runtime,
// real SQLite ledger, in-memory stores.

import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { PutOptions, Sink } from '@cxarchive/core/host';
import { createMemorySink, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

interface Asked {
  readonly part: number;
  /** What the runtime said, when asked as soon as the sink had read a byte past the part (or the end). */
  readonly given: string | undefined;
  /** The MD5 of the part's bytes as the sink received them. */
  readonly actual: string;
}

/**
 * A memory sink that reports composites over `partSize` (or none), reading each body as a store
 * client would and asking `partDigest` for every part the moment it is complete: when a byte past
 * it arrives, or at the body's end for the last.
 */
const askingSink = (partSize: number | undefined) => {
  const inner = createMemorySink({
    checksums: partSize === undefined ? ['sha256'] : ['md5'],
    ...(partSize === undefined ? {} : { checksumPartSize: partSize }),
  });
  const asked: Asked[] = [];
  const without: string[] = [];
  const sink: Sink = {
    ...inner,
    put: (key, body, options: PutOptions) => {
      const digest = options.partDigest;
      if (digest === undefined) without.push(key);
      const received: Buffer[] = [];
      let size = 0;
      let done = 0;
      const ask = (part: number) => {
        const bytes = Buffer.concat(received).subarray((part - 1) * partSize!, part * partSize!);
        asked.push({ part, given: digest?.(part), actual: createHash('md5').update(bytes).digest('hex') });
        done = part;
      };
      const pass = new PassThrough();
      body.on('data', (chunk: Buffer) => {
        received.push(chunk);
        size += chunk.length;
        if (digest !== undefined && partSize !== undefined)
          while ((done + 1) * partSize < size) ask(done + 1);
        pass.write(chunk);
      });
      body.on('end', () => {
        if (digest !== undefined && partSize !== undefined && size > 0) ask(done + 1);
        pass.end();
      });
      body.on('error', (error) => pass.destroy(error));
      return inner.put(key, pass, options);
    },
  };
  return { sink, asked, without };
};

const items = (n: number, bytes: number): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${i + 1}`,
    artifacts: [
      {
        name: 'recording.wav',
        bytes: Buffer.alloc(bytes, i + 1).toString('latin1'),
        contentType: 'audio/wav',
      },
    ],
  }));

describe('part digests for sinks that report composites (PutOptions.partDigest)', () => {
  it('gives every part digest of every object, known as soon as the part is complete, equal to the MD5 of its bytes', async () => {
    const composite = askingSink(1024);
    const plain = askingSink(undefined);
    const f = fixture({ source: createMemorySource(items(3, 5000)), sinks: [composite.sink, plain.sink] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 3, failed: 0 });
    // Recordings of ~5000 bytes: five or six parts each; the records: one part each.
    expect(composite.asked.length).toBeGreaterThanOrEqual(3 * 5 + 3);
    expect(composite.asked.filter((a) => a.part === 1)).toHaveLength(6);
    for (const a of composite.asked) expect(a.given, `part ${a.part}`).toBe(a.actual);
    expect(composite.without).toEqual([]);
    // A sink verified by SHA-256 (no composite) gets none.
    expect(plain.without).toHaveLength(6);
    expect(plain.asked).toEqual([]);
  });

  it('two sinks with different part sizes each get the digests of their own parts', async () => {
    const small = askingSink(700);
    const large = askingSink(2048);
    const f = fixture({ source: createMemorySource(items(1, 6000)), sinks: [small.sink, large.sink] });
    expect((await f.run()).counts).toMatchObject({ archived: 1, failed: 0 });
    for (const s of [small, large]) {
      expect(s.asked.length).toBeGreaterThan(2);
      for (const a of s.asked) expect(a.given).toBe(a.actual);
    }
    expect(small.asked.length).toBeGreaterThan(large.asked.length);
  });
});
