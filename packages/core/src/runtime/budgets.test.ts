import { Effect, Fiber } from 'effect';
import { TestClock } from 'effect/testing';
import { describe, expect, it } from 'vitest';
import { RequestBudget, resolveBudgets, windowMargin } from './budgets.js';

const runTest = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provide(effect, TestClock.layer()));

describe('request budgets', () => {
  it('allows `requests` at once, then each further request when the oldest leaves the window, in arrival order', async () => {
    const bucket = new RequestBudget({ family: 'f', requests: 3, perMs: 3000, origin: 'declared' });
    const done: number[] = [];
    await runTest(
      Effect.gen(function* () {
        const fibers = [];
        for (let i = 0; i < 6; i++)
          fibers.push(yield* Effect.forkChild(Effect.map(bucket.take, () => done.push(i))));
        const window = 3000 + windowMargin(3000);
        yield* TestClock.adjust(0);
        expect(done).toEqual([0, 1, 2]);
        yield* TestClock.adjust(window - 1);
        expect(done).toEqual([0, 1, 2]);
        yield* TestClock.adjust(1);
        expect(done).toEqual([0, 1, 2, 3, 4, 5]);
        for (const f of fibers) yield* Fiber.join(f);
      }),
    );
    expect(bucket.stats).toMatchObject({ taken: 6, waits: 3 });
  });

  it('never lets more than `requests` through in any window', async () => {
    const bucket = new RequestBudget({ family: 'f', requests: 5, perMs: 10_000, origin: 'declared' });
    const at: number[] = [];
    await runTest(
      Effect.gen(function* () {
        const fibers = [];
        for (let i = 0; i < 40; i++)
          fibers.push(
            yield* Effect.forkChild(
              bucket.take.pipe(
                Effect.flatMap(() =>
                  TestClock.testClockWith((c) => Effect.sync(() => at.push(c.currentTimeMillisUnsafe()))),
                ),
              ),
            ),
          );
        for (let t = 0; t < 100; t++) yield* TestClock.adjust(1000);
        for (const f of fibers) yield* Fiber.join(f);
      }),
    );
    expect(at).toHaveLength(40);
    for (const start of at)
      expect(at.filter((t) => t >= start && t < start + 10_000).length).toBeLessThanOrEqual(5);
  });

  it('a server throttle blocks the family until Retry-After, or a whole window when none was given', async () => {
    const bucket = new RequestBudget({ family: 'f', requests: 10, perMs: 60_000, origin: 'declared' });
    expect(bucket.throttled(0, 5000)).toBe(5000);
    const waited = await runTest(
      bucket.take.pipe(
        Effect.forkChild,
        Effect.tap(() => TestClock.adjust(5000)),
        Effect.flatMap(Fiber.join),
      ),
    );
    expect(waited).toBe(5000);
    const other = new RequestBudget({ family: 'g', requests: 10, perMs: 60_000, origin: 'declared' });
    expect(other.throttled(0, undefined)).toBe(60_000);
  });

  it('the pipeline overrides a declared budget; two plugins declaring one family share the stricter', () => {
    const { budgets, unknownOverrides } = resolveBudgets(
      [
        { family: 'media-playback', requests: 150, per: '5m' },
        { family: 'media-playback', requests: 100, per: '5m' },
        { family: 'reporting', requests: 10, per: '1s' },
      ],
      { reporting: { requests: 2, per: '1s' }, typo: { requests: 1, per: '1s' } },
    );
    expect(budgets.get('media-playback')!.spec).toMatchObject({ requests: 100, perMs: 300_000 });
    expect(budgets.get('reporting')!.spec).toMatchObject({ requests: 2, perMs: 1000, origin: 'pipeline' });
    expect(unknownOverrides).toEqual(['typo']);
  });

  it('counts a request when it is let through: requests held by a throttle never crowd one window', async () => {
    const bucket = new RequestBudget({ family: 'f', requests: 2, perMs: 1000, origin: 'pipeline' });
    const at: number[] = [];
    const stamp = bucket.take.pipe(
      Effect.flatMap(() =>
        TestClock.testClockWith((c) => Effect.sync(() => at.push(c.currentTimeMillisUnsafe()))),
      ),
    );
    await runTest(
      Effect.gen(function* () {
        const first = [];
        for (let i = 0; i < 3; i++) first.push(yield* Effect.forkChild(stamp));
        yield* TestClock.adjust(10);
        bucket.throttled(10, 2000);
        yield* TestClock.adjust(2000);
        const later = [];
        for (let i = 0; i < 2; i++) later.push(yield* Effect.forkChild(stamp));
        yield* TestClock.adjust(5000);
        for (const f of [...first, ...later]) yield* Fiber.join(f);
      }),
    );
    expect(at).toHaveLength(5);
    const window = 1000 + windowMargin(1000);
    for (const start of at)
      expect(at.filter((t) => t >= start && t < start + window).length).toBeLessThanOrEqual(2);
  });

  it('keeps a margin on the window, for requests that reach the server later than they left', () => {
    expect(windowMargin(1500)).toBe(250);
    expect(windowMargin(300_000)).toBe(6000);
  });
});
