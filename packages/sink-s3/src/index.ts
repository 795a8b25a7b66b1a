import {
  definePlugin,
  errAsync,
  okAsync,
  PLUGIN_API_VERSION,
  type PluginError,
  type ResultAsync,
  type Sink,
} from '@cxarchive/core';
import { headCheck } from './check.js';
import { createS3Client } from './client.js';
import { createS3Sink } from './s3-sink.js';
import { configSchema, resolveOptions, type S3SinkOptions } from './schema.js';

export { createS3Client } from './client.js';
export { cancelled, mapS3Error, statusOf } from './errors.js';
export { createS3Sink, type S3SinkTuning } from './s3-sink.js';
export {
  configSchema,
  DEFAULTS,
  type ResolvedS3SinkOptions,
  resolveOptions,
  type S3SinkOptions,
  STORAGE_CLASSES,
  type StorageClass,
} from './schema.js';

export default definePlugin<'sink', S3SinkOptions>({
  kind: 'sink',
  name: 's3',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create(config): ResultAsync<Sink, PluginError> {
    const resolved = resolveOptions(config);
    if (resolved.isErr()) return errAsync(resolved.error);
    const sink = createS3Sink(createS3Client(resolved.value), resolved.value);
    return okAsync({ ...sink, check: headCheck(sink) });
  },
});
