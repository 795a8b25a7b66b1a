import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import {
  DEFAULT_CHUNK_SIZE_LOG2,
  MAX_CHUNK_SIZE_LOG2,
  MIN_CHUNK_SIZE_LOG2,
  PBKDF2_MAX_ITERATIONS,
  PBKDF2_MIN_ITERATIONS,
} from './constants.js';

/** Where a key-encryption key (KEK) comes from. */
export type KeyOption =
  | { readonly provider: 'file'; readonly path: string }
  | { readonly provider: 'env'; readonly variable: string }
  | {
      readonly provider: 'passphrase';
      /** File holding the passphrase (exactly one of `path` and `variable`). */
      readonly path?: string;
      /** Environment variable holding the passphrase. */
      readonly variable?: string;
      readonly iterations?: number;
    };

export type Compression = 'auto' | 'gzip' | 'zstd' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['auto', 'gzip', 'zstd', 'none'];

/** The `with` block as a user writes it (see `schema.ts`). */
export interface GzipAesOptions {
  readonly key: KeyOption;
  readonly readKeys?: readonly KeyOption[];
  readonly compression?: Compression;
  readonly chunkSizeLog2?: number;
}

/** Options with every default applied. */
export interface ResolvedGzipAesOptions {
  readonly key: KeyOption;
  readonly readKeys: readonly KeyOption[];
  readonly compression: Compression;
  readonly chunkSizeLog2: number;
}

export const DEFAULTS = {
  compression: 'auto',
  chunkSizeLog2: DEFAULT_CHUNK_SIZE_LOG2,
  readKeys: [],
} as const satisfies Omit<ResolvedGzipAesOptions, 'key'>;

/** PBKDF2 iterations of the passphrase provider when `iterations` is not given. */
export const DEFAULT_ITERATIONS = PBKDF2_MIN_ITERATIONS;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const invalid = (message: string, path: string): Result<never, PluginError> =>
  err(PluginErrors.invalidInput(message, path));

/** Checks one key option; `where` is its option path (`key`, `readKeys[1]`). */
const checkKey = (key: unknown, where: string): Result<KeyOption, PluginError> => {
  if (key === undefined || key === null || typeof key !== 'object')
    return invalid(`option "${where}" is required and must be an object`, where);
  const k = key as Record<string, unknown>;
  const variableOk = (v: unknown): boolean => typeof v === 'string' && ENV_NAME.test(v);
  if (k.provider === 'file') {
    if (typeof k.path !== 'string' || k.path.length === 0)
      return invalid(`option "${where}.path" must be a non-empty path`, `${where}.path`);
  } else if (k.provider === 'env') {
    if (!variableOk(k.variable))
      return invalid(`option "${where}.variable" must be an environment variable name`, `${where}.variable`);
  } else if (k.provider === 'passphrase') {
    const hasPath = k.path !== undefined;
    if (hasPath === (k.variable !== undefined))
      return invalid(
        `option "${where}" (passphrase) needs exactly one of "path" (a passphrase file) and "variable"`,
        where,
      );
    if (hasPath && (typeof k.path !== 'string' || k.path.length === 0))
      return invalid(`option "${where}.path" must be a non-empty path`, `${where}.path`);
    if (!hasPath && !variableOk(k.variable))
      return invalid(`option "${where}.variable" must be an environment variable name`, `${where}.variable`);
    const iterations = k.iterations ?? DEFAULT_ITERATIONS;
    if (
      typeof iterations !== 'number' ||
      !Number.isInteger(iterations) ||
      iterations < PBKDF2_MIN_ITERATIONS ||
      iterations > PBKDF2_MAX_ITERATIONS
    )
      return invalid(
        `option "${where}.iterations" must be an integer from ${PBKDF2_MIN_ITERATIONS} to ${PBKDF2_MAX_ITERATIONS}`,
        `${where}.iterations`,
      );
  } else {
    return invalid(`option "${where}.provider" must be "file", "env" or "passphrase"`, `${where}.provider`);
  }
  return ok(key as KeyOption);
};

/**
 * Applies the defaults and re-checks what the schema checks, for callers (the CLI's
 * `verify`/`restore`, tests) that do not go through core's validation.
 */
export const resolveOptions = (input: GzipAesOptions): Result<ResolvedGzipAesOptions, PluginError> => {
  const key = checkKey(input.key, 'key');
  if (key.isErr()) return err(key.error);
  const readKeys: KeyOption[] = [];
  if (input.readKeys !== undefined && !Array.isArray(input.readKeys))
    return invalid('option "readKeys" must be a list of keys', 'readKeys');
  for (const [i, option] of (input.readKeys ?? []).entries()) {
    const checked = checkKey(option, `readKeys[${i}]`);
    if (checked.isErr()) return err(checked.error);
    readKeys.push(checked.value);
  }
  const compression = input.compression ?? DEFAULTS.compression;
  if (!COMPRESSIONS.includes(compression))
    return invalid('option "compression" must be auto, gzip, zstd or none', 'compression');
  const chunkSizeLog2 = input.chunkSizeLog2 ?? DEFAULTS.chunkSizeLog2;
  if (
    !Number.isInteger(chunkSizeLog2) ||
    chunkSizeLog2 < MIN_CHUNK_SIZE_LOG2 ||
    chunkSizeLog2 > MAX_CHUNK_SIZE_LOG2
  )
    return invalid(
      `option "chunkSizeLog2" must be an integer from ${MIN_CHUNK_SIZE_LOG2} to ${MAX_CHUNK_SIZE_LOG2}`,
      'chunkSizeLog2',
    );
  return ok({ key: key.value, readKeys, compression, chunkSizeLog2 });
};
