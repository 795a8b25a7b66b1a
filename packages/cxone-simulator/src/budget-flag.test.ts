import { describe, expect, it } from 'vitest';
import { describeBudget, parseBudgetFlag, parseBudgetFlags } from './budget-flag.js';
import { DEFAULT_BUDGETS } from './budgets.js';

describe('parseBudgetFlag', () => {
  it.each([
    ['media-playback=150/5m', { requests: 150, perMs: 300_000, retryAfter: 'seconds' }],
    ['media-playback=4/1500ms', { requests: 4, perMs: 1500, retryAfter: 'seconds' }],
    ['media-playback=8/30s,retry-after=none', { requests: 8, perMs: 30_000, retryAfter: 'none' }],
    [
      'media-playback=1000/1h,retry-after=http-date',
      { requests: 1000, perMs: 3_600_000, retryAfter: 'http-date' },
    ],
    ['media-playback=off', false],
  ])('reads %s', (raw, budget) => {
    expect(parseBudgetFlag(raw)).toEqual({ ok: true, value: { family: 'media-playback', budget } });
  });

  it.each([
    ['150/5m', /must name a family/],
    [
      'acd=10/1m',
      /unknown API family \(known: media-playback, cxone-acd, cxone-auth, data-extraction, media-download, business-data, dfo\)/,
    ],
    ['media-playback=150', /needs requests\/window/],
    ['media-playback=150/5d', /needs requests\/window/],
    ['media-playback=0/5m', /requests must be between 1/],
    ['media-playback=5/0s', /window must be between 1ms and 24h/],
    ['media-playback=5/25h', /window must be between 1ms and 24h/],
    ['media-playback=5/5m,retry-after=later', /unknown setting 'retry-after=later'/],
    ['media-playback=5/5m,burst=2', /unknown setting 'burst=2'/],
  ])('refuses %s', (raw, message) => {
    const parsed = parseBudgetFlag(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toMatch(message);
      expect(parsed.message).toContain(`(got '${raw}'`);
    }
  });
});

it('reads the budgets of the ACD and auth families, which have none by default', () => {
  expect(parseBudgetFlag('cxone-acd=10/1m,retry-after=none')).toEqual({
    ok: true,
    value: { family: 'cxone-acd', budget: { requests: 10, perMs: 60_000, retryAfter: 'none' } },
  });
  expect(parseBudgetFlag('cxone-auth=2/1s')).toMatchObject({ ok: true, value: { family: 'cxone-auth' } });
});

describe('parseBudgetFlags', () => {
  it('gathers the families and refuses one given twice', () => {
    expect(parseBudgetFlags([])).toEqual({ ok: true, value: {} });
    expect(parseBudgetFlags(['media-playback=4/1500ms'])).toEqual({
      ok: true,
      value: { 'media-playback': { requests: 4, perMs: 1500, retryAfter: 'seconds' } },
    });
    expect(parseBudgetFlags(['media-playback=4/1s', 'media-playback=off'])).toEqual({
      ok: false,
      message: '--budget media-playback is given twice',
    });
  });
});

describe('describeBudget', () => {
  it('names the family, the rate in the largest whole unit and the Retry-After form', () => {
    expect(describeBudget(DEFAULT_BUDGETS['media-playback']!)).toBe(
      'media-playback 150/5m (Retry-After in seconds)',
    );
    expect(describeBudget({ family: 'media-playback', requests: 4, perMs: 1500, retryAfter: 'none' })).toBe(
      'media-playback 4/1500ms (no Retry-After)',
    );
    expect(
      describeBudget({ family: 'media-playback', requests: 4, perMs: 7_200_000, retryAfter: 'http-date' }),
    ).toBe('media-playback 4/2h (Retry-After as an HTTP date)');
  });
});
