import { link, open, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  type ListPage,
  type Logger,
  listPrefixProblem,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
  silentLogger,
  tryAsync,
} from '@cxarchive/core';
import { DirectoryCache } from './dir-cache.js';
import { DirectorySyncs } from './dir-sync.js';
import { cancelled, DEFAULT_ROOT_LABEL, errnoCode, mapFsError, sizeMismatch } from './errors.js';
import { LIST_PAGE_SIZE, listPage } from './list.js';
import { assertSafeKey, type KeyLocation, locateKey, prepareKeyDirectory } from './paths.js';
import { hashObject, objectStream, openObject } from './read-file.js';
import type { ResolvedFsSinkOptions } from './schema.js';
import { type TempOwner, tempFileName } from './temp-files.js';
import { verifyFile } from './verify.js';
import { type WriteChunk, writeTemp } from './write-temp.js';

export interface FsSinkDependencies {
  /** Real path of the (existing) root directory. */
  readonly realRoot: string;
  /** The (existing) temp directory under the root, from `prepareTempDir`. */
  readonly tempDir: string;
  /** This process, recorded in every temp file name (`currentOwner()`). */
  readonly owner: TempOwner;
  readonly logger?: Logger;
  /** Test seam: runs after the object is linked under its final name, before the read-back. */
  readonly afterLink?: (file: string) => Promise<void>;
  /** Test seam: writes one chunk into a temp file (inject `ENOSPC` here). */
  readonly write?: WriteChunk;
  /** Test seam: the most objects in one page of `list` (default 1000). */
  readonly listPageSize?: number;
  /** The directories the sink remembers as existing (default: a new cache of 4096). */
  readonly directories?: DirectoryCache;
  /** How directories are fsynced (default: grouped, `DirectorySyncs` over open/fsync/close). */
  readonly directorySyncs?: DirectorySyncs;
}

const syncDirectory = async (dir: string, what: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    throw new PluginFailure(mapFsError(error, what));
  } finally {
    await handle.close();
  }
};

const throwIfAborted = (signal: AbortSignal, what: string): void => {
  if (signal.aborted) throw new PluginFailure(cancelled(what));
};

/**
 * The fs sink over an existing root and temp directory. Exported for tests; pipelines go through
 * the plugin's `create` (`openFsSink`), which prepares both and sweeps stale temp files first.
 */
