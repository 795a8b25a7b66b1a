import type { JsonSchema } from '@cxarchive/core';
import { PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from './constants.js';
import { DEFAULT_ITERATIONS, DEFAULTS } from './options.js';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** The key providers, shared by `key` (writes and reads) and `readKeys` (reads only). */
const keyVariants: JsonSchema[] = [
  {
    type: 'object',
    description:
      'Read the KEK from a file: 32 bytes as base64 or 64 hex characters. The file must not be ' +
      'readable by group or others (chmod 600).',
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
    description: 'Read the KEK from an environment variable (base64 or 64 hex characters).',
    additionalProperties: false,
    required: ['provider', 'variable'],
    properties: {
      provider: { const: 'env', description: 'Read the key from an environment variable.' },
      variable: {
        type: 'string',
        pattern: ENV_NAME,
        description: 'Name of the environment variable that holds the key.',
      },
    },
  },
  {
    type: 'object',
    description:
      'Derive the KEK from a passphrase with PBKDF2-SHA-256, once per run, under a fresh random salt ' +
      'recorded in the key id. Give exactly one of path and variable; the passphrase itself never goes ' +
      'in the pipeline file.',
    additionalProperties: false,
    required: ['provider'],
    properties: {
      provider: { const: 'passphrase', description: 'Derive the key from a passphrase.' },
      path: {
        type: 'string',
        minLength: 1,
        description:
          'File holding the passphrase (at least 12 characters, trailing line breaks ignored, not readable ' +
          'by group or others); a relative path resolves against the pipeline file.',
      },
      variable: {
        type: 'string',
        pattern: ENV_NAME,
        description: 'Environment variable holding the passphrase (at least 12 characters).',
      },
      iterations: {
        type: 'integer',
        minimum: PBKDF2_MIN_ITERATIONS,
        maximum: PBKDF2_MAX_ITERATIONS,
        default: DEFAULT_ITERATIONS,
        description: 'PBKDF2-SHA-256 iterations for new objects (readers take the count from the key id).',
      },
    },
  },
];

/** The single source of this plugin's options: validation, docs table and editor support. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: {
      description:
        'The tenant key-encryption key (KEK): new objects are written under it, and it opens objects ' +
        'written under it. Every object gets a fresh random data key, wrapped by this KEK.',
      oneOf: keyVariants,
    },
    readKeys: {
      type: 'array',
      description:
        'More keys that only open objects (found by the key id in each object), e.g. the keys used ' +
        'before a rotation. Nothing new is written under them.',
      items: { oneOf: keyVariants },
    },
    compression: {
      type: 'string',
      enum: ['auto', 'gzip', 'zstd', 'none'],
      default: DEFAULTS.compression,
      description:
        'Compression inside the encryption, recorded in each object. auto gzips JSON (application/json, ' +
        'application/x-ndjson, *+json) and text/*, and leaves everything else (recordings are already ' +
        "compressed) as is. zstd uses Node's own zlib (Node 22.15 or later).",
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
