import path from 'node:path';
import {
  definePlugin,
  err,
  ok,
  PLUGIN_API_VERSION,
  type PluginError,
  type Result,
  type Sink,
} from '@cxarchive/core';
import { headCheck } from './check.js';
import { createStorage } from './client.js';
import { createGcsSink } from './gcs-sink.js';
import { configSchema, type GcsSinkOptions, resolveOptions } from './schema.js';

export { base64ToHex, crc32cOf } from './checksums.js';
export { createStorage } from './client.js';
export { cancelled, mapGcsError, statusOf } from './errors.js';
export { createGcsSink } from './gcs-sink.js';
export {
  configSchema,
  DEFAULTS,
  type GcsSinkOptions,
  type ResolvedGcsSinkOptions,
  resolveOptions,
  STORAGE_CLASSES,
} from './schema.js';

export default definePlugin<'sink', GcsSinkOptions>({
  kind: 'sink',
  name: 'gcs',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create(config, context): Result<Sink, PluginError> {
    const keyFile =
      config.keyFile === undefined ? {} : { keyFile: path.resolve(context.baseDir, config.keyFile) };
    const resolved = resolveOptions({ ...config, ...keyFile });
    if (resolved.isErr()) return err(resolved.error);
    const storage = createStorage(resolved.value);
    const sink = createGcsSink(storage.bucket(resolved.value.bucket), resolved.value);
    return ok({ ...sink, check: headCheck(sink) });
  },
});
