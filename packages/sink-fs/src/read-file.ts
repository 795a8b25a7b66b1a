import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { PluginErrors, PluginFailure } from '@cxarchive/core';
import { cancelled, errnoCode, mapFsError } from './errors.js';

// Not defined on Windows; there the final component is not guarded (local POSIX filesystems are the target).
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const CHUNK = 64 * 1024;

/**
 * Opens an object's file for reading without following a symbolic link in its last component,
 * and checks it is a regular file. Null when there is no such file. `key` is only for messages.
 */
export const openObject = async (file: string, key: string): Promise<FileHandle | null> => {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP')
      throw new PluginFailure(
        PluginErrors.invalidInput(`fs sink: ${key} is a symbolic link; refusing to follow it`),
      );
    throw new PluginFailure(mapFsError(error, `opening ${key}`));
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw new PluginFailure(mapFsError(error, `opening ${key}`));
  });
  if (!info.isFile()) {
    await handle.close();
    throw new PluginFailure(PluginErrors.permanent(`fs sink: ${key} is not a regular file`));
  }
  return handle;
};

/**
 * The bytes of an open object file as a stream that owns the handle (closed when the stream ends
 * or is destroyed). A read error destroys it with a classified `PluginFailure`; `signal` aborting
 * destroys it with a cancellation.
 */
export const objectStream = (handle: FileHandle, key: string, signal: AbortSignal): Readable => {
  const onAbort = (): void => {
    stream.destroy(new PluginFailure(cancelled(`reading ${key}`)));
  };
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      const buffer = Buffer.allocUnsafe(CHUNK);
      handle.read(buffer, 0, CHUNK, null).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) this.push(null);
          else this.push(buffer.subarray(0, bytesRead));
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

/**
 * Size and hex SHA-256 of an object's file, read in full (one chunk in memory at a time);
 * null when it does not exist. Its cost is a full read of the file.
 */
export const hashObject = async (
  file: string,
  key: string,
  signal: AbortSignal,
): Promise<{ size: number; sha256: string } | null> => {
  const handle = await openObject(file, key);
  if (handle === null) return null;
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of objectStream(handle, key, signal)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
};
