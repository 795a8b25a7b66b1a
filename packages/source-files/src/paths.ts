import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type PluginError, PluginErrors } from '@cxarchive/core';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Longest file path a row may name, in bytes. */
export const MAX_PATH_BYTES = 1024;

/**
 * Why `file` cannot name a file under the directory, or undefined: it must be relative,
 * `/`-separated, without `.`, `..` or empty segments, backslashes or control characters. Symbolic
 * links are checked when the file is opened (`resolveInside`).
 */
export const filePathProblem = (file: string): string | undefined => {
  if (Buffer.byteLength(file, 'utf8') > MAX_PATH_BYTES)
    return `the file path is longer than ${MAX_PATH_BYTES} bytes`;
  if (CONTROL.test(file)) return 'the file path has a control character';
  if (file.includes('\\')) return 'the file path has a backslash: separate directories with "/"';
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file))
    return 'the file path is absolute: give it relative to the directory';
  for (const segment of file.split('/')) {
    if (segment === '..') return 'the file path leaves the directory ("..")';
    if (segment === '' || segment === '.')
      return 'the file path has an empty or "." segment: write it as "dir/name.pdf"';
  }
  return undefined;
};

export interface ResolvedFile {
  /** The real path (symbolic links resolved), inside the directory's real path. */
  readonly realPath: string;
  readonly size: number;
  readonly mtime: Date;
  readonly dev: number;
  readonly ino: number;
}

/**
 * Finds `file` (already checked by `filePathProblem`) under the directory whose real path is
 * `root`: symbolic links are resolved and the result must still lie inside the directory, and be
 * a regular file. `label` names it in messages (e.g. `manifest.csv line 4: file "a.pdf"`).
 */
export const resolveInside = async (
  root: string,
  file: string,
  label: string,
): Promise<ResolvedFile | PluginError> => {
  let real: string;
  try {
    real = await realpath(path.join(root, ...file.split('/')));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return PluginErrors.notFound(`${label} is not in the directory`);
    if (code === 'ELOOP') return PluginErrors.invalidInput(`${label} is a symbolic link loop`);
    if (code === 'EACCES' || code === 'EPERM')
      return PluginErrors.permanent(`${label} cannot be read (${code})`);
    return PluginErrors.transient(`${label} could not be looked up (${code ?? String(cause)})`, cause);
  }
  if (!real.startsWith(root + path.sep))
    return PluginErrors.invalidInput(`${label} is a symbolic link that leads out of the directory: refused`);
  try {
    const info = await stat(real);
    if (!info.isFile()) return PluginErrors.invalidInput(`${label} is not a regular file`);
    return { realPath: real, size: info.size, mtime: info.mtime, dev: info.dev, ino: info.ino };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return PluginErrors.notFound(`${label} is not in the directory`);
    return PluginErrors.transient(`${label} could not be read (${code ?? String(cause)})`, cause);
  }
};
