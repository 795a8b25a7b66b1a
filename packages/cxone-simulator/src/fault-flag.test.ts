import { describe, expect, it } from 'vitest';
import { describeFault, parseFaultFlag, parseFaultFlags } from './fault-flag.js';

describe('parseFaultFlag', () => {
  it.each([
    [
      'media-playback:status=429',
      { route: 'media-playback', kind: 'status', status: 429, after: 0, count: 1 },
    ],
    [
      'media-playback:status=429,retry-after=2',
      { route: 'media-playback', kind: 'status', status: 429, retryAfterSeconds: 2, after: 0, count: 1 },
    ],
    [
      'contacts-completed:status=503,count=3,after=1',
      { route: 'contacts-completed', kind: 'status', status: 503, after: 1, count: 3 },
    ],
    ['*:latency=250,count=always', { route: '*', kind: 'latency', ms: 250, after: 0, count: 'always' }],
    ['media-file:reset', { route: 'media-file', kind: 'reset', after: 0, count: 1 }],
    [
      'media-file:reset=65536',
      { route: 'media-file', kind: 'reset', afterBytes: 65_536, after: 0, count: 1 },
    ],
    [
      'media-playback:expire-token,after=5',
      { route: 'media-playback', kind: 'expire-token', after: 5, count: 1 },
    ],
    ['contacts-completed:shift=2', { route: 'contacts-completed', kind: 'shift', by: 2, after: 0, count: 1 }],
    [
      'contacts-completed:duplicate',
      { route: 'contacts-completed', kind: 'duplicate', by: 1, after: 0, count: 1 },
    ],
  ])('reads %s', (raw, spec) => {
    expect(parseFaultFlag(raw)).toEqual({ ok: true, value: spec });
  });

  it.each([
    ['media-playback', /must be ROUTE:KIND/],
    ['nowhere:reset', /fault route must be \* or one of/],
    ['media-playback:explode', /unknown kind 'explode'/],
    ['media-playback:status', /needs a value/],
    ['media-playback:latency', /needs a value/],
    ['media-playback:expire-token=3', /takes no value/],
    ['media-playback:status=302', /status must be an HTTP status from 400 to 599/],
    ['media-playback:status=500,burst=2', /unknown setting 'burst=2'/],
    ['media-playback:status=500,count=2,count=3', /gives count twice/],
    ['media-playback:reset,retry-after=2', /retryAfterSeconds does not apply to kind reset/],
    ['media-playback:shift=1', /applies only to the contact listing/],
  ])('refuses %s', (raw, message) => {
    const parsed = parseFaultFlag(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toMatch(message);
      expect(parsed.message).toContain(`(got '${raw}'`);
    }
  });
});

describe('parseFaultFlags', () => {
  it('keeps the order and stops at the first bad one', () => {
    const parsed = parseFaultFlags(['media-file:reset', 'media-playback:status=500']);
    expect(parsed.ok && parsed.value.map((f) => f.route)).toEqual(['media-file', 'media-playback']);
    expect(parseFaultFlags(['media-file:reset', 'x']).ok).toBe(false);
  });

  it('describes a fault as its flag reads', () => {
    for (const raw of [
      'media-playback:status=429,retry-after=2',
      'contacts-completed:shift=2,after=1',
      '*:latency=9,count=always',
    ]) {
      const parsed = parseFaultFlag(raw);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(describeFault(parsed.value)).toBe(raw);
    }
  });
});
