import { describe, expect, it } from 'vitest';
import { Reservoir } from './sample.js';

/** A seeded generator (mulberry32): the test is the same every time. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('Reservoir', () => {
  it('keeps everything offered up to its size, then exactly its size', () => {
    const r = new Reservoir<number>(5, seeded(1));
    for (let i = 0; i < 3; i++) r.offer(i);
    expect([...r.values]).toEqual([0, 1, 2]);
    for (let i = 3; i < 10_000; i++) r.offer(i);
    expect(r.values).toHaveLength(5);
    expect(new Set(r.values).size).toBe(5);
    expect(r.seen).toBe(10_000);
  });

  it('draws every value with the same chance, late ones included', () => {
    const random = seeded(7);
    const hits = new Array<number>(10).fill(0);
    for (let round = 0; round < 20_000; round++) {
      const r = new Reservoir<number>(2, random);
      for (let i = 0; i < 10; i++) r.offer(i);
      for (const v of r.values) hits[v]!++;
    }
    // Each value: 2/10 of 20 000 rounds = 4 000 expected.
    for (const n of hits) expect(Math.abs(n - 4000)).toBeLessThan(250);
  });

  it('refuses a size below 1', () => {
    expect(() => new Reservoir(0)).toThrow(RangeError);
  });
});
