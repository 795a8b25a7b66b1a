import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { objectKeyProblem, PluginErrors, PluginFailure } from '@cxarchive/core';
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
 * followed, and nothing is created outside the root. `key` must already be safe; `rootLabel` names
 * the root in messages.
 */
export const prepareKeyDirectory = async (
  realRoot: string,
  key: string,
  rootLabel: string = DEFAULT_ROOT_LABEL,
): Promise<KeyLocation> => {
  const segments = key.split('/');
  const name = segments.pop()!;
  const created: string[] = [];
  let dir = realRoot;
  for (const segment of segments) {
    const next = path.join(dir, segment);
    try {
      await mkdir(next);
      created.push(next);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST')
        throw new PluginFailure(mapFsError(error, `creating the directory of ${key}`, rootLabel));
    }
    let real: string;
    try {
      real = await realpath(next);
    } catch (error) {
      throw new PluginFailure(mapFsError(error, `resolving the directory of ${key}`));
    }
    if (!isInside(realRoot, real)) throw escapes(key);
    dir = real;
  }
  // The brief's rule, checked once more on the final parent after every mkdir.
  const realDir = await realpath(dir).catch((error: unknown) => {
    throw new PluginFailure(mapFsError(error, `resolving the directory of ${key}`));
  });
  if (!isInside(realRoot, realDir)) throw escapes(key);
  const info = await stat(realDir);
  if (!info.isDirectory())
    throw new PluginFailure(PluginErrors.permanent(`fs sink: the parent of ${key} is not a directory`));
  return { dir: realDir, name, created };
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
