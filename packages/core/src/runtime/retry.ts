import { Cause, Clock, Duration, Effect, Random, Schedule } from 'effect';
import { parseDuration } from '../duration.js';
import { isRetryable, type PluginError } from '../plugin/errors.js';
import type { Budgets } from './budgets.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. Waits for a declared budget do not count. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest time one operation is retried for, waits included. */
  readonly maxElapsedMs: number;
  /** Longest single wait accepted, a server's Retry-After included. */
  readonly maxWaitMs: number;
}

export const retryPolicyFrom = (retry: {
  readonly attempts: number;
  readonly initialDelay: string;
  readonly maxDelay: string;
  readonly maxElapsed?: string;
  readonly maxWait?: string;
}): RetryPolicy => ({
  attempts: retry.attempts,
  initialDelayMs: parseDuration(retry.initialDelay),
  maxDelayMs: parseDuration(retry.maxDelay),
  maxElapsedMs: parseDuration(retry.maxElapsed ?? '10m'),
  maxWaitMs: parseDuration(retry.maxWait ?? '5m'),
});

/** Upper bound of the backoff before attempt `attempt + 1` (exponential, capped); the wait is drawn below it. */
export const backoffCeiling = (policy: RetryPolicy, attempt: number): number =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));

export interface RetryInfo {
  /** Counted attempts so far (budget waits excluded). */
  readonly attempt: number;
  readonly error: PluginError;
  readonly delayMs: number;
  /** The wait is for a declared API budget after the server throttled it: no attempt was used. */
  readonly budgetWait: boolean;
}

export interface RetryHooks {
  onRetry?(info: RetryInfo): void;
}

const describeMs = (ms: number): string =>
  ms >= 3_600_000
    ? `${(ms / 3_600_000).toFixed(1)} h`
    : ms >= 60_000
      ? `${(ms / 60_000).toFixed(1)} min`
      : `${(ms / 1000).toFixed(1)} s`;

/**
 * The retry schedule of one operation, as an Effect `Schedule` whose input is the failure:
 * - a failure that is not retryable stops at once;
 * - `Throttled` for a family with a declared budget blocks that family's bucket until the server's
 *   `Retry-After` (or a whole window) and retries without using an attempt: running out of budget
 *   waits, it never fails the item;
 * - other `Throttled` with `Retry-After` waits as the server said;
 * - else exponential backoff with full jitter, capped at `maxDelay`;
 * - bounded by `attempts` and by `maxElapsed`; a single wait above `maxWait` stops instead of
 *   sleeping for it (why is kept in `state.stopped`).
 */
export const retrySchedule = (
  policy: RetryPolicy,
  budgets: Budgets | undefined,
  hooks: RetryHooks,
  state: { stopped?: string },
): Schedule.Schedule<number, PluginError> =>
  Schedule.fromStepWithMetadata(
    Effect.sync(() => {
      let counted = 1;
      return (meta: Schedule.InputMetadata<PluginError>) =>
        Effect.gen(function* () {
          const error = meta.input;
          if (!isRetryable(error)) return yield* Cause.done(counted);
          const now = yield* Clock.currentTimeMillis;
          let delay: number;
          let budgetWait = false;
          const bucket =
            error._tag === 'Throttled' && error.family !== undefined ? budgets?.get(error.family) : undefined;
          if (bucket && error._tag === 'Throttled') {
            budgetWait = true;
            // The bucket makes every request of the family wait; this retry itself goes at once and
            // waits in the plugin's `budget.take`. The delay returned here is what it will wait.
            const asked = error.retryAfterMs ?? bucket.spec.perMs;
            // The family waits as the server asked, but never longer than maxWait: a server asking
            // for more stops this operation (the item stays failed, and the next run retries it).
            const wait = bucket.throttled(now, Math.min(asked, policy.maxWaitMs));
            if (asked > policy.maxWaitMs) {
              state.stopped = `the server asked to wait ${describeMs(asked)} (${error.family}), longer than retry.maxWait (${describeMs(policy.maxWaitMs)})`;
              return yield* Cause.done(counted);
            }
            delay = 0;
            hooks.onRetry?.({ attempt: counted, error, delayMs: wait, budgetWait });
          } else {
            if (counted >= policy.attempts) {
              state.stopped = `gave up after ${counted} attempts`;
              return yield* Cause.done(counted);
            }
            if (error._tag === 'Throttled' && error.retryAfterMs !== undefined) {
              delay = Math.max(0, error.retryAfterMs);
              if (delay > policy.maxWaitMs) {
                state.stopped = `the server asked to wait ${describeMs(delay)}, longer than retry.maxWait (${describeMs(policy.maxWaitMs)})`;
                return yield* Cause.done(counted);
              }
            } else {
              delay = Math.floor((yield* Random.next) * backoffCeiling(policy, counted));
            }
            counted++;
            hooks.onRetry?.({ attempt: counted - 1, error, delayMs: delay, budgetWait });
          }
          if (meta.elapsed + delay > policy.maxElapsedMs) {
            state.stopped = `gave up after ${describeMs(meta.elapsed)} of retries (retry.maxElapsed ${describeMs(policy.maxElapsedMs)})`;
            return yield* Cause.done(counted);
          }
          return [counted, Duration.millis(delay)] as [number, Duration.Duration];
        });
    }),
  );

/** Says why retrying stopped, when it stopped for a reason the error itself does not tell. */
const annotate = (error: PluginError, stopped: string | undefined): PluginError =>
  stopped === undefined || !isRetryable(error)
    ? error
    : { ...error, message: `${error.message} (${stopped})` };

/** Runs `effect`, retrying retryable failures by `retrySchedule`. */
export const withRetry = <A, R>(
  effect: Effect.Effect<A, PluginError, R>,
  policy: RetryPolicy,
  budgets: Budgets | undefined,
  hooks: RetryHooks = {},
): Effect.Effect<A, PluginError, R> =>
  Effect.suspend(() => {
    const state: { stopped?: string } = {};
    return effect.pipe(
      Effect.retry(retrySchedule(policy, budgets, hooks, state)),
      Effect.mapError((error) => annotate(error, state.stopped)),
    );
  });
