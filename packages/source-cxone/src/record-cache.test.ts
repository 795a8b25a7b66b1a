import { describe, expect, it } from 'vitest';
import { cacheCapacity, RecordCache } from './record-cache.js';

describe('RecordCache', () => {
  it('keeps the most recently listed records up to its capacity', () => {
    const cache = new RecordCache(3);
    for (const id of ['1', '2', '3', '4']) cache.set(id, { contactId: id });
    expect(cache.size).toBe(3);
    expect(cache.get('1')).toBeUndefined();
    expect(cache.get('4')).toEqual({ contactId: '4' });
  });

  it('treats a re-listed record as the newest', () => {
    const cache = new RecordCache(2);
    cache.set('1', { contactId: '1', v: 1 });
    cache.set('2', { contactId: '2' });
    cache.set('1', { contactId: '1', v: 2 });
    cache.set('3', { contactId: '3' });
    expect(cache.get('2')).toBeUndefined();
    expect(cache.get('1')).toEqual({ contactId: '1', v: 2 });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecordCache(0)).toThrow(RangeError);
  });

  it('sizes itself from the page size, within bounds', () => {
    expect(cacheCapacity(1)).toBe(500);
    expect(cacheCapacity(100)).toBe(800);
    expect(cacheCapacity(10_000)).toBe(10_000);
  });
});
