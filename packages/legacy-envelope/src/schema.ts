import { DEFAULT_MAX_ENVELOPE_BYTES } from './read-envelope.js';

/** The `with` block of a `legacy-envelope` source, as the user writes it (after schema defaults). */
export interface LegacySourceOptions {
  readonly path: string;
  readonly passphraseFile: string;
  readonly pageSize?: number;
  readonly maxEnvelopeBytes?: number;
}

export const DEFAULTS = {
  pageSize: 100,
  maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
} as const;

export const configSchema = {
  title: 'legacy-envelope source options',
  description:
    'Lists the contact records of envelopes written by the earlier Python tutorial script (JSON {salt, nonce, ciphertext}; PBKDF2-SHA256, AES-256-GCM, gzip JSON Lines), one item per record, so `cxarchive migrate --legacy` re-archives them through the pipeline.',
  type: 'object',
  additionalProperties: false,
  required: ['path', 'passphraseFile'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description:
        'One envelope file, or a directory whose `*.json` files are all envelopes (not searched recursively; listed in name order). Relative paths resolve against the pipeline file.',
    },
    passphraseFile: {
      type: 'string',
      minLength: 1,
      description:
        'File holding the passphrase the tutorial script used (UTF-8; one trailing newline is removed). Relative paths resolve against the pipeline file.',
    },
    pageSize: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: DEFAULTS.pageSize,
      description: 'Records per listed page: the checkpoint advances page by page.',
    },
    maxEnvelopeBytes: {
      type: 'integer',
      minimum: 1024,
      default: DEFAULTS.maxEnvelopeBytes,
      description:
        'Largest envelope file accepted, in bytes: an envelope is one JSON document and is read whole.',
    },
  },
} as const;
