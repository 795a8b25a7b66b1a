import path from 'node:path';
import { definePlugin, tryAsync } from '@cxarchive/core';
import { envelopeFiles } from './envelope-files.js';
import { LegacyEnvelopeError, toPluginError } from './errors.js';
import { readPassphraseFile } from './passphrase.js';
import { configSchema, DEFAULTS, type LegacySourceOptions } from './schema.js';
import { createLegacySource } from './source.js';

/**
 * The `legacy-envelope` source: the records of envelopes written by the earlier Python tutorial
 * script, one item per record, for `cxarchive migrate --legacy`.
 */
const plugin = definePlugin<'source', LegacySourceOptions>({
  kind: 'source',
  name: 'legacy-envelope',
  // The API this code is written for, as a literal: the running core's PLUGIN_API_VERSION may differ.
  apiVersion: 2,
  configSchema,
  create: (config, context) => {
    const target = path.resolve(context.baseDir, config.path);
    return tryAsync(
      async () => {
        const passphrase = await readPassphraseFile(path.resolve(context.baseDir, config.passphraseFile));
        const files = await envelopeFiles(target);
        if (files.length === 0)
          throw new LegacyEnvelopeError(
            'unreadable',
            `${config.path} holds no *.json envelope: give an envelope file or the directory that holds them`,
          );
        return createLegacySource({
          path: target,
          passphrase,
          pageSize: config.pageSize ?? DEFAULTS.pageSize,
          maxEnvelopeBytes: config.maxEnvelopeBytes ?? DEFAULTS.maxEnvelopeBytes,
        });
      },
      (error) => toPluginError(error),
    );
  },
});
export default plugin;

export { decryptEnvelope, decryptLegacyEnvelope, deriveLegacyKey, PBKDF2_ITERATIONS } from './decrypt.js';
export { LegacyEnvelopeError, type LegacyErrorCode } from './errors.js';
export { jsonLines, type Line } from './lines.js';
export { readPassphraseFile } from './passphrase.js';
export { DEFAULT_MAX_ENVELOPE_BYTES, type LegacyEnvelope, readEnvelope } from './read-envelope.js';
export { parseRecord, START_FIELDS } from './record.js';
export { type RestoredEnvelope, restoreLegacyEnvelope } from './restore.js';
export { configSchema, type LegacySourceOptions } from './schema.js';
export { createLegacySource, LEGACY_RECORD_NAME } from './source.js';
