import { definePlugin, errAsync } from '@cxarchive/core';
import { codecCheck } from './check.js';
import { createCodec } from './codec.js';
import { type GzipAesOptions, resolveOptions } from './options.js';
import { configSchema } from './schema.js';

/** The `gzip-aes` codec: gzip or zstd inside chunked AES-256-GCM, the CXAR v1 archive format. */
const plugin = definePlugin<'codec', GzipAesOptions>({
  kind: 'codec',
  name: 'gzip-aes',
  // The API this code is written for, as a literal: the running core's PLUGIN_API_VERSION may differ.
  apiVersion: 2,
  configSchema,
  create: (config, context) => {
    const options = resolveOptions(config);
    if (options.isErr()) return errAsync(options.error);
    const resolved = options.value;
    return createCodec(resolved, context.baseDir).map((codec) =>
      Object.assign(codec, { check: codecCheck(resolved, context.baseDir) }),
    );
  },
});
export default plugin;

export { createCodec, type GzipAesCodec } from './codec.js';
export { chooseCompression, zstdAvailable } from './compression.js';
export * from './constants.js';
export { type CxarContext, requireExpectedContext } from './context.js';
export { decodeObject } from './decode.js';
export { encodeObject } from './encode.js';
export { type CxarHeader, type KeySlot, readCxarHeader, type StoredCompression } from './header.js';
export { writeKeyFile } from './key-file.js';
export { fingerprintOf, generateKey, keyIdOf, parseKeyText } from './key-material.js';
export { type KeySource, type LoadedKek, loadKek, loadKeySource } from './key-provider.js';
export { KeyRing, keyRingOf, loadKeyRing } from './keyring.js';
export {
  type Compression,
  DEFAULTS,
  type GzipAesOptions,
  type KeyOption,
  type ResolvedGzipAesOptions,
  resolveOptions,
} from './options.js';
export { parsePassphraseKeyId } from './passphrase.js';
export { type Rewrapped, rewrapObject } from './rewrap.js';
export { configSchema } from './schema.js';
