import path from 'node:path';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';

/** The `with` block of an `fs` sink, as the user writes it (after schema defaults). */
export interface FsSinkOptions {
  readonly root: string;
  readonly fsync?: boolean;
  readonly fileMode?: string;
}

/** The options the sink runs with: every default applied, the root absolute, the mode a number. */
export interface ResolvedFsSinkOptions {
  /** Absolute path of the sink root. */
  readonly root: string;
  /** The root as the user wrote it, for messages. */
  readonly rootLabel: string;
  readonly fsync: boolean;
  readonly fileMode: number;
}

export const DEFAULTS = {
  fsync: true,
  fileMode: '0640',
} as const satisfies Required<Omit<FsSinkOptions, 'root'>>;

const FILE_MODE = /^0?[0-7]{3}$/;

export const configSchema = {
  title: 'fs sink options',
  description:
    'Writes each object as a file under a root directory: create-only, fsynced and verified by read-back.',
  type: 'object',
  additionalProperties: false,
  required: ['root'],
  properties: {
    root: {
      type: 'string',
      minLength: 1,
      description:
        'Directory that holds the archive; object keys become paths below it. Relative paths resolve against the pipeline file. Created if missing.',
    },
    fsync: {
      type: 'boolean',
      default: DEFAULTS.fsync,
      description:
        'fsync each file and its directory before reporting it stored, so a power loss cannot lose an object reported as archived. Turn off only for throwaway tests.',
    },
    fileMode: {
      type: 'string',
      pattern: FILE_MODE.source,
      default: DEFAULTS.fileMode,
      description:
        'Permission bits of written files, in octal (e.g. "0640"); applied exactly, regardless of the umask.',
    },
  },
} as const;

/** Applies defaults and resolves the root against the pipeline file's directory. */
export const resolveOptions = (
  options: FsSinkOptions,
  baseDir: string,
): Result<ResolvedFsSinkOptions, PluginError> => {
  if (typeof options.root !== 'string' || options.root.length === 0)
    return err(PluginErrors.invalidInput('the fs sink needs a root directory', 'root'));
  const fileMode = options.fileMode ?? DEFAULTS.fileMode;
  if (!FILE_MODE.test(fileMode))
    return err(
      PluginErrors.invalidInput(`fileMode "${fileMode}" is not an octal mode like "0640"`, 'fileMode'),
    );
  return ok({
    root: path.resolve(baseDir, options.root),
    rootLabel: options.root,
    fsync: options.fsync ?? DEFAULTS.fsync,
    fileMode: Number.parseInt(fileMode, 8),
  });
};
