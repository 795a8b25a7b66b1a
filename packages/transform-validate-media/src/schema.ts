import { CATALOG, DEFAULT_ALLOW } from './catalog.js';

const NAMES = CATALOG.map((type) => `\`${type.name}\``).join(', ');

/** 25 MiB: the default size cap. CXone documents no limit of its own (see the README). */
export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

export const configSchema = {
  title: 'validate-media transform options',
  description:
    "Checks each attachment's bytes before anything is sent: a size cap enforced while streaming, the type sniffed from the bytes with file-type and checked against the allowed types and the file's extension, and the SHA-256 of the bytes (recorded as `validation`).",
  type: 'object',
  additionalProperties: false,
  properties: {
    maxBytes: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_BYTES,
      description:
        'The size cap in bytes (default 25 MiB). A larger file is refused (`too large`) without reading more than the cap; a source that declares a larger size is refused without reading at all.',
    },
    allow: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      default: DEFAULT_ALLOW,
      items: { type: 'string', pattern: '^[a-z0-9]+$' },
      description: `The types allowed, by name: ${NAMES}, or any other extension file-type detects (e.g. \`heic\`). Plain text (\`txt\`, \`csv\`) has no signature to sniff: it is refused unless listed, and then accepted on its extension only when every byte is UTF-8 without NUL.`,
    },
  },
} as const;

/** The `with` block of a `validate-media` transform, as validated. */
export interface ValidateMediaOptions {
  readonly maxBytes?: number;
  readonly allow?: readonly string[];
}
