import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { objectKeyProblem, PluginErrors, PluginFailure } from '@cxarchive/core';
import type { DirectoryCache } from './dir-cache.js';
import { DEFAULT_ROOT_LABEL, errnoCode, mapFsError } from './errors.js';

/** Whether `candidate` is `root` or lies below it (both real, absolute paths). */
export const isInside = (root: string, candidate: string): boolean => {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
};

/** Throws `InvalidInput` naming the problem when `key` is not a safe object key (core's rule). */
export const assertSafeKey = (key: string): void => {
  const problem = objectKeyProblem(key);
  if (problem !== undefined)
    throw new PluginFailure(PluginErrors.invalidInput(`fs sink: invalid object key: ${problem}`));
};

export interface KeyLocation {
  /** Real path of the directory that holds (or will hold) the object. */
  readonly dir: string;
  /** The file name of the object in `dir`. */
  readonly name: string;
  /** Directories this call created, outermost first (their parents need an fsync). */
  readonly created: readonly string[];
  /** Whether a directory on the way came from the cache (and may be gone since). */
  readonly cached: boolean;
}

const escapes = (key: string): PluginFailure =>
  new PluginFailure(
    PluginErrors.invalidInput(
      `fs sink: ${key} resolves outside the sink root (through a symbolic link); refused`,
    ),
  );

/**
 * Creates the directories of `key` one level at a time under the real root and checks, before
 * descending, that each resolves inside it — so a symbolic link pointing out of the root is never
 * followed, and nothing is created outside the root. A directory that `mkdir` has just created
 * in a checked directory is a new directory there (no link), so only the ones that already existed
 * are resolved with `realpath`. `key` must already be safe; `rootLabel` names the root in messages.
 *
 * With a cache, the walk starts below the deepest directory of the key that the cache remembers
 * (a put into a known directory makes no call at all), and every directory checked on the way is
 * remembered.
 */
export const prepareKeyDirectory = async (
  realRoot: string,
  key: string,
  rootLabel: string = DEFAULT_ROOT_LABEL,
  cache?: DirectoryCache,
): Promise<KeyLocation> => {
  const segments = key.split('/');
  const name = segments.pop()!;
  let known = segments.length;
  let dir = realRoot;
  for (; known > 0 && cache !== undefined; known--) {
    const remembered = cache.get(segments.slice(0, known).join('/'));
    if (remembered !== undefined) {
      dir = remembered;
      break;
    }
  }
  if (cache === undefined) known = 0;
  if (known > 0 && known === segments.length) return { dir, name, created: [], cached: true };
  const created: string[] = [];
  const checked: string[] = [];
  let lastExisted = true; // the root, or the deepest remembered directory, exists
  for (const segment of segments.slice(known)) {
    const next = path.join(dir, segment);
    let made = false;
    try {
      await mkdir(next);
      created.push(next);
      made = true;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST')
        throw new PluginFailure(mapFsError(error, `creating the directory of ${key}`, rootLabel));
    }
    if (made) dir = next;
    else {
      try {
        dir = await realpath(next);
      } catch (error) {
        throw new PluginFailure(mapFsError(error, `resolving the directory of ${key}`));
      }
      if (!isInside(realRoot, dir)) throw escapes(key);
    }
    lastExisted = !made;
    checked.push(dir);
  }
  if (lastExisted) {
    // What already held the name of the object's directory (or the root) may not be a directory.
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new PluginFailure(PluginErrors.permanent(`fs sink: the parent of ${key} is not a directory`));
  }
  checked.forEach((real, index) => {
    cache?.remember(segments.slice(0, known + index + 1).join('/'), real);
  });
  return { dir, name, created, cached: known > 0 };
};

/**
 * Finds where `key` would be, without creating anything: the real directory inside the root, or
 * null when a directory on the way does not exist. `key` must already be safe.
 */
export const locateKey = async (
  realRoot: string,
  key: string,
): Promise<{ dir: string; name: string } | null> => {
  const segments = key.split('/');
  const name = segments.pop()!;
  let dir: string;
  try {
    dir = await realpath(path.join(realRoot, ...segments));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new PluginFailure(mapFsError(error, `resolving the directory of ${key}`));
  }
  if (!isInside(realRoot, dir)) throw escapes(key);
  return { dir, name };
};
