import { randomUUID } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  fromStreamError,
  HashingStream,
  type Logger,
  type PluginError,
  PluginErrors,
  ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
  silentLogger,
} from '@cxarchive/core';
import { classify, errnoCode, mapFsError, SinkFailure } from './errors.js';
import { assertSafeKey, type KeyLocation, locateKey, prepareKeyDirectory } from './paths.js';
import { hashObject, openObject } from './read-file.js';
import type { ResolvedFsSinkOptions } from './schema.js';
import { type Digest, verifyFile } from './verify.js';

export interface FsSinkDependencies {
  /** Real path of the (existing) root directory. */
  readonly realRoot: string;
  readonly logger?: Logger;
  /** Test seam: runs after the object is linked under its final name, before the read-back. */
  readonly afterLink?: (file: string) => Promise<void>;
}

/**
 * Temp files live next to their object. `~` is outside the key charset, so a temp name can never
 * be an object key (and never collide with one), and no key ever reads or lists one.
 */
export const TEMP_PREFIX = '.cxarchive~';
const tempName = (): string => `${TEMP_PREFIX}${randomUUID()}.tmp`;

const writeFully = async (
  handle: Awaited<ReturnType<typeof open>>,
  chunk: Buffer,
  key: string,
): Promise<void> => {
  let offset = 0;
  try {
    while (offset < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  } catch (error) {
    throw new SinkFailure(mapFsError(error, `writing ${key}`));
  }
};

const syncDirectory = async (dir: string, what: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    throw new SinkFailure(mapFsError(error, what));
  } finally {
    await handle.close();
  }
};

/** The fs sink over an existing root. Exported for tests; pipelines go through the plugin's `create`. */
export const createFsSink = (options: ResolvedFsSinkOptions, deps: FsSinkDependencies): Sink => {
  const { realRoot } = deps;
  const logger = deps.logger ?? silentLogger;

  /** Streams the body into a new exclusive temp file, hashing it on the way; fsyncs it. */
  const writeTemp = async (temp: string, body: Readable, key: string): Promise<Digest> => {
    const handle = await open(temp, 'wx', options.fileMode).catch((error: unknown) => {
      throw new SinkFailure(mapFsError(error, `creating a temp file for ${key}`));
    });
    let failed = true;
    try {
      await handle.chmod(options.fileMode); // exact mode, whatever the umask
      const hasher = new HashingStream();
      try {
        await pipeline(body, hasher, async (source: AsyncIterable<Buffer>) => {
          for await (const chunk of source) await writeFully(handle, chunk, key);
        });
      } catch (error) {
        throw error instanceof SinkFailure ? error : new SinkFailure(fromStreamError(error));
      }
      if (options.fsync) await handle.sync();
      failed = false;
      return { size: hasher.size, sha256: hasher.sha256 };
    } finally {
      if (failed) await handle.close().catch(() => undefined);
      else await handle.close();
    }
  };

  /** On EEXIST: what is there. A regular file gives its checksum; anything else is not an object. */
  const alreadyExists = async (file: string, key: string): Promise<PluginError> => {
    const existing = await hashObject(file, key).catch(() => undefined);
    if (existing === undefined || existing === null)
      return PluginErrors.permanent(
        `fs sink: ${key} is taken by something that is not a readable object file`,
      );
    return PluginErrors.alreadyExists(`fs sink: ${key} already exists`, existing.sha256);
  };

  const syncDirectories = async (location: KeyLocation, key: string): Promise<void> => {
    const dirs = new Set([location.dir, ...location.created.map((dir) => path.dirname(dir))]);
    for (const dir of dirs) await syncDirectory(dir, `syncing the directory of ${key}`);
  };

  const putObject = async (key: string, body: Readable): Promise<Stored> => {
    assertSafeKey(key);
    const location = await prepareKeyDirectory(realRoot, key);
    const final = path.join(location.dir, location.name);
    const temp = path.join(location.dir, tempName());
    let written: Digest;
    try {
      written = await writeTemp(temp, body, key);
      try {
        await link(temp, final); // create-only: fails EEXIST if anything holds the name
      } catch (error) {
        if (errnoCode(error) === 'EEXIST') throw new SinkFailure(await alreadyExists(final, key));
        throw new SinkFailure(mapFsError(error, `linking ${key}`));
      }
    } finally {
      await unlink(temp).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT')
          logger.warn('fs sink: could not remove a temp file', { key, code: errnoCode(error) });
      });
    }
    if (options.fsync) await syncDirectories(location, key);
    if (deps.afterLink) await deps.afterLink(final);
    const verified = await verifyFile(final, written, key);
    if (verified.isErr()) throw new SinkFailure(verified.error);
    return { key, size: verified.value.size, sha256: verified.value.sha256 };
  };

  return {
    put(key, body): ResultAsync<Stored, PluginError> {
      const run = putObject(key, body).catch((error: unknown) => {
        body.destroy();
        throw error;
      });
      return ResultAsync.fromPromise(run, (error) => classify(error, `writing ${key}`));
    },

    head(key): ResultAsync<StoredInfo | null, PluginError> {
      const run = async (): Promise<StoredInfo | null> => {
        assertSafeKey(key);
        const location = await locateKey(realRoot, key);
        if (location === null) return null;
        const digest = await hashObject(path.join(location.dir, location.name), key);
        return digest === null ? null : { key, size: digest.size, sha256: digest.sha256 };
      };
      return ResultAsync.fromPromise(run(), (error) => classify(error, `reading ${key}`));
    },

    get(key): ResultAsync<Readable, PluginError> {
      const run = async (): Promise<Readable> => {
        assertSafeKey(key);
        const location = await locateKey(realRoot, key);
        const handle =
          location === null ? null : await openObject(path.join(location.dir, location.name), key);
        if (handle === null) throw new SinkFailure(PluginErrors.notFound(`fs sink: no object at ${key}`));
        return handle.createReadStream(); // closes the file when it ends or is destroyed
      };
      return ResultAsync.fromPromise(run(), (error) => classify(error, `reading ${key}`));
    },
  };
};