export const createFsSink = (options: ResolvedFsSinkOptions, deps: FsSinkDependencies): Sink => {
  const { realRoot, tempDir } = deps;
  const rootLabel = options.rootLabel || DEFAULT_ROOT_LABEL;
  const logger = deps.logger ?? silentLogger;
  const directories = deps.directories ?? new DirectoryCache();

  /** On EEXIST: what is there. A regular file gives its checksum; anything else is not an object. */
  const alreadyExists = async (file: string, key: string, signal: AbortSignal): Promise<PluginError> => {
    const existing = await hashObject(file, key, signal).catch(() => undefined);
    throwIfAborted(signal, `put of ${key}`);
    if (existing === undefined || existing === null)
      return PluginErrors.permanent(
        `fs sink: ${key} is taken by something that is not a readable object file`,
      );
    return PluginErrors.alreadyExists(`fs sink: ${key} already exists`, {
      algorithm: 'sha256',
      value: existing.sha256,
    });
  };

  /** One fsync per directory for the puts that ask at once (dir-sync.ts). */
  const syncs =
    deps.directorySyncs ??
    new DirectorySyncs((dir) =>
      syncDirectory(dir, `syncing the directory ${path.relative(realRoot, dir) || '.'}`),
    );

  const syncDirectories = async (location: KeyLocation): Promise<void> => {
    const dirs = new Set([location.dir, ...location.created.map((dir) => path.dirname(dir))]);
    await Promise.all([...dirs].map((dir) => syncs.sync(dir)));
  };

  const removeTemp = (temp: string, key: string): Promise<void> =>
    unlink(temp).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT')
        logger.warn('fs sink: could not remove a temp file', { key, code: errnoCode(error) });
    });

  const putObject = async (
    key: string,
    body: Readable,
    signal: AbortSignal,
    size: number | undefined,
  ): Promise<Stored> => {
    assertSafeKey(key);
    throwIfAborted(signal, `put of ${key}`);
    let location = await prepareKeyDirectory(realRoot, key, rootLabel, directories);
    let final = path.join(location.dir, location.name);
    const temp = path.join(tempDir, tempFileName(deps.owner));
    let tempRemoved = false;
    try {
      const written = await writeTemp(temp, body, {
        key,
        rootLabel,
        fileMode: options.fileMode,
        fsync: options.fsync,
        signal,
        ...(deps.write ? { write: deps.write } : {}),
      });
      if (size !== undefined && written.size !== size)
        throw new PluginFailure(sizeMismatch(key, size, written.size));
      // The last moment a cancellation leaves nothing; once linked, the object exists.
      throwIfAborted(signal, `put of ${key}`);
      // create-only: link fails EEXIST if anything holds the name. A remembered directory removed
      // (or replaced) behind the sink's back fails ENOENT or ENOTDIR: the cache is cleared, the
      // directories are created again, and the link is tried once more.
      for (let attempt = 0; ; attempt++) {
        try {
          await link(temp, final);
          break;
        } catch (error) {
          const code = errnoCode(error);
          if (code === 'EEXIST') throw new PluginFailure(await alreadyExists(final, key, signal));
          if (attempt > 0 || !location.cached || (code !== 'ENOENT' && code !== 'ENOTDIR'))
            throw new PluginFailure(mapFsError(error, `linking ${key}`, rootLabel));
        }
        directories.clear();
        location = await prepareKeyDirectory(realRoot, key, rootLabel, directories);
        final = path.join(location.dir, location.name);
        throwIfAborted(signal, `put of ${key}`);
      }
      await removeTemp(temp, key);
      tempRemoved = true;
      if (options.fsync) await syncDirectories(location);
      if (deps.afterLink) await deps.afterLink(final);
      const verified = await verifyFile(final, written, key);
      if (verified.isErr()) throw new PluginFailure(verified.error);
      return {
        key, // the physical key: this sink has no prefix, an object's key is its path under the root
        size: verified.value.size,
        checksum: { algorithm: 'sha256', value: verified.value.sha256 },
      };
    } finally {
      if (!tempRemoved) await removeTemp(temp, key);
    }
  };

  return {
    checksums: ['sha256'],

    put(key, body, putOptions): ResultAsync<Stored, PluginError> {
      return tryAsync(
        () =>
          putObject(key, body, putOptions.signal, putOptions.size).catch((error: unknown) => {
            body.destroy();
            throw error;
          }),
        (error) => mapFsError(error, `writing ${key}`, rootLabel),
      );
    },

    head(key, signal): ResultAsync<StoredInfo | null, PluginError> {
      const run = async (): Promise<StoredInfo | null> => {
        assertSafeKey(key);
        throwIfAborted(signal, `head of ${key}`);
        const location = await locateKey(realRoot, key);
        if (location === null) return null;
        const digest = await hashObject(path.join(location.dir, location.name), key, signal);
        return digest === null
          ? null
          : { key, size: digest.size, checksum: { algorithm: 'sha256', value: digest.sha256 } };
      };
      return tryAsync(run, (error) => mapFsError(error, `reading ${key}`));
    },

    get(key, signal): ResultAsync<Readable, PluginError> {
      const run = async (): Promise<Readable> => {
        assertSafeKey(key);
        throwIfAborted(signal, `get of ${key}`);
        const location = await locateKey(realRoot, key);
        const handle =
          location === null ? null : await openObject(path.join(location.dir, location.name), key);
        if (handle === null) throw new PluginFailure(PluginErrors.notFound(`fs sink: no object at ${key}`));
        return objectStream(handle, key, signal); // closes the file when it ends or is destroyed
      };
      return tryAsync(run, (error) => mapFsError(error, `reading ${key}`));
    },

    list(prefix, listOptions): ResultAsync<ListPage, PluginError> {
      const run = async (): Promise<ListPage> => {
        const problem = listPrefixProblem(prefix);
        if (problem !== undefined)
          throw new PluginFailure(PluginErrors.invalidInput(`fs sink: invalid list prefix: ${problem}`));
        throwIfAborted(listOptions.signal, `list of ${prefix}`);
        return listPage(
          {
            realRoot,
            rootLabel,
            prefix,
            signal: listOptions.signal,
            ...(listOptions.after === undefined ? {} : { after: listOptions.after }),
          },
          deps.listPageSize ?? LIST_PAGE_SIZE,
        );
      };
      return tryAsync(run, (error) => mapFsError(error, `listing ${prefix}`, rootLabel));
    },

    /** Removes the temp directory when no writer uses it, so a finished run leaves objects only. */
    async close(): Promise<void> {
      await rmdir(tempDir).catch(() => undefined); // ENOTEMPTY: another writer is busy; it stays
    },
  };
};
