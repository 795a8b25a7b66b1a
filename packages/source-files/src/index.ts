import {
  definePlugin,
  errAsync,
  PLUGIN_API_VERSION,
  type PluginError,
  type ResultAsync,
  type Source,
} from '@cxarchive/core';
import { configSchema, type FilesSourceOptions, resolveOptions } from './schema.js';
import { createFilesSource } from './source.js';

export { ARTIFACT_NAME } from './artifact.js';
export { type CsvRecord, CsvSyntaxError, readCsv } from './csv.js';
export { attachmentRecord } from './fetch.js';
export { attachmentId, MAX_ITEM_ID_LENGTH, refusedRowId, unmatchedFileId } from './item-id.js';
export { COLUMNS, MAX_ROW_BYTES, manifestFormat } from './manifest.js';
export {
  configSchema,
  DEFAULTS,
  type FilesSourceOptions,
  type ResolvedFilesSourceOptions,
  resolveOptions,
} from './schema.js';
export { createFilesSource, type FilesSourceDependencies } from './source.js';

export default definePlugin<'source', FilesSourceOptions>({
  kind: 'source',
  name: 'files',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create(config, context): ResultAsync<Source, PluginError> {
    const resolved = resolveOptions(config, context.baseDir);
    if (resolved.isErr()) return errAsync(resolved.error);
    return createFilesSource(resolved.value);
  },
});
