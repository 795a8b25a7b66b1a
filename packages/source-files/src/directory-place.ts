import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { escapeControl, PluginErrors, PluginFailure } from '@cxarchive/core';
import { fileArtifact } from './artifact.js';
import { resolveInside } from './paths.js';
import type { Place } from './place.js';
import { type OpenDir, walkFiles } from './walk.js';

const invalid = (message: string, option: string): PluginFailure =>
  new PluginFailure(PluginErrors.invalidInput(message, option));

/** The directory's real path; fails `InvalidInput` naming the option when it is no readable directory. */
export const realDirectory = async (directory: string): Promise<string> => {
  try {
    const root = await realpath(directory);
    if (!(await stat(root)).isDirectory())
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return root;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw invalid(
      code === 'ENOENT'
        ? `directory ${directory} does not exist`
        : code === 'ENOTDIR'
          ? `directory ${directory} is not a directory`
          : `directory ${directory} cannot be read (${code ?? String(cause)})`,
      'directory',
    );
  }
};

/**
 * The files of a directory (subdirectories included): walked one entry at a time, each file a
 * lazy artifact that checks on `open` that it is still the file fetched. `root` is the
 * directory's real path (`realDirectory`), `manifest` the manifest's: left out of the listing when
 * it lies in the directory.
 */
export const directoryPlace = (root: string, manifest: string, opendir?: OpenDir): Place => {
  const relative = path.relative(root, manifest);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  const manifestInside = inside ? relative.split(path.sep).join('/') : undefined;
  return {
    where: 'the directory',
    ...(manifestInside === undefined ? {} : { manifestInside }),
    files: (signal) =>
      walkFiles(root, {
        signal,
        ...(manifestInside === undefined ? {} : { skip: manifestInside }),
        ...(opendir === undefined ? {} : { opendir }),
      }),
    async resolve(file, label) {
      const found = await resolveInside(root, file, label);
      if ('_tag' in found) return found;
      return {
        size: found.size,
        modified: found.mtime,
        artifact: fileArtifact(found, `file "${escapeControl(file)}"`),
      };
    },
    async has(file) {
      try {
        await lstat(path.join(root, ...file.split('/')));
        return true;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return false;
        throw new PluginFailure(
          PluginErrors.transient(
            `file "${escapeControl(file)}" could not be looked up (${code ?? String(cause)})`,
            cause,
          ),
        );
      }
    },
  };
};
