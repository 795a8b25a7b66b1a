import { definePlugin, errAsync, type PluginError, type ResultAsync, type Sink } from '@cxarchive/core';
import { headCheck } from './check.js';
import { openAzureSink } from './open.js';
import { type AzureSinkOptions, configSchema, resolveOptions } from './schema.js';

export { type AzureSinkSettings, createAzureSink } from './azure-sink.js';
export { containerClientFor } from './client.js';
export { azureErrorCode, cancelled, mapAzureError } from './errors.js';
export { fromAzureMetadata, toAzureMetadata } from './metadata.js';
export { openAzureSink, PROBE_BLOB } from './open.js';
export {
  ACCESS_TIERS,
  type AccessTier,
  type AzureAuth,
  type AzureSinkOptions,
  accountNameOf,
  configSchema,
  DEFAULTS,
  type ResolvedAzureSinkOptions,
  resolveOptions,
} from './schema.js';
export { BLOCK_SIZE, stageBody } from './upload.js';

/** `use: azure` — block blobs in one Azure Storage container, create-only and verified by read-back. */
export default definePlugin<'sink', AzureSinkOptions>({
  kind: 'sink',
  name: 'azure',
  apiVersion: 2,
  configSchema,
  create(config): ResultAsync<Sink, PluginError> {
    const resolved = resolveOptions(config);
    if (resolved.isErr()) return errAsync(resolved.error);
    return openAzureSink(resolved.value).map((sink) => ({ ...sink, check: headCheck(sink) }));
  },
});
