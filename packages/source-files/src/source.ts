import { realpath, stat } from 'node:fs/promises';
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
import { bucketPlace } from './bucket/place.js';
import { storeFor } from './bucket/stores.js';
import { directoryPlace, realDirectory } from './directory-place.js';
import { fetchItem } from './fetch.js';
import { listPages } from './listing.js';
import type { Place } from './place.js';
import type { ResolvedFilesSourceOptions } from './schema.js';
import type { OpenDir } from './walk.js';

export interface FilesSourceDependencies {
  /** Opens a directory for the listing (tests count what is read). */
  readonly opendir?: OpenDir;
  /** How long a bucket's first listing request may take at start (default 60 s). */
  readonly probeTimeoutMs?: number;
}

/** How long the first listing request of a bucket may take at start. */
const PROBE_TIMEOUT_MS = 60_000;

const classify = (cause: unknown): PluginError => {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ABORT_ERR') return PluginErrors.transient('cancelled');
  return PluginErrors.transient(`files source: ${code ?? String(cause)}`, cause);
};

const invalid = (message: string, option: string): PluginFailure =>
  new PluginFailure(PluginErrors.invalidInput(message, option));

/** The manifest's real path; fails `InvalidInput` when it is no readable file. */
const realManifest = async (options: ResolvedFilesSourceOptions): Promise<string> => {
  try {
    const manifest = await realpath(options.manifest);
    if (!(await stat(manifest)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return manifest;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw invalid(
      code === 'ENOENT'
        ? `manifest ${options.manifest} does not exist`
        : `manifest ${options.manifest} is not a readable file (${code ?? String(cause)})`,
      'manifest',
    );
  }
};

/** The directory or the bucket prefix, checked: it exists (and a bucket takes the credentials). */
const openPlace = async (
  options: ResolvedFilesSourceOptions,
  dependencies: FilesSourceDependencies,
): Promise<Place> => {
  if (options.bucket !== undefined) {
    await realManifest(options);
    return bucketPlace(
      options.bucket,
      storeFor(options.bucket),
      dependencies.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
    );
  }
  if (options.directory === undefined) throw invalid('the files source needs a directory', 'directory');
  const root = await realDirectory(options.directory);
  return directoryPlace(root, await realManifest(options), dependencies.opendir);
};

/**
 * The files source: checks that the directory or the bucket prefix and the manifest exist, then
 * lists and fetches (see `listPages` and `fetchItem`).
 */
export const createFilesSource = (
  options: ResolvedFilesSourceOptions,
  dependencies: FilesSourceDependencies = {},
): ResultAsync<Source, PluginError> =>
  tryAsync(async () => {
    const place = await openPlace(options, dependencies);
    const source: Source = {
      recordName: 'attachment',
      pages: (_checkpoint, signal) => listPages(options, place, signal),
      fetch: (ref: ItemRef, signal: AbortSignal): ResultAsync<Item, PluginError> =>
        signal.aborted
          ? errAsync(PluginErrors.transient(`fetching ${ref.id} was cancelled`))
          : tryAsync(() => fetchItem(options, place, ref, signal), classify),
    };
    return source;
  }, classify);
