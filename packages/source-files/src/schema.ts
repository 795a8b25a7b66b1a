import path from 'node:path';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { type BucketOptions, bucketSchema, type ResolvedBucket, resolveBucket } from './bucket/options.js';
import { type ManifestFormat, manifestFormat } from './manifest.js';

/** The `with` block of a `files` source, as the user writes it (after schema defaults). */
export interface FilesSourceOptions {
  readonly directory?: string;
  readonly bucket?: BucketOptions;
  readonly manifest: string;
  readonly pageSize?: number;
  readonly maxRows?: number;
}

export interface ResolvedFilesSourceOptions {
  /** Absolute path of the directory, or undefined for a bucket prefix. */
  readonly directory?: string;
  /** The bucket prefix, or undefined for a directory. */
  readonly bucket?: ResolvedBucket;
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
    'Lists files to attach to CXone digital contacts: the files of a directory or of a bucket prefix (S3, GCS, Azure), each mapped to its contact by a manifest row.',
  type: 'object',
  additionalProperties: false,
  required: ['manifest'],
  properties: {
    directory: {
      type: 'string',
      minLength: 1,
      description:
        'Directory that holds the files to attach (subdirectories included). Relative paths resolve against the pipeline file. Every file in it needs a manifest row; one without is refused. Exactly one of directory and bucket.',
    },
    bucket: bucketSchema,
    manifest: {
      type: 'string',
      minLength: 1,
      description:
        'The manifest mapping each file to its contact: a local file, CSV with a header row (`.csv`) or JSON Lines (`.jsonl`, `.ndjson`), told apart by the extension; also with a bucket, the manifest is a file beside the pipeline, not an object. Relative paths resolve against the pipeline file. Columns: file (the path relative to the directory, or the key relative to the bucket prefix), contactNumber or threadId, channelId, and optionally friendlyName, text, tags, time.',
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
  const hasDirectory = options.directory !== undefined;
  const hasBucket = options.bucket !== undefined;
  if (hasDirectory === hasBucket)
    return err(
      PluginErrors.invalidInput(
        hasDirectory
          ? 'the files source takes a directory or a bucket, not both: remove one'
          : 'the files source needs where the files are: a directory, or a bucket ({ store: s3 | gcs | azure, … })',
        'directory',
      ),
    );
  if (hasDirectory && (typeof options.directory !== 'string' || options.directory.length === 0))
    return err(PluginErrors.invalidInput('the files source needs a directory', 'directory'));
  let bucket: ResolvedBucket | undefined;
  if (options.bucket !== undefined) {
    const resolved = resolveBucket(options.bucket, baseDir);
    if (resolved.isErr()) return err(resolved.error);
    bucket = resolved.value;
  }
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
    ...(options.directory === undefined ? {} : { directory: path.resolve(baseDir, options.directory) }),
    ...(bucket === undefined ? {} : { bucket }),
    manifest: path.resolve(baseDir, options.manifest),
    manifestLabel: options.manifest,
    format,
    pageSize: options.pageSize ?? DEFAULTS.pageSize,
    maxRows: options.maxRows ?? DEFAULTS.maxRows,
  });
};
