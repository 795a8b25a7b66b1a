import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { DEFAULT_CHUNK_SIZE_LOG2, MAX_CHUNK_SIZE_LOG2, MIN_CHUNK_SIZE_LOG2 } from './constants.js';

/** Where the tenant key-encryption key (KEK) comes from. */
export type KeyOption =
  | { readonly provider: 'file'; readonly path: string }
  | { readonly provider: 'env'; readonly variable: string };

export type Compression = 'auto' | 'gzip' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['auto', 'gzip', 'none'];

/** The `with` block as a user writes it (see `schema.ts`). */
export interface GzipAesOptions {
  readonly key: KeyOption;
  readonly compression?: Compression;
  readonly chunkSizeLog2?: number;
}

/** Options with every default applied. */
export interface ResolvedGzipAesOptions {
  readonly key: KeyOption;
  readonly compression: Compression;
  readonly chunkSizeLog2: number;
}

export const DEFAULTS = {
  compression: 'auto',
  chunkSizeLog2: DEFAULT_CHUNK_SIZE_LOG2,
} as const satisfies Omit<ResolvedGzipAesOptions, 'key'>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Applies the defaults and re-checks what the schema checks, for callers (the CLI's
 * `verify`/`restore`, tests) that do not go through core's validation.
 */
export const resolveOptions = (input: GzipAesOptions): Result<ResolvedGzipAesOptions, PluginError> => {
  const key = input.key as KeyOption | undefined;
  if (key === undefined || key === null || typeof key !== 'object')
    return err(PluginErrors.invalidInput('option "key" is required', 'key'));
  if (key.provider === 'file') {
    if (typeof key.path !== 'string' || key.path.length === 0)
      return err(PluginErrors.invalidInput('option "key.path" must be a non-empty path', 'key.path'));
  } else if (key.provider === 'env') {
    if (typeof key.variable !== 'string' || !ENV_NAME.test(key.variable))
      return err(
        PluginErrors.invalidInput(
          'option "key.variable" must be an environment variable name',
          'key.variable',
        ),
      );
  } else {
    return err(PluginErrors.invalidInput('option "key.provider" must be "file" or "env"', 'key.provider'));
  }
  const compression = input.compression ?? DEFAULTS.compression;
  if (!COMPRESSIONS.includes(compression))
    return err(PluginErrors.invalidInput('option "compression" must be auto, gzip or none', 'compression'));
  const chunkSizeLog2 = input.chunkSizeLog2 ?? DEFAULTS.chunkSizeLog2;
  if (
    !Number.isInteger(chunkSizeLog2) ||
    chunkSizeLog2 < MIN_CHUNK_SIZE_LOG2 ||
    chunkSizeLog2 > MAX_CHUNK_SIZE_LOG2
  )
    return err(
      PluginErrors.invalidInput(
        `option "chunkSizeLog2" must be an integer from ${MIN_CHUNK_SIZE_LOG2} to ${MAX_CHUNK_SIZE_LOG2}`,
        'chunkSizeLog2',
      ),
    );
  return ok({ key, compression, chunkSizeLog2 });
};
