import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type ListedObject,
  type ListPage,
  objectKeyProblem,
  PluginErrors,
  PluginFailure,
} from '@cxarchive/core';
import { cancelled, errnoCode, mapFsError } from './errors.js';

/** Most objects in one page of `list` unless a test makes it smaller. */
export const LIST_PAGE_SIZE = 1000;

/** A name that can be a key segment: what the sink writes. The temp directory (`~`) is not one. */
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

interface Entry {
  /** The key of the file, or the key prefix of the directory (ending in `/`), under the root. */
  readonly key: string;
  readonly name: string;
  readonly dir: boolean;
}

export interface ListWalk {
  readonly realRoot: string;
  readonly rootLabel: string;
  readonly prefix: string;
  /** Only keys after this one (the previous page's last key). */
  readonly after?: string;
  readonly signal: AbortSignal;
}

/**
 * The entries of one directory that can hold objects, in key order: a directory sorts as its name
 * plus `/`, so `m-2.bin` < `m.bin` < `m/x.bin` as the keys themselves do. Symbolic links and
 * anything else that is neither a file nor a directory are left out (the sink writes neither).
 */
const entriesOf = async (dir: string, base: string, walk: ListWalk): Promise<Entry[]> => {
  if (walk.signal.aborted) throw new PluginFailure(cancelled(`list of ${walk.prefix}`));
  let found: Dirent[];
  try {
    found = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    if (base === '' && code === 'ENOENT')
      throw new PluginFailure(
        PluginErrors.notFound(`fs sink: listing ${walk.prefix}: the root ${walk.rootLabel} does not exist`),
      );
    if (code === 'ENOENT' || code === 'ENOTDIR') return []; // removed while the walk went on
    throw new PluginFailure(mapFsError(error, `listing ${base || walk.prefix}`, walk.rootLabel));
  }
  return found
    .filter((entry) => KEY_SEGMENT.test(entry.name) && (entry.isFile() || entry.isDirectory()))
    .map((entry) => {
      const isDir = entry.isDirectory();
      return { key: `${base}${entry.name}${isDir ? '/' : ''}`, name: entry.name, dir: isDir };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
};

/** Whether a directory with key prefix `dir` can hold keys under `prefix` that come after `after`. */
const worthEntering = (dir: string, { prefix, after }: ListWalk): boolean =>
  (dir.startsWith(prefix) || prefix.startsWith(dir)) &&
  // Every key below `dir` is before `after` when `dir` sorts before it without being its prefix.
  (after === undefined || dir >= after || after.startsWith(dir));

/**
 * The object files under the root whose key starts with the prefix and comes after `after`, in key
 * order. Depth first: it holds the sorted entries of the directories on one path, never the tree.
 */
async function* walkFiles(
  dir: string,
  base: string,
  walk: ListWalk,
): AsyncGenerator<Entry & { file: string }> {
  for (const entry of await entriesOf(dir, base, walk)) {
    const file = path.join(dir, entry.name);
    if (entry.dir) {
      if (worthEntering(entry.key, walk)) yield* walkFiles(file, entry.key, walk);
    } else if (
      entry.key.startsWith(walk.prefix) &&
      (walk.after === undefined || entry.key > walk.after) &&
      objectKeyProblem(entry.key) === undefined
    )
      yield { ...entry, file };
  }
}

/**
 * One page of the objects under `walk.prefix`: the walk starts afresh from the root and skips the
 * subtrees before `after`, so nothing is kept between pages. `next` is the page's last key.
 */
export const listPage = async (walk: ListWalk, pageSize: number): Promise<ListPage> => {
  const objects: ListedObject[] = [];
  const files = walkFiles(walk.realRoot, '', walk);
  let more = false;
  try {
    for await (const entry of files) {
      if (objects.length === pageSize) {
        more = true;
        break;
      }
      if (walk.signal.aborted) throw new PluginFailure(cancelled(`list of ${walk.prefix}`));
      const info = await lstat(entry.file).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined; // removed since the directory was read
        throw new PluginFailure(mapFsError(error, `listing ${entry.key}`, walk.rootLabel));
      });
      if (info?.isFile()) objects.push({ key: entry.key, physicalKey: entry.key, size: info.size });
    }
  } finally {
    await files.return(undefined);
  }
  const last = objects.at(-1);
  return more && last !== undefined ? { objects, next: last.key } : { objects };
};
