import { DURATION_PATTERN } from '@cxarchive/core';

const values = (field: string, idField: string) => ({
  type: 'array',
  minItems: 1,
  items: { type: ['string', 'integer'] },
  description: `Matches when \`${field}\` is one of these names (any case), or \`${idField}\` one of these numbers.`,
});

const duration = (description: string) => ({
  type: 'string',
  pattern: DURATION_PATTERN,
  description: `${description} A duration such as 30s, 10m or 2h.`,
});

const tagNames = (description: string) => ({
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 },
  description,
});

/** One rule: every predicate it has must hold (and), on the record's v33.0 field names. */
const rule = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description:
    'A rule: every predicate it names must hold. Predicates: mediaType, skill, campaign, direction, duration, tags. A field the record lacks matches no predicate on it.',
  properties: {
    mediaType: values('mediaTypeName', 'mediaTypeId'),
    skill: values('skillName', 'skillId'),
    campaign: values('campaignName', 'campaignId'),
    direction: {
      enum: ['inbound', 'outbound'],
      description: 'Matches `isOutbound` false (inbound) or true (outbound).',
    },
    duration: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: '`totalDurationSeconds` within a range, both ends included.',
      properties: {
        min: duration('At least this long.'),
        max: duration('At most this long.'),
      },
    },
    tags: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'The tag names of the contact (`tags[].tagName`, any case).',
      properties: {
        any: tagNames('At least one of these tags.'),
        all: tagNames('Every one of these tags.'),
        none: tagNames('None of these tags.'),
      },
    },
  },
} as const;

export const configSchema = {
  title: 'filter transform options',
  description:
    'Keeps or drops items by predicates on their record. An item a drop rule matches is dropped; otherwise, when there are keep rules, an item none of them matches is dropped. Dropped items are counted as skipped and nothing of them is archived.',
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['keep'] }, { required: ['drop'] }],
  properties: {
    keep: {
      type: 'array',
      minItems: 1,
      items: rule,
      description:
        'Keep only items at least one of these rules matches (or). Without it, every item not dropped is kept.',
    },
    drop: {
      type: 'array',
      minItems: 1,
      items: rule,
      description: 'Drop every item one of these rules matches (or); a drop wins over a keep.',
    },
  },
} as const;

/** The predicates of one rule, as the schema validated them. */
export interface FilterRule {
  readonly mediaType?: readonly (string | number)[];
  readonly skill?: readonly (string | number)[];
  readonly campaign?: readonly (string | number)[];
  readonly direction?: 'inbound' | 'outbound';
  readonly duration?: { readonly min?: string; readonly max?: string };
  readonly tags?: {
    readonly any?: readonly string[];
    readonly all?: readonly string[];
    readonly none?: readonly string[];
  };
}

/** The `with` block of a `filter` transform. */
export interface FilterOptions {
  readonly keep?: readonly FilterRule[];
  readonly drop?: readonly FilterRule[];
}
