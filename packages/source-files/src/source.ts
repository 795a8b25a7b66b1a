import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  errAsync,
  type Item,
  type ItemRef,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
  type Source,
  tryAsync,
} from '@cxarchive/core';
import { fetchItem } from './fetch.js';
import { type ListingPlace, listPages } from './listing.js';
import type { ResolvedFilesSourceOptions } from './schema.js';
import type { OpenDir } from './walk.js';

export interface FilesSourceDependencies {
  /** Opens a directory for the listing (tests count what is read). */
  readonly opendir?: OpenDir;
}

const classify = (cause: unknown): PluginError => {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ABORT_ERR') return PluginErrors.transient('cancelled');
  return PluginErrors.transient(`files source: ${code ?? String(cause)}`, cause);
};

const invalid = (message: string, option: string): PluginFailure =>
  new PluginFailure(PluginErrors.invalidInput(message, option));

const checkPlace = async (options: ResolvedFilesSourceOptions): Promise<ListingPlace> => {
  let root: string;
  try {
    root = await realpath(options.directory);
    if (!(await stat(root)).isDirectory())
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw invalid(
      code === 'ENOENT'
        ? `directory ${options.directory} does not exist`
        : code === 'ENOTDIR'
          ? `directory ${options.directory} is not a directory`
          : `directory ${options.directory} cannot be read (${code ?? String(cause)})`,
      'directory',
    );
  }
  let manifest: string;
  try {
    manifest = await realpath(options.manifest);
    if (!(await stat(manifest)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw invalid(
      code === 'ENOENT'
        ? `manifest ${options.manifest} does not exist`
        : `manifest ${options.manifest} is not a readable file (${code ?? String(cause)})`,
      'manifest',
    );
  }
  const relative = path.relative(root, manifest);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return { root, ...(inside ? { manifestInside: relative.split(path.sep).join('/') } : {}) };
};

/**
 * The files source: checks that the directory and the manifest exist, then lists and fetches
 * (see `listPages` and `fetchItem`).
 */
export const createFilesSource = (
  options: ResolvedFilesSourceOptions,
  dependencies: FilesSourceDependencies = {},
): ResultAsync<Source, PluginError> =>
  tryAsync(async () => {
    const place: ListingPlace = {
      ...(await checkPlace(options)),
      ...(dependencies.opendir ? { opendir: dependencies.opendir } : {}),
    };
    const source: Source = {
      recordName: 'attachment',
      pages: (_checkpoint, signal) => listPages(options, place, signal),
      fetch: (ref: ItemRef, signal: AbortSignal): ResultAsync<Item, PluginError> =>
        signal.aborted
          ? errAsync(PluginErrors.transient(`fetching ${ref.id} was cancelled`))
          : tryAsync(() => fetchItem(options, place.root, ref, signal), classify),
    };
    return source;
  }, classify);
