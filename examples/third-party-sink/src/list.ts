import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type ListedObject, type ListPage, objectKeyProblem, PluginFailure } from '@cxarchive/core';
import { cancelled, errnoCode, mapFsError } from './errors.js';
import { readEntry } from './index-entry.js';
import { INDEX_DIR } from './layout.js';

/** Most objects in one page of `list` unless a test makes it smaller. */
export const LIST_PAGE_SIZE = 1000;

export interface ListWalk {
  readonly root: string;
  readonly prefix: string;
  /** Only keys after this one (the previous page's last key). */
  readonly after?: string;
  readonly signal: AbortSignal;
}

interface Entry {
  /** The key of an entry file, or the key prefix of a directory (ending in `/`). */
  readonly key: string;
  readonly file: string;
  readonly dir: boolean;
}

/**
 * The entries of one index directory in key order: a directory sorts as its name plus `/`, so
 * `m-2.bin` < `m.bin` < `m/x.bin`, as the keys do.
 */
const entriesOf = async (dir: string, base: string, walk: ListWalk): Promise<Entry[]> => {
  if (walk.signal.aborted) throw new PluginFailure(cancelled(`list of ${walk.prefix}`));
  let found: Dirent[];
  try {
    found = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    if (base !== '' && (code === 'ENOENT' || code === 'ENOTDIR')) return [];
    throw new PluginFailure(mapFsError(error, `listing ${base || walk.prefix || 'the index'}`));
  }
  return found
    .filter((entry) => entry.isFile() || entry.isDirectory())
    .map((entry) => ({
      key: `${base}${entry.name}${entry.isDirectory() ? '/' : ''}`,
      file: path.join(dir, entry.name),
      dir: entry.isDirectory(),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
};

/** Whether a directory with key prefix `dir` can hold keys under the prefix that come after `after`. */
const worthEntering = (dir: string, { prefix, after }: ListWalk): boolean =>
  (dir.startsWith(prefix) || prefix.startsWith(dir)) &&
  (after === undefined || dir >= after || after.startsWith(dir));

/** Index entries under the prefix after `after`, in key order; holds one path's directories only. */
async function* walkIndex(dir: string, base: string, walk: ListWalk): AsyncGenerator<Entry> {
  for (const entry of await entriesOf(dir, base, walk)) {
    if (entry.dir) {
      if (worthEntering(entry.key, walk)) yield* walkIndex(entry.file, entry.key, walk);
    } else if (
      entry.key.startsWith(walk.prefix) &&
      (walk.after === undefined || entry.key > walk.after) &&
      objectKeyProblem(entry.key) === undefined
    )
      yield entry;
  }
}

/**
 * One page of the index under the prefix: the index entry is the object, so only finished puts
 * are listed (a blob or entry being written is in `tmp/`). Sizes come from the entries; a corrupt
 * entry fails the listing. `next` is the page's last key.
 */
export const listPage = async (walk: ListWalk, pageSize: number): Promise<ListPage> => {
  const objects: ListedObject[] = [];
  const entries = walkIndex(path.join(walk.root, INDEX_DIR), '', walk);
  let more = false;
  try {
    for await (const entry of entries) {
      if (objects.length === pageSize) {
        more = true;
        break;
      }
      const indexed = await readEntry(walk.root, entry.key, walk.signal);
      if (indexed !== null) objects.push({ key: entry.key, physicalKey: entry.key, size: indexed.size });
    }
  } finally {
    await entries.return(undefined);
  }
  const last = objects.at(-1);
  return more && last !== undefined ? { objects, next: last.key } : { objects };
};
