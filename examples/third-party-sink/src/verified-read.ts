import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { PluginFailure } from '@cxarchive/core';
import { cancelled, corruptBlob, mapFsError } from './errors.js';
import type { IndexEntry } from './index-entry.js';

const CHUNK = 64 * 1024;

/**
 * The bytes of an open blob as a stream that owns the file handle (closed when the stream ends or
 * is destroyed) and checks them against their address: a content-addressed store can verify every
 * read for free. If the bytes do not hash to the blob's SHA-256 (or their length differs from the
 * index entry), the stream is destroyed at its end with a Permanent `PluginFailure` instead of
 * ending. When `signal` aborts, it is destroyed with a cancellation.
 */
export const verifiedRead = (
  handle: FileHandle,
  entry: IndexEntry,
  key: string,
  signal: AbortSignal,
): Readable => {
  const hash = createHash('sha256');
  let size = 0;
  const onAbort = (): void => {
    stream.destroy(new PluginFailure(cancelled(`reading ${key}`)));
  };
  const finish = (): PluginFailure | null => {
    const actual = hash.digest('hex');
    if (size !== entry.size)
      return new PluginFailure(
        corruptBlob(key, entry.sha256, `it holds ${size} bytes, the index says ${entry.size}`),
      );
    if (actual !== entry.sha256)
      return new PluginFailure(corruptBlob(key, entry.sha256, `its bytes hash to sha256:${actual}`));
    return null;
  };
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      const buffer = Buffer.allocUnsafe(CHUNK);
      handle.read(buffer, 0, CHUNK, null).then(
        ({ bytesRead }) => {
          if (bytesRead > 0) {
            const chunk = buffer.subarray(0, bytesRead);
            hash.update(chunk);
            size += bytesRead;
            this.push(chunk);
            return;
          }
          const failure = finish();
          if (failure) this.destroy(failure);
          else this.push(null);
        },
        (error: unknown) => this.destroy(new PluginFailure(mapFsError(error, `reading ${key}`))),
      );
    },
    destroy(error, callback) {
      signal.removeEventListener('abort', onAbort);
      // close() waits for a read still in flight.
      handle.close().then(
        () => callback(error),
        (closeError: unknown) => callback(error ?? (closeError as Error)),
      );
    },
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return stream;
};
