import type { JsonObject, JsonValue } from '@cxarchive/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from './redactor.js';

/** The record with every `key` member removed at any depth: what `remove **.key` must give. */
const without = (value: JsonValue, key: string): JsonValue => {
  if (Array.isArray(value)) return value.map((v) => without(v, key));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== key)
        .map(([k, v]) => [k, without(v, key)]),
    );
  return value;
};

const keys = fc.constantFrom('a', 'b', 'email', 'phone');
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const tree = fc.letrec<{ value: JsonValue; record: JsonObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    tie('record'),
  ),
  record: fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
})).record;

describe('** over any record', () => {
  it('remove **.email removes every email member at every depth and changes nothing else', () => {
    const redact = compileRedactor([{ action: 'remove', paths: ['**.email'] }], undefined)._unsafeUnwrap();
    fc.assert(
      fc.property(tree, (record) => {
        expect(redact(record)._unsafeUnwrap()).toEqual(without(record, 'email'));
      }),
      { numRuns: 500 },
    );
  });

  it('mask **.phone leaves no scalar phone value unmasked, whatever the nesting', () => {
    const redact = compileRedactor(
      [{ action: 'mask', paths: ['**.phone'], mask: '#' }],
      undefined,
    )._unsafeUnwrap();
    const phones = (value: JsonValue, out: JsonValue[] = []): JsonValue[] => {
      if (Array.isArray(value)) for (const v of value) phones(v, out);
      else if (typeof value === 'object' && value !== null)
        for (const [k, v] of Object.entries(value)) {
          if (k === 'phone') out.push(v);
          phones(v, out);
        }
      return out;
    };
    fc.assert(
      fc.property(tree, (record) => {
        const result = redact(record);
        const hasContainer = phones(record).some((v) => typeof v === 'object' && v !== null);
        // A phone holding an object or array fails the record (nothing is archived), never half-masks it.
        if (hasContainer) expect(result.isErr()).toBe(true);
        else for (const v of phones(result._unsafeUnwrap())) expect(v === null || v === '#').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
