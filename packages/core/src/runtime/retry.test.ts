import { Effect, Fiber } from 'effect';
import { TestClock } from 'effect/testing';
import { err, ok, type Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import { backoffCeiling, callPlugin, type RetryPolicy, retryDelay } from './retry.js';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 1000, maxDelayMs: 5000 };

/** An operation that answers from a script, one answer per call, and counts calls. */
const scripted = (answers: Result<string, PluginError>[]) => {
  let calls = 0;
  const op = () => Promise.resolve(answers[Math.min(calls++, answers.length - 1)]!);
  return { op, calls: () => calls };
};

const runTest = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provide(effect, TestClock.layer()));

describe('backoff', () => {
  it('grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeiling(policy, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('draws full jitter below the ceiling, and honours Retry-After as given', async () => {
    for (let i = 0; i < 50; i++) {
      const d = await Effect.runPromise(retryDelay(policy, 3, PluginErrors.transient('x')));
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(4000);
    }
    expect(await Effect.runPromise(retryDelay(policy, 1, PluginErrors.throttled('slow', 2500)))).toBe(2500);
    expect(await Effect.runPromise(retryDelay(policy, 1, PluginErrors.throttled('slow', 60_000)))).toBe(
      60_000,
    );
  });
});

describe('callPlugin', () => {
  it('retries transient failures and succeeds, waiting on the clock between attempts', async () => {
    const { op, calls } = scripted([
      err(PluginErrors.transient('503')),
      err(PluginErrors.transient('reset')),
      ok('done'),
    ]);
    const retries: number[] = [];
    const result = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          callPlugin('sink.put', op, policy, { onRetry: (n) => retries.push(n) }),
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
    expect(retries).toEqual([1, 2]);
  });

  it('waits exactly Retry-After when the server sends one', async () => {
    const { op, calls } = scripted([err(PluginErrors.throttled('429', 3000)), ok('done')]);
    await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(callPlugin('source.fetch', op, policy));
        yield* TestClock.adjust(2999);
        expect(calls()).toBe(1);
        yield* TestClock.adjust(1);
        expect(yield* Fiber.join(fiber)).toBe('done');
      }),
    );
    expect(calls()).toBe(2);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const { op, calls } = scripted([err(PluginErrors.transient('still down'))]);
    const error = await runTest(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.flip(callPlugin('sink.put', op, policy)));
        for (let i = 0; i < policy.attempts; i++) yield* TestClock.adjust(policy.maxDelayMs);
        return yield* Fiber.join(fiber);
      }),
    );
    expect(error).toMatchObject({ _tag: 'Transient', message: 'still down' });
    expect(calls()).toBe(policy.attempts);
  });

  it.each([
    PluginErrors.invalidInput('bad'),
    PluginErrors.auth('denied'),
    PluginErrors.notFound('gone'),
    PluginErrors.alreadyExists('there'),
    PluginErrors.permanent('no'),
  ])('never retries $_tag', async (failure) => {
    const { op, calls } = scripted([err(failure), ok('never')]);
    const error = await runTest(Effect.flip(callPlugin('x', op, policy)));
    expect(error).toBe(failure);
    expect(calls()).toBe(1);
  });

  it('turns a thrown exception into a labelled, non-retried defect', async () => {
    let calls = 0;
    const op = (): Promise<Result<string, PluginError>> => {
      calls++;
      throw new TypeError('undefined is not a function');
    };
    const error = await runTest(Effect.flip(callPlugin('sinks[0].put', op, policy)));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('sinks[0].put: defect');
    expect(error.message).toContain('undefined is not a function');
    expect(calls).toBe(1);
  });
});
