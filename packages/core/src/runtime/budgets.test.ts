import { Effect, Fiber } from 'effect';
import { TestClock } from 'effect/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_WINDOW_MARGIN_MS,
  RequestBudget,
  resolveBudgets,
  UNSETTLED_HOLD_MS,
  windowMargin,
} from './budgets.js';

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

  it('keeps a margin on the window: a real-time floor, and a share of long windows', () => {
    expect(windowMargin(1500)).toBe(250);
    expect(windowMargin(10_000)).toBe(250);
    // CXone's Media Playback window: 1.5 s, so 99.5 % of the budget stays usable.
    expect(windowMargin(300_000)).toBe(1500);
    expect(new RequestBudget({ family: 'f', requests: 1, perMs: 300_000, origin: 'declared' }).windowMs).toBe(
      301_500,
    );
  });

  it("the pipeline's margin replaces the default one, and the budget waits exactly that much longer", async () => {
    const { budgets } = resolveBudgets([{ family: 'f', requests: 150, per: '5m' }], {
      f: { requests: 2, per: '3s', margin: '30ms' },
    });
    const bucket = budgets.get('f')!;
    expect(bucket.spec).toMatchObject({ requests: 2, perMs: 3000, marginMs: 30 });
    const at: number[] = [];
    const stamp = bucket.take.pipe(
      Effect.flatMap(() =>
        TestClock.testClockWith((c) => Effect.sync(() => at.push(c.currentTimeMillisUnsafe()))),
      ),
    );
    await runTest(
      Effect.gen(function* () {
        const fibers = [];
        for (let i = 0; i < 3; i++) fibers.push(yield* Effect.forkChild(stamp));
        yield* TestClock.adjust(3029);
        expect(at).toEqual([0, 0]);
        yield* TestClock.adjust(1);
        for (const f of fibers) yield* Fiber.join(f);
      }),
    );
    expect(at).toEqual([0, 0, 3030]);
    // Without a margin in the pipeline, the default applies.
    const plain = resolveBudgets([], { f: { requests: 2, per: '3s' } }).budgets.get('f')!;
    expect(plain.spec.marginMs).toBeUndefined();
    expect(plain.windowMs).toBe(3000 + windowMargin(3000));
  });

  it("takes on an earlier run's places: a run started right after another waits for the window they fill", async () => {
    const earlier = new RequestBudget({ family: 'f', requests: 3, perMs: 10_000, origin: 'declared' });
    const window = earlier.windowMs;
    await runTest(
      Effect.gen(function* () {
        yield* TestClock.setTime(1000);
        for (let i = 0; i < 3; i++) yield* earlier.take;
      }),
    );
    const saved = earlier.state(2000);
    expect(saved).toEqual({ heldUntil: [1000 + window, 1000 + window, 1000 + window], blockedUntil: 0 });

    const later = new RequestBudget({ family: 'f', requests: 3, perMs: 10_000, origin: 'declared' });
    later.restore(saved, 2000);
    const at: number[] = [];
    await runTest(
      Effect.gen(function* () {
        yield* TestClock.setTime(2000);
        const fiber = yield* Effect.forkChild(
          later.take.pipe(
            Effect.flatMap(() =>
              TestClock.testClockWith((c) => Effect.sync(() => at.push(c.currentTimeMillisUnsafe()))),
            ),
          ),
        );
        yield* TestClock.adjust(window - 1001);
        expect(at).toEqual([]);
        yield* TestClock.adjust(1);
        yield* Fiber.join(fiber);
      }),
    );
    expect(at).toEqual([1000 + window]);
  });

  it('restores only what still counts: places already free are forgotten, far ones cut to a window, a throttle kept', () => {
    const bucket = new RequestBudget({ family: 'f', requests: 2, perMs: 1000, origin: 'declared' });
    const window = bucket.windowMs;
    bucket.restore({ heldUntil: [0, 9_000, 500_000], blockedUntil: 10_500 }, 10_000);
    // 0 and 9 000 are over; 500 000 (a clock set back since) is held one window from now.
    expect(bucket.state(10_000)).toEqual({ heldUntil: [10_000 + window], blockedUntil: 10_500 });
    // A block further away than a window (the clock was set back) is cut to one window.
    const other = new RequestBudget({ family: 'f', requests: 2, perMs: 1000, origin: 'declared' });
    other.restore({ heldUntil: [], blockedUntil: 99_999 }, 10_000);
    expect(other.state(10_000).blockedUntil).toBe(11_000);
    // More places than the budget's requests: those held longest decide.
    const few = new RequestBudget({ family: 'f', requests: 2, perMs: 1000, origin: 'declared' });
    few.restore({ heldUntil: [10_100, 10_150, 10_190], blockedUntil: 0 }, 10_000);
    expect(few.state(10_000).heldUntil).toEqual([10_150, 10_190]);
    expect(few.state(10_150).heldUntil).toEqual([10_190]);
  });

  describe('a request whose answer is reported (takeTracked)', () => {
    const now = TestClock.testClockWith((c) => Effect.sync(() => c.currentTimeMillisUnsafe()));
    /** One tracked request settled after `settleAfter` ms (never when undefined), then when a second one goes. */
    const secondAfter = async (settleAfter: number | undefined, answered = true) => {
      const bucket = new RequestBudget({ family: 'f', requests: 1, perMs: 3000, origin: 'declared' });
      let second: number | undefined;
      await runTest(
        Effect.gen(function* () {
          const ticket = yield* bucket.takeTracked;
          const next = yield* Effect.forkChild(
            Effect.flatMap(bucket.take, () =>
              Effect.map(now, (t) => {
                second = t;
              }),
            ),
          );
          if (settleAfter !== undefined) {
            yield* TestClock.adjust(settleAfter);
            yield* ticket.settle(answered);
            yield* ticket.settle(true);
          }
          yield* TestClock.adjust(UNSETTLED_HOLD_MS + 10_000);
          yield* Fiber.join(next);
        }),
      );
      return { second, bucket };
    };

    it('answered quickly, its place is free a window (and 0.1 %) after the answer: sooner than the margin allows', async () => {
      const { second, bucket } = await secondAfter(10);
      expect(bucket.answeredWindowMs).toBe(3003);
      expect(second).toBe(10 + 3003);
      expect(second).toBeLessThan(bucket.windowMs);
    });

    it('answered slowly, its place is held a window after the answer: longer than the margin would', async () => {
      const { second, bucket } = await secondAfter(1000);
      expect(second).toBe(1000 + 3003);
      expect(second).toBeGreaterThan(bucket.windowMs);
    });

    it('ended without an answer, it holds its place for the longer of both rules and the real-time margin', async () => {
      const { second, bucket } = await secondAfter(10, false);
      expect(second).toBe(Math.max(bucket.windowMs, 10 + 3003 + MIN_WINDOW_MARGIN_MS));
    });

    it('never settled, it holds its place past the window for UNSETTLED_HOLD_MS, then lets the family go on', async () => {
      const { second, bucket } = await secondAfter(undefined);
      expect(second).toBe(bucket.windowMs + UNSETTLED_HOLD_MS);
    });

    it('the server never counts more than the budget in a window, wherever between a request and its answer it counts it', async () => {
      const maxInAnyWindow = (times: number[], perMs: number) => {
        const sorted = [...times].sort((a, b) => a - b);
        let most = 0;
        for (let i = 0; i < sorted.length; i++) {
          let j = i;
          while (j < sorted.length && sorted[j]! < sorted[i]! + perMs) j++;
          most = Math.max(most, j - i);
        }
        return most;
      };
      const request = fc.record({
        answerMs: fc.integer({ min: 0, max: 2000 }),
        // Where between being let through and the answer the server counts it (0..1).
        countedAt: fc.double({ min: 0, max: 1, noNaN: true }),
        answered: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.array(request, { minLength: 1, maxLength: 16 }),
          async (requests, list) => {
            const perMs = 1000;
            const bucket = new RequestBudget({ family: 'f', requests, perMs, origin: 'declared' });
            const counted: number[] = [];
            await runTest(
              Effect.gen(function* () {
                const fibers = [];
                for (const r of list)
                  fibers.push(
                    yield* Effect.forkChild(
                      Effect.gen(function* () {
                        const ticket = yield* bucket.takeTracked;
                        const sent = yield* now;
                        yield* Effect.sleep(r.answerMs);
                        // Without an answer, what was sent may arrive up to the real-time margin later.
                        const latest = r.answered ? r.answerMs : r.answerMs + MIN_WINDOW_MARGIN_MS;
                        counted.push(sent + r.countedAt * latest);
                        yield* ticket.settle(r.answered);
                      }),
                    ),
                  );
                for (let t = 0; t < 200; t++) yield* TestClock.adjust(250);
                for (const f of fibers) yield* Fiber.join(f);
              }),
            );
            expect(counted).toHaveLength(list.length);
            expect(maxInAnyWindow(counted, perMs)).toBeLessThanOrEqual(requests);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});
