import { finished, type Readable } from 'node:stream';

/** Reads a stream one chunk at a time, as its producer made them. */
export interface ChunkReader {
  /** The next chunk, or undefined at the end; rejects with the stream's error (or premature close). */
  next(): Promise<Buffer | undefined>;
}

/**
 * A pull reader over the stream's own chunks. Not the async iterator: it calls `read()` in paused
 * mode, which hands over everything buffered as one new Buffer (a concatenation, so an allocation
 * and a copy, whenever the producer got ahead). Here the stream flows one chunk at a time and is
 * paused after each until the next is asked for: nothing is joined, and backpressure holds.
 */
export const chunkReader = (stream: Readable): ChunkReader => {
  const queue: Buffer[] = [];
  let done = false;
  let failure: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  stream.on('data', (chunk: Buffer | string) => {
    queue.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    stream.pause();
    notify();
  });
  stream.pause();
  finished(stream, { writable: false }, (error) => {
    if (error) failure ??= { error };
    else done = true;
    notify();
  });
  return {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) return chunk;
        if (failure !== undefined) throw failure.error;
        if (done) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          stream.resume();
        });
      }
    },
  };
};
