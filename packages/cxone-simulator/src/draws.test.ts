import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Draws } from './draws.js';
import { createRng } from './prng.js';

describe('Draws', () => {
  it('draws exactly what createRng draws for the same seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.array(fc.constantFrom('uint', 'next', 'int', 'chance', 'pick', 'uuid'), { maxLength: 60 }),
        (seed, calls) => {
          const fast = new Draws(seed);
          const reference = createRng(seed);
          const items = ['a', 'b', 'c', 'd', 'e'];
          for (const call of calls) {
            if (call === 'uint') expect(fast.nextUint32()).toBe(reference.nextUint32());
            else if (call === 'next') expect(fast.next()).toBe(reference.next());
            else if (call === 'int') expect(fast.int(-7, 1_000_003)).toBe(reference.int(-7, 1_000_003));
            else if (call === 'chance') expect(fast.chance(0.3)).toBe(reference.chance(0.3));
            else if (call === 'pick') expect(fast.pick(items)).toBe(reference.pick(items));
            else expect(fast.uuid()).toBe(reference.uuid());
          }
        },
      ),
    );
  });

  it('refuses a bad range and an empty list as createRng does', () => {
    expect(() => new Draws(1).int(3, 2)).toThrow(RangeError);
    expect(() => new Draws(1).int(0.5, 2)).toThrow(RangeError);
    expect(() => new Draws(1).pick([])).toThrow(RangeError);
  });
});
