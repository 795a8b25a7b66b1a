import type { JsonObject } from '@cxarchive/core';

/** One line of an envelope as the source archives it, or why it cannot be archived. */
export type ParsedRecord =
  | { readonly ok: true; readonly id: string; readonly occurredAt: Date; readonly record: JsonObject }
  | { readonly ok: false; readonly id?: string; readonly problem: string };

/** The fields a record's start time may be in, first found wins (both spellings were written). */
export const START_FIELDS = ['contactStart', 'contactStartDate'] as const;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/**
 * Refuses an integer JSON cannot give back exactly (a contact id beyond 2^53 would silently
 * change): `context.source` is the number as written (Node 22's JSON.parse source access).
 */
const exactNumbers: Reviver = (key, value, context) => {
  if (typeof value === 'number' && context?.source !== undefined && /^-?\d+$/.test(context.source)) {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`the number ${context.source} at "${key}" is too large to keep exactly`);
  }
  return value;
};

const idOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
};

/** Parses one JSON Lines record and finds its id (`contactId`) and start time. */
export const parseRecord = (text: string): ParsedRecord => {
  let value: unknown;
  try {
    value = JSON.parse(text, exactNumbers as Parameters<typeof JSON.parse>[1]);
  } catch (error) {
    return {
      ok: false,
      problem:
        error instanceof RangeError ? error.message : 'the line is not JSON (NaN and Infinity are not JSON)',
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, problem: 'the line is not a JSON object' };
  const record = value as JsonObject;
  const id = idOf(record.contactId);
  if (id === undefined)
    return {
      ok: false,
      problem:
        record.contactId === undefined
          ? 'the record has no contactId'
          : 'the record has a contactId that is neither a non-empty string nor an integer',
    };
  const field = START_FIELDS.find((name) => record[name] !== undefined && record[name] !== null);
  if (field === undefined)
    return { ok: false, id, problem: `record ${id} has no start time (${START_FIELDS.join(' or ')})` };
  const start = record[field];
  const occurredAt = typeof start === 'string' ? new Date(start) : new Date(Number.NaN);
  if (Number.isNaN(occurredAt.getTime()))
    return { ok: false, id, problem: `record ${id} has a ${field} that is not a date` };
  return { ok: true, id, occurredAt, record };
};
