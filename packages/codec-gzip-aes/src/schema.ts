import type { JsonSchema } from '@cxarchive/core';
import { DEFAULTS } from './options.js';

/** The single source of this plugin's options: validation, docs table and editor support. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: {
      description:
        'Where the tenant key-encryption key (KEK, 32 bytes as base64 or 64 hex characters) comes from. ' +
        'Every object gets a fresh random data key, wrapped by this KEK.',
      oneOf: [
        {
          type: 'object',
          description: 'Read the KEK from a file (keep it mode 0600, outside the archive).',
          additionalProperties: false,
          required: ['provider', 'path'],
          properties: {
            provider: { const: 'file', description: 'Read the key from a file.' },
            path: {
              type: 'string',
              minLength: 1,
              description: 'Path of the key file; a relative path resolves against the pipeline file.',
            },
          },
        },
        {
          type: 'object',
          description: 'Read the KEK from an environment variable.',
          additionalProperties: false,
          required: ['provider', 'variable'],
          properties: {
            provider: { const: 'env', description: 'Read the key from an environment variable.' },
            variable: {
              type: 'string',
              pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
              description: 'Name of the environment variable that holds the key.',
            },
          },
        },
      ],
    },
    compression: {
      type: 'string',
      enum: ['auto', 'gzip', 'none'],
      default: DEFAULTS.compression,
      description:
        'Compression inside the encryption. auto gzips JSON (application/json, application/x-ndjson, ' +
        '*+json) and text/*, and leaves everything else (recordings are already compressed) as is.',
    },
    chunkSizeLog2: {
      type: 'integer',
      minimum: 12,
      maximum: 20,
      default: DEFAULTS.chunkSizeLog2,
      description: 'Plaintext bytes per encrypted chunk as a power of two (16 = 64 KiB).',
    },
  },
};
