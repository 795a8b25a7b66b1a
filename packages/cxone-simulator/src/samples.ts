import { Readable } from 'node:stream';
import { createRngFromString } from './prng.js';

/** Bytes produced per read() call. A multiple of 4 (the generator yields 32-bit words). */
export const CHUNK_BYTES = 64 * 1024;

/**
 * `head`, then `dataBytes` bytes of 8 kHz μ-law samples drawn from a generator seeded by the
 * recording id, as a lazy stream: one chunk per read, nothing buffered beyond a chunk. The same
 * recording id always gives the same samples, whatever container is put around them.
 */
export function sampleStream(recordingId: string, head: Buffer, dataBytes: number): Readable {
  const rng = createRngFromString(`recording:${recordingId}`);
  let headSent = false;
  let remaining = dataBytes;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (!headSent) {
        headSent = true;
        this.push(head);
        if (remaining === 0) this.push(null);
        return;
      }
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, remaining);
      const words = Math.ceil(length / 4);
      const chunk = Buffer.allocUnsafe(words * 4);
      for (let i = 0; i < words; i++) chunk.writeUInt32LE(rng.nextUint32(), i * 4);
      remaining -= length;
      this.push(length === chunk.length ? chunk : chunk.subarray(0, length));
      if (remaining === 0) this.push(null);
    },
  });
}
