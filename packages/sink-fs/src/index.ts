import {
  definePlugin,
  errAsync,
  PLUGIN_API_VERSION,
  type PluginError,
  type ResultAsync,
  type Sink,
} from '@cxarchive/core';
import { fsCheck } from './check.js';
import { openFsSink } from './open.js';
import { configSchema, type FsSinkOptions, resolveOptions } from './schema.js';

export { cancelled, mapFsError } from './errors.js';
export { createFsSink, type FsSinkDependencies } from './fs-sink.js';
export { type OpenFsSinkDependencies, openFsSink } from './open.js';
export {
  configSchema,
  DEFAULTS,
  type FsSinkOptions,
  type ResolvedFsSinkOptions,
  resolveOptions,
} from './schema.js';
export {
  currentOwner,
  parseTempFileName,
  STALE_TEMP_AGE_MS,
  sweepStaleTemps,
  TEMP_DIR,
  type TempOwner,
  tempFileName,
} from './temp-files.js';
export { type Digest, verifyFile } from './verify.js';

export default definePlugin<'sink', FsSinkOptions>({
  kind: 'sink',
  name: 'fs',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create(config, context): ResultAsync<Sink, PluginError> {
    const resolved = resolveOptions(config, context.baseDir);
    if (resolved.isErr()) return errAsync(resolved.error);
    const options = resolved.value;
    return openFsSink(options, { logger: context.logger }).map((sink) => ({
      ...sink,
      check: fsCheck(sink, options),
    }));
  },
});
