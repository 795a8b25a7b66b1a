import { describe, expect, it } from 'vitest';
import { buildObjectKey } from '../keys.js';
import { keyRangeOf, parseDay, recordsKeyRangeOf } from './restore.js';
import { safeJson } from './safe-json.js';

const keyOn = (iso: string) =>
  buildObjectKey(
    { tenant: 'acme', occurredAt: new Date(iso), itemId: 'c1', artifact: 'contact.json' },
    '.cxar',
  );

const inRange = (key: string, r: { from: string; before: string }) => key >= r.from && key < r.before;

describe('restore windows', () => {
  it('covers whole UTC days, both ends included, as object keys date them', () => {
    const r = keyRangeOf('acme', '2026-03-01', '2026-03-31');
    expect(inRange(keyOn('2026-03-01T00:00:00Z'), r)).toBe(true);
    expect(inRange(keyOn('2026-03-31T23:59:59.999Z'), r)).toBe(true);
    expect(inRange(keyOn('2026-02-28T23:59:59.999Z'), r)).toBe(false);
    expect(inRange(keyOn('2026-04-01T00:00:00Z'), r)).toBe(false);
    // Open ends: everything of the tenant before or after, nothing of another tenant.
    expect(inRange(keyOn('1999-01-01T00:00:00Z'), keyRangeOf('acme', undefined, '2026-01-01'))).toBe(true);
    expect(inRange(keyOn('9999-12-31T00:00:00Z'), keyRangeOf('acme', '2026-01-01', undefined))).toBe(true);
    const other = buildObjectKey(
      { tenant: 'acme-2', occurredAt: new Date('2026-03-02'), itemId: 'c1', artifact: 'contact.json' },
      '.cxar',
    );
    expect(inRange(other, keyRangeOf('acme', undefined, undefined))).toBe(false);
  });

  it('covers the batch objects of the same days, and per-item windows leave them out', () => {
    // As the batcher keys a batch: by its members' day, under records/.
    const batchOn = (iso: string) =>
      buildObjectKey(
        { tenant: 'acme', occurredAt: new Date(iso), itemId: 'r-1', artifact: 'r-1-00001.jsonl' },
        '.cxar',
        '{tenant}/records/{yyyy}/{mm}/{dd}/{artifact}',
      );
    const r = recordsKeyRangeOf('acme', '2026-03-01', '2026-03-02');
    expect(inRange(batchOn('2026-03-01T00:00:00Z'), r)).toBe(true);
    expect(inRange(batchOn('2026-03-02T23:59:59Z'), r)).toBe(true);
    expect(inRange(batchOn('2026-02-28T23:59:59Z'), r)).toBe(false);
    expect(inRange(batchOn('2026-03-03T00:00:00Z'), r)).toBe(false);
    expect(inRange(keyOn('2026-03-01T10:00:00Z'), r)).toBe(false);
    expect(inRange(batchOn('2026-03-01T10:00:00Z'), keyRangeOf('acme', '2026-03-01', '2026-03-02'))).toBe(
      false,
    );
    const all = recordsKeyRangeOf('acme', undefined, undefined);
    expect(inRange(batchOn('1999-01-01T00:00:00Z'), all)).toBe(true);
    expect(inRange(keyOn('2026-03-01T10:00:00Z'), all)).toBe(false);
    expect(() => recordsKeyRangeOf('acme', '2026-03-02', '2026-03-01')).toThrow(
      '--since 2026-03-02 is after',
    );
  });

  it('refuses what is not a day, and a window that ends before it starts', () => {
    expect(() => parseDay('2026-02-30', '--since')).toThrow('--since "2026-02-30" is not a date');
    expect(() => parseDay('2026-03-01T10:00:00Z', '--until')).toThrow('write it as YYYY-MM-DD');
    expect(() => keyRangeOf('acme', '2026-03-02', '2026-03-01')).toThrow(
      '--since 2026-03-02 is after --until',
    );
    expect(parseDay('2024-02-29', '--since').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('safeJson', () => {
  it('escapes what JSON leaves raw, and still parses to the same value', () => {
    const value = { id: 'c\u0085\u2028\u202e\u001b1' };
    const text = safeJson(value);
    expect(text).toBe('{"id":"c\\u0085\\u2028\\u202e\\u001b1"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});
