import { describe, expect, it } from 'vitest';
import { createRng, createRngFromString, formatUuid, uuidFromString } from './prng.js';

describe('seeded PRNG', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps int() inside its inclusive bounds and reaches both ends', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = rng.int(3, 6);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(6);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('rejects an empty range and an empty pick', () => {
    const rng = createRng(1);
    expect(() => rng.int(5, 4)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
  });

  it('seeds from strings deterministically', () => {
    expect(createRngFromString('a').nextUint32()).toBe(createRngFromString('a').nextUint32());
    expect(createRngFromString('a').nextUint32()).not.toBe(createRngFromString('b').nextUint32());
  });

  it('formats version-4 UUIDs', () => {
    const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(createRng(1).uuid()).toMatch(uuidPattern);
    expect(formatUuid(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuidFromString('x')).toBe(uuidFromString('x'));
    expect(uuidFromString('x')).not.toBe(uuidFromString('y'));
  });
});
