import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PluginFailure } from '@cxarchive/core';
import { createExclusive, linkInto, throwIfAborted } from './durable.js';
import { copyFailure, errnoCode, mapFsError, sizeMismatch } from './errors.js';
import { blobPath, tempPath } from './layout.js';

/** What the store holds for a put: the SHA-256 and size of the bytes, read back from the disk. */
export interface BlobRef {
  readonly sha256: string;
  readonly size: number;
}

export interface WriteBlobOptions {
  readonly root: string;
  /** The key being stored, for messages. */
  readonly key: string;
  readonly fileMode: number;
  readonly fsync: boolean;
  readonly signal: AbortSignal;
  /** The body length the caller announced, when it knew it. */
  readonly size?: number;
}

const writeAll = async (handle: FileHandle, chunk: Buffer): Promise<void> => {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
};

/**
 * Copies `body` into the new file `temp`, one chunk in memory at a time, and fsyncs it. An aborted
 * signal destroys the body, which ends the copy. On any failure the body is destroyed.
 */
const copyToFile = async (body: Readable, temp: string, options: WriteBlobOptions): Promise<void> => {
  const { key, signal } = options;
  throwIfAborted(signal, `put of ${key}`);
  const handle = await createExclusive(temp, options.fileMode).catch((error: unknown) => {
    throw new PluginFailure(mapFsError(error, `creating a temp file for ${key}`));
  });
  const onAbort = (): void => {
    body.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    let storeError: unknown;
    try {
      for await (const data of body) {
        const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
        await writeAll(handle, chunk).catch((error: unknown) => {
          storeError = error;
          throw error;
        });
      }
    } catch (cause) {
      body.destroy();
      throw new PluginFailure(copyFailure(cause, { storeError, signal, key }));
    }
    throwIfAborted(signal, `put of ${key}`);
    if (options.fsync)
      await handle.sync().catch((error: unknown) => {
        throw new PluginFailure(mapFsError(error, `writing ${key}`));
      });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await handle.close().catch(() => undefined);
  }
};

/**
 * SHA-256 and size of what the disk holds in `file`, read back in full. This, never a hash of
 * what was sent, is the checksum the sink reports: the runtime compares it with its own.
 */
export const readBack = async (file: string, signal: AbortSignal, key: string): Promise<BlobRef> => {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file, { signal })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    throw new PluginFailure(mapFsError(error, `reading back ${key}`));
  }
  return { sha256: hash.digest('hex'), size };
};

/**
 * Stores the bytes of a put as a blob named by their SHA-256: copied to a temp file, fsynced, read
 * back, then linked under `objects/`. When a blob of that name exists, the store already holds
 * these exact bytes, and nothing is added. The temp file is removed whatever happens.
 */
export const writeBlob = async (body: Readable, options: WriteBlobOptions): Promise<BlobRef> => {
  const { key, signal } = options;
  const temp = tempPath(options.root);
  try {
    await copyToFile(body, temp, options);
    const stored = await readBack(temp, signal, key);
    if (options.size !== undefined && stored.size !== options.size)
      throw new PluginFailure(sizeMismatch(key, options.size, stored.size));
    throwIfAborted(signal, `put of ${key}`);
    const blob = blobPath(options.root, stored.sha256);
    await linkInto(temp, blob, options.fsync, `storing ${key}`).catch((error: unknown) => {
      if (error instanceof PluginFailure) throw error;
      // EEXIST: the store holds these exact bytes already (content addressing); nothing to add.
      if (errnoCode(error) !== 'EEXIST') throw new PluginFailure(mapFsError(error, `storing ${key}`));
    });
    return stored;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};
