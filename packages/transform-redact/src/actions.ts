import { createHmac } from 'node:crypto';
import type { JsonValue } from '@cxarchive/core';

/** What every keyed hash starts with, so a reader (and a join) can tell a token from a value. */
export const HASH_PREFIX = 'hmac-sha256:';

/** The text of a value that mask and hash work on; undefined for what they cannot take (objects, arrays). */
export const scalarText = (value: JsonValue): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

/**
 * The mask of a value: the fixed `mask` text, then at most the last `keepLast` characters of the
 * value, and never more than half of them (a short value is not given away by its own tail). The
 * length of the value is not kept: every masked value of one rule shows the same mask.
 */
export const maskText = (text: string, mask: string, keepLast: number): string => {
  const chars = [...text];
  const keep = Math.min(keepLast, Math.floor(chars.length / 2));
  return keep === 0 ? mask : `${mask}${chars.slice(chars.length - keep).join('')}`;
};

/**
 * The keyed hash of a value: HMAC-SHA256 with the rule set's key over the UTF-8 text of the value
 * (a number by its decimal form, so `4155550100` and `"4155550100"` give one token), lowercase hex,
 * after `hmac-sha256:`. The same value gives the same token in every field and every record, so
 * joins still work; without the key a token cannot be checked against a guess (phone numbers are
 * few enough to try them all against a plain hash).
 */
export const hashText = (text: string, key: Buffer): string =>
  `${HASH_PREFIX}${createHmac('sha256', key).update(text, 'utf8').digest('hex')}`;
