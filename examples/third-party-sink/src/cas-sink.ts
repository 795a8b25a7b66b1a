import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  errAsync,
  type ListPage,
  listPrefixProblem,
  objectKeyProblem,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
  tryAsync,
} from '@cxarchive/core';
import { throwIfAborted } from './durable.js';
import { corruptBlob, errnoCode, mapFsError, missingBlob, noObject, unsafeKey } from './errors.js';
import { type IndexEntry, readEntry, writeEntry } from './index-entry.js';
import { blobPath } from './layout.js';
import { LIST_PAGE_SIZE, listPage } from './list.js';
import type { ResolvedCasSinkOptions } from './schema.js';
import { verifiedRead } from './verified-read.js';
import { writeBlob } from './write-blob.js';

/** Refuses an unsafe key (core's definition) before any I/O. */
const assertSafeKey = (key: string): void => {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) throw new PluginFailure(unsafeKey(problem));
};

/** Opens the blob an entry names; a missing blob is a damaged store, not a missing object. */
const openBlob = async (root: string, key: string, entry: IndexEntry) => {
  try {
    return await open(blobPath(root, entry.sha256), 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new PluginFailure(missingBlob(key, entry.sha256));
    throw new PluginFailure(mapFsError(error, `opening ${key}`));
  }
};

/**
 * The cas sink over a prepared root (`objects/`, `index/` and `tmp/` exist). A put stores the
 * bytes (`writeBlob`), then adds the key to the index (`writeEntry`): the index entry is the
 * object, so a put that fails or is cancelled before it leaves no object. The physical key is the
 * key itself: the sink has no prefix.
 */
export interface CasSinkTuning {
  /** The most objects in one page of `list` (default 1000): tests make it small. */
  readonly listPageSize?: number;
}

export const createCasSink = (options: ResolvedCasSinkOptions, tuning: CasSinkTuning = {}): Sink => {
  const { root } = options;

  const putObject = async (key: string, body: Readable, put: Parameters<Sink['put']>[2]): Promise<Stored> => {
    assertSafeKey(key);
    const blob = await writeBlob(body, {
      root,
      key,
      fileMode: options.fileMode,
      fsync: options.fsync,
      signal: put.signal,
      ...(put.size === undefined ? {} : { size: put.size }),
    });
    const entry: IndexEntry = { ...blob, contentType: put.contentType, metadata: { ...put.metadata } };
    await writeEntry(root, key, entry, {
      fileMode: options.fileMode,
      fsync: options.fsync,
      signal: put.signal,
    });
    return { key, size: blob.size, checksum: { algorithm: 'sha256', value: blob.sha256 } };
  };

  const headObject = async (key: string, signal: AbortSignal): Promise<StoredInfo | null> => {
    assertSafeKey(key);
    throwIfAborted(signal, `head of ${key}`);
    const entry = await readEntry(root, key, signal);
    if (entry === null) return null;
    const info = await stat(blobPath(root, entry.sha256)).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') throw new PluginFailure(missingBlob(key, entry.sha256));
      throw new PluginFailure(mapFsError(error, `reading ${key}`));
    });
    if (info.size !== entry.size)
      throw new PluginFailure(
        corruptBlob(key, entry.sha256, `it holds ${info.size} bytes, the index says ${entry.size}`),
      );
    return {
      key,
      size: entry.size,
      checksum: { algorithm: 'sha256', value: entry.sha256 },
      metadata: entry.metadata,
    };
  };

  const getObject = async (key: string, signal: AbortSignal): Promise<Readable> => {
    assertSafeKey(key);
    throwIfAborted(signal, `get of ${key}`);
    const entry = await readEntry(root, key, signal);
    if (entry === null) throw new PluginFailure(noObject(key));
    const handle = await openBlob(root, key, entry);
    return verifiedRead(handle, entry, key, signal);
  };

  return {
    checksums: ['sha256'],
    limits: { maxInFlight: options.maxInFlight },

    put(key, body, put): ResultAsync<Stored, PluginError> {
      // put owns the body: it is destroyed on every failure, so the source's connection is released.
      return tryAsync(
        () =>
          putObject(key, body, put).catch((error: unknown) => {
            body.destroy();
            throw error;
          }),
        (error) => mapFsError(error, `storing ${key}`),
      );
    },

    head(key, signal): ResultAsync<StoredInfo | null, PluginError> {
      return tryAsync(
        () => headObject(key, signal),
        (error) => mapFsError(error, `reading ${key}`),
      );
    },

    list(prefix, { signal, after }): ResultAsync<ListPage, PluginError> {
      const problem = listPrefixProblem(prefix);
      if (problem !== undefined)
        return errAsync(PluginErrors.invalidInput(`cas sink: invalid list prefix: ${problem}`));
      return tryAsync(
        async () => {
          throwIfAborted(signal, `list of ${prefix}`);
          return listPage(
            { root, prefix, signal, ...(after === undefined ? {} : { after }) },
            tuning.listPageSize ?? LIST_PAGE_SIZE,
          );
        },
        (error) => mapFsError(error, `listing ${prefix}`),
      );
    },

    get(key, signal): ResultAsync<Readable, PluginError> {
      return tryAsync(
        () => getObject(key, signal),
        (error) => mapFsError(error, `reading ${key}`),
      );
    },
  };
};
