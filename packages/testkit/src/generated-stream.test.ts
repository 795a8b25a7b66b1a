import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import { generatedDigest, generatedStream } from './generated-stream.js';

const chunkSizes = async (size: number): Promise<number[]> => {
  const sizes: number[] = [];
  for await (const chunk of generatedStream(size, 1)) sizes.push((chunk as Buffer).length);
  return sizes;
};

describe('generatedStream', () => {
  it('yields exactly the requested size, including 0 and sizes that split a word', async () => {
    for (const size of [0, 1, 3, 5, 65_536, 65_537, 200_001]) {
      expect((await collect(generatedStream(size, 9))).length).toBe(size);
    }
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await collect(generatedStream(10_000, 42));
    const b = await collect(generatedStream(10_000, 42));
    const c = await collect(generatedStream(10_000, 43));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('is not a constant or trivially repeating pattern', async () => {
    const bytes = await collect(generatedStream(4096, 1));
    expect(new Set(bytes).size).toBeGreaterThan(200);
    expect(bytes.subarray(0, 64).equals(bytes.subarray(64, 128))).toBe(false);
  });

  it('a shorter stream is a prefix of a longer one with the same seed', async () => {
    const long = await collect(generatedStream(70_000, 5));
    const short = await collect(generatedStream(65_539, 5));
    expect(long.subarray(0, short.length).equals(short)).toBe(true);
  });

  it('streams in chunks of at most 64 KiB rather than one buffer', async () => {
    const sizes = await chunkSizes(1024 * 1024 + 10);
    expect(sizes.length).toBe(17);
    expect(Math.max(...sizes)).toBe(65_536);
    expect(sizes.at(-1)).toBe(10);
  });

  it('generatedDigest matches hashing the stream', async () => {
    const { createHash } = await import('node:crypto');
    const bytes = await collect(generatedStream(12_345, 8));
    expect(await generatedDigest(12_345, 8)).toEqual({
      size: 12_345,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('refuses a negative or fractional size', () => {
    expect(() => generatedStream(-1)).toThrow(RangeError);
    expect(() => generatedStream(1.5)).toThrow(RangeError);
  });
});
