import { type FileHandle, link, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { PluginFailure } from '@cxarchive/core';
import { cancelled, mapFsError } from './errors.js';

/** Fails the operation with a cancellation when its signal has aborted. */
export const throwIfAborted = (signal: AbortSignal, what: string): void => {
  if (signal.aborted) throw new PluginFailure(cancelled(what));
};

/** Opens a new file exclusively with exactly `mode` (whatever the umask). Errors are thrown raw. */
export const createExclusive = async (file: string, mode: number): Promise<FileHandle> => {
  const handle = await open(file, 'wx', mode);
  try {
    await handle.chmod(mode);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
};

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

/**
 * Gives the complete file `temp` its final name `target`, create-only: `link(2)` fails with `EEXIST`
 * when anything holds the name, so two writers can never both win. Missing directories are
 * created; with `fsync`, every directory entry that changed (the new name, and each new directory
 * in its parent) is made durable. mkdir and link errors are thrown raw, for the caller to classify.
 */
export const linkInto = async (temp: string, target: string, fsync: boolean, what: string): Promise<void> => {
  const dir = path.dirname(target);
  const firstCreated = await mkdir(dir, { recursive: true });
  await link(temp, target);
  if (!fsync) return;
  const changed = new Set([dir]);
  if (firstCreated !== undefined)
    for (let created = dir; ; created = path.dirname(created)) {
      changed.add(path.dirname(created));
      if (created === firstCreated || created === path.dirname(created)) break;
    }
  for (const changedDir of changed) await syncDirectory(changedDir, what);
};
