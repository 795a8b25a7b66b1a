import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('draws below a ceiling that doubles from the base up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 500, () => 0.999))).toEqual([
      99, 199, 399, 499, 499,
    ]);
    expect(backoffDelay(3, 100, 500, () => 0)).toBe(0);
  });
});
