import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUDGETS,
  maxInAnyWindow,
  type ResolvedBudget,
  resolveBudgets,
  retryAfterValue,
  SlidingWindow,
} from './budgets.js';
import { createRng } from './prng.js';

const budget = (requests: number, perMs: number): ResolvedBudget => ({
  family: 'media-playback',
  requests,
  perMs,
  retryAfter: 'seconds',
});

describe('resolveBudgets', () => {
  it("defaults to CXone's documented budgets: Media Playback 150 per 5 minutes, Data Extraction 1 per 30 s", () => {
    expect([...resolveBudgets(undefined).values()]).toEqual([
      { family: 'media-playback', requests: 150, perMs: 300_000, retryAfter: 'seconds' },
      { family: 'data-extraction', requests: 1, perMs: 30_000, retryAfter: 'seconds' },
    ]);
    expect(resolveBudgets({}).get('media-playback')).toBe(DEFAULT_BUDGETS['media-playback']);
  });

  it('takes a family budget, with Retry-After in seconds unless told, and removes one given false', () => {
    expect(resolveBudgets({ 'media-playback': { requests: 4, perMs: 1500 } }).get('media-playback')).toEqual({
      family: 'media-playback',
      requests: 4,
      perMs: 1500,
      retryAfter: 'seconds',
    });
    expect(
      resolveBudgets({ 'media-playback': { requests: 4, perMs: 1500, retryAfter: 'none' } }).get(
        'media-playback',
      )?.retryAfter,
    ).toBe('none');
    expect([...resolveBudgets({ 'media-playback': false }).keys()]).toEqual(['data-extraction']);
  });

  it.each([
    [{ acd: { requests: 1, perMs: 1 } }, /unknown API family 'acd'/],
    [{ 'media-playback': { requests: 0, perMs: 1000 } }, /requests must be an integer between 1/],
    [{ 'media-playback': { requests: 1.5, perMs: 1000 } }, /requests must be an integer/],
    [{ 'media-playback': { requests: 4, perMs: 0 } }, /perMs must be an integer between 1/],
    [{ 'media-playback': { requests: 4, perMs: 90_000_000 } }, /perMs must be an integer/],
    [{ 'media-playback': { requests: 4, perMs: 1000, retryAfter: 'never' } }, /retryAfter must be one of/],
  ])('rejects %j', (option, message) => {
    expect(() => resolveBudgets(option as never)).toThrow(RangeError);
    expect(() => resolveBudgets(option as never)).toThrow(message);
  });
});

describe('SlidingWindow', () => {
  it('accepts `requests` in a window, refuses the next until the oldest leaves it, and does not count refusals', () => {
    const window = new SlidingWindow(budget(4, 1500));
    for (const t of [0, 100, 200, 300]) expect(window.admit(t)).toEqual({ accepted: true });
    expect(window.admit(400)).toEqual({ accepted: false, waitMs: 1100 });
    expect(window.admit(1499)).toEqual({ accepted: false, waitMs: 1 });
    // The request at 0 leaves the window (t - 1500, t] at t = 1500; the refusals never counted.
    expect(window.admit(1500)).toEqual({ accepted: true });
    expect(window.admit(1500)).toEqual({ accepted: false, waitMs: 100 });
    expect(window.admit(1600)).toEqual({ accepted: true });
    // After a quiet window, a whole budget again.
    for (const t of [5000, 5000, 5000, 5000]) expect(window.admit(t)).toEqual({ accepted: true });
    expect(window.admit(5000).accepted).toBe(false);
  });

  it('never lets more than `requests` into any window, and refuses only when the window is full', () => {
    const rng = createRng(11);
    for (const [requests, perMs] of [
      [1, 100],
      [4, 1500],
      [150, 300_000],
    ] as const) {
      const window = new SlidingWindow(budget(requests, perMs));
      const accepted: number[] = [];
      let t = 0;
      for (let i = 0; i < 3000; i++) {
        // Arrivals at twice the budgeted rate on average, in bursts and lulls.
        t += Math.floor(rng.next() * (perMs / requests));
        const admission = window.admit(t);
        if (admission.accepted) {
          accepted.push(t);
        } else {
          // Full: the window ending now already holds `requests`, and the wait is exactly until one leaves.
          expect(accepted.filter((a) => a > t - perMs)).toHaveLength(requests);
          const at = t + admission.waitMs;
          expect(accepted.filter((a) => a > at - 1 - perMs)).toHaveLength(requests);
          expect(accepted.filter((a) => a > at - perMs).length).toBeLessThan(requests);
        }
      }
      expect(maxInAnyWindow(accepted, perMs)).toBe(requests);
      expect(accepted.length).toBeGreaterThan(requests);
    }
  });
});

describe('retryAfterValue', () => {
  const now = Date.parse('2026-10-20T12:00:00.300Z');

  it('gives whole seconds, rounded up and at least 1', () => {
    expect(retryAfterValue('seconds', 1100, now)).toBe('2');
    expect(retryAfterValue('seconds', 1000, now)).toBe('1');
    expect(retryAfterValue('seconds', 1, now)).toBe('1');
    expect(retryAfterValue('seconds', 300_000, now)).toBe('300');
  });

  it('gives an HTTP date no earlier than the window frees up', () => {
    expect(retryAfterValue('http-date', 1100, now)).toBe('Tue, 20 Oct 2026 12:00:02 GMT');
    expect(retryAfterValue('http-date', 700, now)).toBe('Tue, 20 Oct 2026 12:00:01 GMT');
  });

  it('gives nothing for none', () => {
    expect(retryAfterValue('none', 1100, now)).toBeUndefined();
  });
});

describe('maxInAnyWindow', () => {
  it('counts the most times inside one half-open window, whatever their order', () => {
    expect(maxInAnyWindow([], 1000)).toBe(0);
    expect(maxInAnyWindow([5], 1000)).toBe(1);
    expect(maxInAnyWindow([0, 1499, 1500], 1500)).toBe(2);
    expect(maxInAnyWindow([1500, 0, 1499, 1501, 2998], 1500)).toBe(4);
    expect(maxInAnyWindow([1500, 0, 1499, 1501, 2999], 1500)).toBe(3);
    expect(maxInAnyWindow([7, 7, 7], 1)).toBe(3);
  });
});
