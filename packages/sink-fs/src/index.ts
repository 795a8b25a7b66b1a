import { mkdir, realpath } from 'node:fs/promises';
import {
  definePlugin,
  errAsync,
  PLUGIN_API_VERSION,
  type PluginError,
  PluginErrors,
  ResultAsync,
  type Sink,
} from '@cxarchive/core';
import { errnoCode } from './errors.js';
import { createFsSink } from './fs-sink.js';
import { configSchema, type FsSinkOptions, resolveOptions } from './schema.js';

export { mapFsError } from './errors.js';
export { createFsSink, type FsSinkDependencies, TEMP_PREFIX } from './fs-sink.js';
export {
  configSchema,
  DEFAULTS,
  type FsSinkOptions,
  type ResolvedFsSinkOptions,
  resolveOptions,
} from './schema.js';
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
    const prepareRoot = async (): Promise<string> => {
      await mkdir(options.root, { recursive: true });
      return realpath(options.root);
    };
    return ResultAsync.fromPromise(prepareRoot(), (error) =>
      PluginErrors.invalidInput(
        `fs sink: cannot create the root directory "${options.rootLabel}" (${errnoCode(error) ?? 'unknown error'})`,
        'root',
      ),
    ).map((realRoot) => createFsSink(options, { realRoot, logger: context.logger }));
  },
});
