import type { Redacted } from '@cxarchive/core';
import { PATH_PATTERN } from './json-path.js';

/** Defaults of a `mask` rule. */
export const DEFAULTS = {
  mask: '****',
  keepLast: 0,
} as const;

/** Fewest characters of the hash key: the tokens are only as hard to guess as the key. */
export const MIN_KEY_LENGTH = 32;

const KEY_DESCRIPTION = `The HMAC-SHA256 key of \`hash\` rules (required when there is one), at least ${MIN_KEY_LENGTH} characters, e.g. \`\${REDACT_KEY}\` from \`openssl rand -hex 32\`. Keep it: another key gives other tokens, and joins with earlier archives break.`;

const paths = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'string',
    pattern: PATH_PATTERN,
    description:
      'A path into the record: keys joined by dots (`fromAddress`, `customer.email`), `*` for every key of an object, `[*]` after a key for every element of an array (`tags[*].tagName`), `**` for any depth (`**.email`; never last).',
  },
  description:
    'Where the action applies: paths into the record, dotted keys with `*` (every key), `[*]` (every array element) and `**` (any depth), e.g. `fromAddress`, `tags[*].tagName`, `**.email`. A path that matches nothing in a record changes nothing.',
} as const;

export const configSchema = {
  title: 'redact transform options',
  description:
    "Masks, removes or hashes fields of each item's record (the metadata archived as contact.json) before it is encoded: rules apply in order.",
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      minItems: 1,
      description:
        'The redaction rules, applied in order (a field two rules match gets both, in that order).',
      items: {
        type: 'object',
        required: ['action', 'paths'],
        description:
          'One rule: an `action` (mask, remove or hash), the `paths` it applies to, and its settings.',
        properties: {
          action: {
            enum: ['mask', 'remove', 'hash'],
            description: 'What to do with each value the paths match.',
          },
        },
        discriminator: { propertyName: 'action' },
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['action', 'paths'],
            description: 'Replaces each value with a fixed mask, optionally followed by its last characters.',
            properties: {
              action: { const: 'mask', description: 'Mask the value.' },
              paths,
              mask: {
                type: 'string',
                maxLength: 64,
                default: DEFAULTS.mask,
                description: 'The text that replaces the value (its length is not kept).',
              },
              keepLast: {
                type: 'integer',
                minimum: 0,
                maximum: 8,
                default: DEFAULTS.keepLast,
                description:
                  'How many of the last characters to keep after the mask (e.g. 4 for a phone number); never more than half of the value.',
              },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['action', 'paths'],
            description: 'Removes the key (or the array element) altogether.',
            properties: {
              action: { const: 'remove', description: 'Remove the key.' },
              paths,
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['action', 'paths'],
            description:
              'Replaces each value with `hmac-sha256:<hex>`, keyed by `key`: equal values give equal tokens, so joins still work.',
            properties: {
              action: { const: 'hash', description: 'Replace the value by its keyed hash.' },
              paths,
            },
          },
        ],
      },
    },
    key: {
      type: 'string',
      minLength: MIN_KEY_LENGTH,
      'x-cxarchive-secret': true,
      description: KEY_DESCRIPTION,
    },
  },
  if: { properties: { rules: { contains: { properties: { action: { const: 'hash' } } } } } },
  // biome-ignore lint/suspicious/noThenProperty: `then` is JSON Schema's keyword (with `if`), not a promise.
  then: { required: ['key'], properties: { key: { description: KEY_DESCRIPTION } } },
} as const;

/** A rule as the schema validated it. */
export type RedactRule =
  | {
      readonly action: 'mask';
      readonly paths: readonly string[];
      readonly mask?: string;
      readonly keepLast?: number;
    }
  | { readonly action: 'remove'; readonly paths: readonly string[] }
  | { readonly action: 'hash'; readonly paths: readonly string[] };

/** The `with` block of a `redact` transform, as validated (the key wrapped in `Redacted`). */
export interface RedactOptions {
  readonly rules: readonly RedactRule[];
  readonly key?: Redacted<string>;
}
