import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { definePlugin, tryAsync } from '@cxarchive/core';
import { createCasSink } from './cas-sink.js';
import { rootFailure } from './errors.js';
import { INDEX_DIR, OBJECTS_DIR, TEMP_DIR } from './layout.js';
import { type CasSinkOptions, configSchema, resolveOptions } from './schema.js';

export { type CasSinkTuning, createCasSink } from './cas-sink.js';
export { mapFsError } from './errors.js';
export { type IndexEntry, readEntry } from './index-entry.js';
export { blobPath, entryPath } from './layout.js';
export {
  type CasSinkOptions,
  configSchema,
  DEFAULTS,
  type ResolvedCasSinkOptions,
  resolveOptions,
} from './schema.js';

/** `use: cas` — a content-addressed local store with an index of key → SHA-256. */
export default definePlugin<'sink', CasSinkOptions>({
  kind: 'sink',
  name: 'cas',
  // The plugin API this code is written for, as a literal (not core's PLUGIN_API_VERSION, which is
  // whatever the running core speaks). It must equal `cxarchive.apiVersion` in package.json.
  apiVersion: 2,
  configSchema,
  create(config, context) {
    // core validated `config` against configSchema (defaults applied): only units are converted.
    const options = resolveOptions(config, context.baseDir);
    const prepare = async (): Promise<void> => {
      for (const dir of [OBJECTS_DIR, INDEX_DIR, TEMP_DIR])
        await mkdir(path.join(options.root, dir), { recursive: true, mode: 0o750 });
    };
    return tryAsync(prepare, (error) => rootFailure(error, options.rootLabel)).map(() =>
      createCasSink(options),
    );
  },
});
