import { Effect, Fiber } from 'effect';
import { TestClock } from 'effect/testing';
import { describe, expect, it } from 'vitest';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import { resolveBudgets } from './budgets.js';
import { backoffCeiling, type RetryInfo, type RetryPolicy, withRetry } from './retry.js';

const policy: RetryPolicy = {
  attempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 5000,
  maxElapsedMs: 60_000,
  maxWaitMs: 30_000,
};

/** An operation that answers from a script, one answer per call, and counts calls. */
const scripted = (answers: (PluginError | string)[]) => {
  let calls = 0;
  const op = Effect.suspend(() => {
    const answer = answers[Math.min(calls++, answers.length - 1)]!;
    return typeof answer === 'string' ? Effect.succeed(answer) : Effect.fail(answer);
  });
  return { op, calls: () => calls };
};

const runTest = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provide(effect, TestClock.layer()));

describe('the retry schedule', () => {
  it('grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeiling(policy, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('retries transient failures and succeeds, waiting on the clock between attempts', async () => {
    const { op, calls } = scripted([PluginErrors.transient('503'), PluginErrors.transient('reset'), 'done']);
    const retries: RetryInfo[] = [];
    const result = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          withRetry(op, policy, undefined, { onRetry: (i) => retries.push(i) }),
        );
        yield* TestClock.adjust(0);
        expect(calls()).toBe(1); // the second attempt waits for the clock
        yield* TestClock.adjust(policy.maxDelayMs);
        yield* TestClock.adjust(policy.maxDelayMs);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(result).toBe('done');
    expect(calls()).toBe(3);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    for (const r of retries) expect(r.delayMs).toBeLessThanOrEqual(backoffCeiling(policy, r.attempt));
  });

  it('never retries what no retry can fix', async () => {
    for (const error of [
      PluginErrors.auth('401'),
      PluginErrors.invalidInput('bad'),
      PluginErrors.permanent('no'),
      PluginErrors.notFound('gone'),
      PluginErrors.notYet('later'),
    ]) {
      const { op, calls } = scripted([error, 'done']);
      const exit = await runTest(Effect.result(withRetry(op, policy, undefined)));
      expect(exit._tag).toBe('Failure');
      expect(calls()).toBe(1);
    }
  });

  it('stops after `attempts`, saying so', async () => {
    const { op, calls } = scripted([PluginErrors.transient('503')]);
    const result = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.result(withRetry(op, policy, undefined)));
        for (let i = 0; i < 10; i++) yield* TestClock.adjust(policy.maxDelayMs);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(calls()).toBe(4);
    expect(result._tag === 'Failure' && result.failure.message).toBe('503 (gave up after 4 attempts)');
  });

  it('honours Retry-After as given, and refuses a wait beyond maxWait instead of sleeping for it', async () => {
    const { op, calls } = scripted([PluginErrors.throttled('slow', 12_000), 'done']);
    const delays: number[] = [];
    await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          withRetry(op, policy, undefined, { onRetry: (i) => delays.push(i.delayMs) }),
        );
        yield* TestClock.adjust(11_999);
        expect(calls()).toBe(1);
        yield* TestClock.adjust(1);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(delays).toEqual([12_000]);

    const huge = scripted([PluginErrors.throttled('slow', 3_600_000), 'done']);
    const stopped = await runTest(Effect.result(withRetry(huge.op, policy, undefined)));
    expect(huge.calls()).toBe(1);
    expect(stopped._tag === 'Failure' && stopped.failure.message).toMatch(
      /asked to wait 1\.0 h, longer than retry\.maxWait/,
    );
  });

  it('bounds the total time spent retrying (maxElapsed)', async () => {
    const { op, calls } = scripted([PluginErrors.transient('503')]);
    const tight = { ...policy, attempts: 100, maxElapsedMs: 12_000 };
    const result = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.result(withRetry(op, tight, undefined)));
        for (let i = 0; i < 40; i++) yield* TestClock.adjust(1000);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(calls()).toBeLessThan(100);
    expect(result._tag === 'Failure' && result.failure.message).toMatch(/retry\.maxElapsed/);
  });

  it('a Throttled answer for a budgeted family waits for the window without using an attempt', async () => {
    const { budgets } = resolveBudgets([{ family: 'media-playback', requests: 2, per: '10s' }], {});
    const bucket = budgets.get('media-playback')!;
    const throttled = PluginErrors.throttled('429', undefined, 'media-playback');
    // five throttled answers in a row would exhaust 4 attempts, but budget waits do not count
    const answers: (PluginError | string)[] = [throttled, throttled, throttled, throttled, throttled, 'done'];
    let calls = 0;
    const op = Effect.suspend(() =>
      bucket.take.pipe(
        Effect.flatMap(() => {
          const a = answers[calls++]!;
          return typeof a === 'string' ? Effect.succeed(a) : Effect.fail(a);
        }),
      ),
    );
    const infos: RetryInfo[] = [];
    const result = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          withRetry(op, { ...policy, maxElapsedMs: 600_000 }, budgets, { onRetry: (i) => infos.push(i) }),
        );
        for (let i = 0; i < 10; i++) yield* TestClock.adjust(10_000);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(result).toBe('done');
    expect(calls).toBe(6);
    expect(infos.every((i) => i.budgetWait)).toBe(true);
    expect(bucket.stats.throttled).toBe(5);
  });

  it('a budgeted family throttled for longer than maxWait blocks the family for maxWait at most, and stops the operation', async () => {
    const { budgets } = resolveBudgets([{ family: 'media-playback', requests: 5, per: '1m' }], {});
    const bucket = budgets.get('media-playback')!;
    const { op, calls } = scripted([PluginErrors.throttled('429', 3_600_000, 'media-playback'), 'done']);
    const stopped = await runTest(Effect.result(withRetry(op, policy, budgets)));
    expect(calls()).toBe(1);
    expect(stopped._tag === 'Failure' && stopped.failure.message).toMatch(
      /asked to wait 1\.0 h \(media-playback\), longer than retry\.maxWait/,
    );
    // the next request of the family waits maxWait (30 s here), not the hour the server asked for
    const waited = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(bucket.take);
        yield* TestClock.adjust(policy.maxWaitMs);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(waited).toBeLessThanOrEqual(policy.maxWaitMs);
  });
});
