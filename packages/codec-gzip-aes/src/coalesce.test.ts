import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect, patternBytes } from '../test-support/helpers.js';
import { Coalesce } from './coalesce.js';

const pieces = (bytes: Buffer, sizes: readonly number[]): Readable => {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(parts, { objectMode: false });
};

/** What a Coalesce passes on, piece by piece. */
const outputOf = async (input: Readable, size: number): Promise<Buffer[]> => {
  const out: Buffer[] = [];
  for await (const part of input.pipe(new Coalesce(size))) out.push(part as Buffer);
  return out;
};

describe('Coalesce', () => {
  it('joins small writes into pieces of at least the size; only the last is shorter; no byte lost or moved', async () => {
    const data = patternBytes(100_000, 5);
    const out = await outputOf(pieces(data, [1400, 1, 333]), 8192);
    expect(Buffer.concat(out).equals(data)).toBe(true);
    for (const part of out.slice(0, -1)) expect(part.length).toBeGreaterThanOrEqual(8192);
    expect(out.length).toBeLessThanOrEqual(Math.ceil(100_000 / 8192));
  });

  it('passes a large write through as is (no copy) and an empty input as nothing', async () => {
    const data = patternBytes(20_000, 9);
    const out = await outputOf(pieces(data, [20_000]), 8192);
    expect(out).toHaveLength(1);
    expect(out[0]!.buffer).toBe(data.buffer);
    expect(await outputOf(Readable.from([], { objectMode: false }), 8192)).toEqual([]);
  });

  it('a short input comes out whole at the end', async () => {
    const data = patternBytes(3000, 2);
    expect(Buffer.concat(await outputOf(pieces(data, [100]), 8192)).equals(data)).toBe(true);
    expect(await collect(pieces(data, [7]).pipe(new Coalesce(8192)))).toEqual(data);
  });
});
