import type { Readable } from 'node:stream';
import {
  type Codec,
  type CodecContext,
  errAsync,
  okAsync,
  type PluginError,
  type Result,
  type ResultAsync,
} from '@cxarchive/core';
import { zstdAvailable, zstdMissing } from './compression.js';
import { CXAR_EXTENSION } from './constants.js';
import { decodeObject } from './decode.js';
import { encodeObject } from './encode.js';
import type { LoadedKek } from './key-provider.js';
import { type KeyRing, loadKeyRing } from './keyring.js';
import type { ResolvedGzipAesOptions } from './options.js';
import { type Rewrapped, rewrapObject } from './rewrap.js';

/** The codec instance; `keyId` identifies the key new objects are written under (never key material). */
export interface GzipAesCodec extends Codec {
  readonly keyId: string;
  /** Every configured key: the writing key and the read keys. */
  readonly keyRing: KeyRing;
  /** Rewrites an object's key slot under `target`, opening it with any configured key (see `rewrapObject`). */
  rewrap(
    input: Readable,
    ctx: CodecContext,
    target: LoadedKek,
    signal: AbortSignal,
  ): ResultAsync<Rewrapped, PluginError>;
}

const toAsync = <T>(result: Result<T, PluginError>): ResultAsync<T, PluginError> =>
  result.isOk() ? okAsync(result.value) : errAsync(result.error);

/**
 * Loads every key once (a passphrase is derived once for writing) and returns the codec. Used by
 * the plugin and by the CLI's `verify`/`restore`/`keys`. `env` is where the `env` and passphrase
 * providers look (default: `process.env`).
 */
export const createCodec = (
  options: ResolvedGzipAesOptions,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ResultAsync<GzipAesCodec, PluginError> => {
  if (options.compression === 'zstd' && !zstdAvailable()) return errAsync(zstdMissing('compress'));
  return loadKeyRing(options, baseDir, env).map((ring) => ({
    extension: CXAR_EXTENSION,
    keyId: ring.writeKey.keyId,
    keyRing: ring,
    encode: (input, ctx, signal) =>
      toAsync(
        encodeObject(
          input,
          ctx,
          { kek: ring.writeKey, compression: options.compression, chunkSizeLog2: options.chunkSizeLog2 },
          signal,
        ),
      ),
    decode: (input, ctx, signal) => decodeObject(input, ctx, ring, signal),
    rewrap: (input, ctx, target, signal) => rewrapObject(input, ctx, ring, target, signal),
  }));
};
