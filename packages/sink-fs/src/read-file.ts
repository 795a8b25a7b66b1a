import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { PluginErrors, sha256OfStream } from '@cxarchive/core';
import { errnoCode, mapFsError, SinkFailure } from './errors.js';

// Not defined on Windows; there the final component is not guarded (local POSIX filesystems are the target).
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

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
      throw new SinkFailure(
        PluginErrors.invalidInput(`fs sink: ${key} is a symbolic link; refusing to follow it`),
      );
    throw new SinkFailure(mapFsError(error, `opening ${key}`));
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw new SinkFailure(mapFsError(error, `opening ${key}`));
  });
  if (!info.isFile()) {
    await handle.close();
    throw new SinkFailure(PluginErrors.permanent(`fs sink: ${key} is not a regular file`));
  }
  return handle;
};

/**
 * Size and hex SHA-256 of an object's file, read in full (one chunk in memory at a time);
 * null when it does not exist. Its cost is a full read of the file.
 */
export const hashObject = async (
  file: string,
  key: string,
): Promise<{ size: number; sha256: string } | null> => {
  const handle = await openObject(file, key);
  if (handle === null) return null;
  try {
    return await sha256OfStream(handle.createReadStream({ autoClose: false }));
  } catch (error) {
    throw new SinkFailure(mapFsError(error, `reading ${key}`));
  } finally {
    await handle.close();
  }
};
