import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fromStreamError, PluginFailure } from '@cxarchive/core';
import { cancelled, errnoCode, mapFsError } from './errors.js';
import type { Digest } from './verify.js';

/** Writes `length` bytes of `buffer` from `offset` at the file position; the test seam for a full disk. */
export type WriteChunk = (
  handle: FileHandle,
  buffer: Buffer,
  offset: number,
  length: number,
) => Promise<{ bytesWritten: number }>;

export const writeChunk: WriteChunk = (handle, buffer, offset, length) =>
  handle.write(buffer, offset, length);

export interface WriteTempOptions {
  /** The object's key, for messages. */
  readonly key: string;
  /** The root as the user wrote it, for messages about the root as a whole (a full disk). */
  readonly rootLabel: string;
  readonly fileMode: number;
  readonly fsync: boolean;
  readonly signal: AbortSignal;
  readonly write?: WriteChunk;
}

/**
 * Opens `temp` exclusively. Its directory is recreated if a `close` of another sink on the same root
 * removed it while it was empty.
 */
const openExclusive = async (temp: string, options: WriteTempOptions): Promise<FileHandle> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(temp, 'wx', options.fileMode);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT' || attempt >= 3)
        throw new PluginFailure(
          mapFsError(error, `creating a temp file for ${options.key}`, options.rootLabel),
        );
      await mkdir(path.dirname(temp), { mode: 0o700 }).catch(() => undefined);
    }
  }
};

const writeFully = async (handle: FileHandle, chunk: Buffer, options: WriteTempOptions): Promise<void> => {
  const write = options.write ?? writeChunk;
  let offset = 0;
  try {
    while (offset < chunk.length) {
      const { bytesWritten } = await write(handle, chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  } catch (error) {
    throw new PluginFailure(mapFsError(error, `writing ${options.key}`, options.rootLabel));
  }
};

/**
 * Streams `body` into the new exclusive file `temp`, hashing it on the way, and fsyncs it. One
 * chunk is in memory at a time. Which error wins, when several happen at once:
 * - the file's own errno (`ENOSPC`, `EIO`, …): it is the root cause, and the body is destroyed
 *   because of it (a stream pipeline would report that destruction — "The operation was
 *   aborted" — instead);
 * - then the cancellation, when `signal` aborted: aborting destroys the body, which wakes a read
 *   that waits for data;
 * - then the body's own error, classified by core's `fromStreamError` (a tagged failure keeps its tag).
 * On any failure the body is destroyed; removing `temp` is the caller's job.
 */
export const writeTemp = async (temp: string, body: Readable, options: WriteTempOptions): Promise<Digest> => {
  const { signal } = options;
  if (signal.aborted) throw new PluginFailure(cancelled(`put of ${options.key}`));
  const handle = await openExclusive(temp, options);
  // Destroyed without an error: the caller may not listen for one on its body, and the
  // cancellation is what this put reports.
  const onAbort = (): void => {
    body.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await handle.chmod(options.fileMode).catch((error: unknown) => {
      throw new PluginFailure(
        mapFsError(error, `creating a temp file for ${options.key}`, options.rootLabel),
      );
    }); // exact mode, whatever the umask
    const hash = createHash('sha256');
    let size = 0;
    let fileError: unknown;
    try {
      for await (const data of body) {
        const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
        hash.update(chunk);
        size += chunk.length;
        await writeFully(handle, chunk, options).catch((error: unknown) => {
          fileError = error;
          throw error;
        });
        if (signal.aborted) throw new PluginFailure(cancelled(`put of ${options.key}`));
      }
    } catch (error) {
      body.destroy();
      if (fileError !== undefined) throw fileError;
      if (signal.aborted) throw new PluginFailure(cancelled(`put of ${options.key}`));
      throw new PluginFailure(fromStreamError(error));
    }
    if (signal.aborted) throw new PluginFailure(cancelled(`put of ${options.key}`));
    if (options.fsync)
      await handle.sync().catch((error: unknown) => {
        throw new PluginFailure(mapFsError(error, `writing ${options.key}`, options.rootLabel));
      });
    return { size, sha256: hash.digest('hex') };
  } finally {
    signal.removeEventListener('abort', onAbort);
    await handle.close().catch(() => undefined);
  }
};
