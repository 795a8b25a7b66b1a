import {
  type Codec,
  errAsync,
  okAsync,
  type PluginError,
  type Result,
  type ResultAsync,
} from '@cxarchive/core';
import { CXAR_EXTENSION } from './constants.js';
import { decodeObject } from './decode.js';
import { encodeObject } from './encode.js';
import { loadKek } from './key-provider.js';
import type { ResolvedGzipAesOptions } from './options.js';

/** The codec instance; `keyId` identifies the configured KEK (never key material). */
export interface GzipAesCodec extends Codec {
  readonly keyId: string;
}

const toAsync = <T>(result: Result<T, PluginError>): ResultAsync<T, PluginError> =>
  result.isOk() ? okAsync(result.value) : errAsync(result.error);

/**
 * Loads the KEK once and returns the codec. Used by the plugin and by the CLI's
 * `verify`/`restore`. `env` is where the `env` key provider looks (default: `process.env`).
 */
export const createCodec = (
  options: ResolvedGzipAesOptions,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ResultAsync<GzipAesCodec, PluginError> =>
  loadKek(options.key, baseDir, env).map((kek) => ({
    extension: CXAR_EXTENSION,
    keyId: kek.keyId,
    encode: (input, ctx, signal) =>
      toAsync(
        encodeObject(
          input,
          ctx,
          { kek, compression: options.compression, chunkSizeLog2: options.chunkSizeLog2 },
          signal,
        ),
      ),
    decode: (input, ctx, signal) => decodeObject(input, ctx, kek, signal),
  }));
