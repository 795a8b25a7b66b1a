import { Readable } from 'node:stream';
import { sha256OfStream } from '@cxarchive/core';

const CHUNK = 64 * 1024;

/** mulberry32: a tiny, well-distributed 32-bit PRNG; the same seed always gives the same bytes. */
const nextWord = (state: { s: number }): number => {
  state.s = (state.s + 0x6d2b79f5) | 0;
  let t = state.s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
};

/**
 * A deterministic pseudo-random body of exactly `size` bytes, produced in 64 KiB chunks on demand
 * (never one large buffer). The same `(size, seed)` always yields the same bytes, and a shorter
 * stream with the same seed is a prefix of a longer one.
 */
export const generatedStream = (size: number, seed = 1): Readable => {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`generatedStream: bad size ${size}`);
  const state = { s: seed | 0 };
  let remaining = size;
  return new Readable({
    read() {
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, remaining);
      const chunk = Buffer.allocUnsafe(length);
      // CHUNK is a multiple of 4, so chunk boundaries never split a PRNG word.
      for (let offset = 0; offset < length; offset += 4) {
        const word = nextWord(state);
        for (let i = 0; i < 4 && offset + i < length; i++) chunk[offset + i] = (word >>> (8 * i)) & 0xff;
      }
      remaining -= length;
      this.push(chunk);
    },
  });
};

/** Size and hex SHA-256 of `generatedStream(size, seed)`, computed by streaming it. */
export const generatedDigest = (size: number, seed = 1): Promise<{ size: number; sha256: string }> =>
  sha256OfStream(generatedStream(size, seed));
