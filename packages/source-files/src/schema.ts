import path from 'node:path';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { type ManifestFormat, manifestFormat } from './manifest.js';

/** The `with` block of a `files` source, as the user writes it (after schema defaults). */
export interface FilesSourceOptions {
  readonly directory: string;
  readonly manifest: string;
  readonly pageSize?: number;
  readonly maxRows?: number;
}

export interface ResolvedFilesSourceOptions {
  /** Absolute path of the directory. */
  readonly directory: string;
  /** Absolute path of the manifest. */
  readonly manifest: string;
  /** The manifest as the user wrote it, for messages. */
  readonly manifestLabel: string;
  readonly format: ManifestFormat;
  readonly pageSize: number;
  readonly maxRows: number;
}

export const DEFAULTS = {
  pageSize: 500,
  maxRows: 100_000,
} as const satisfies Required<Pick<FilesSourceOptions, 'pageSize' | 'maxRows'>>;

export const configSchema = {
  title: 'files source options',
  description:
    'Lists files to attach to CXone digital contacts: the files of a directory, each mapped to its contact by a manifest row.',
  type: 'object',
  additionalProperties: false,
  required: ['directory', 'manifest'],
  properties: {
    directory: {
      type: 'string',
      minLength: 1,
      description:
        'Directory that holds the files to attach (subdirectories included). Relative paths resolve against the pipeline file. Every file in it needs a manifest row; one without is refused.',
    },
    manifest: {
      type: 'string',
      minLength: 1,
      description:
        'The manifest mapping each file to its contact: CSV with a header row (`.csv`) or JSON Lines (`.jsonl`, `.ndjson`), told apart by the extension. Relative paths resolve against the pipeline file. Columns: file, contactNumber or threadId, channelId, and optionally friendlyName, text, tags, time.',
    },
    pageSize: {
      type: 'integer',
      minimum: 1,
      maximum: 5000,
      default: DEFAULTS.pageSize,
      description: 'Items per listed page.',
    },
    maxRows: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000,
      default: DEFAULTS.maxRows,
      description:
        "Most rows a manifest may have. Matching files to rows keeps each row's file path in memory while the directory is listed, so this bounds that memory; a longer manifest is refused (split it into several pipelines).",
    },
  },
} as const;

/** Applies defaults, resolves the paths against the pipeline file's directory, finds the format. */
export const resolveOptions = (
  options: FilesSourceOptions,
  baseDir: string,
): Result<ResolvedFilesSourceOptions, PluginError> => {
  if (typeof options.directory !== 'string' || options.directory.length === 0)
    return err(PluginErrors.invalidInput('the files source needs a directory', 'directory'));
  if (typeof options.manifest !== 'string' || options.manifest.length === 0)
    return err(PluginErrors.invalidInput('the files source needs a manifest', 'manifest'));
  const format = manifestFormat(options.manifest);
  if (format === undefined)
    return err(
      PluginErrors.invalidInput(
        `manifest "${options.manifest}" is neither CSV (.csv) nor JSON Lines (.jsonl, .ndjson): the format is told by the extension`,
        'manifest',
      ),
    );
  return ok({
    directory: path.resolve(baseDir, options.directory),
    manifest: path.resolve(baseDir, options.manifest),
    manifestLabel: options.manifest,
    format,
    pageSize: options.pageSize ?? DEFAULTS.pageSize,
    maxRows: options.maxRows ?? DEFAULTS.maxRows,
  });
};
