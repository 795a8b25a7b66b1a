import { Effect, Random } from 'effect';
import type { Result } from 'neverthrow';
import { parseDuration } from '../duration.js';
import { isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const retryPolicyFrom = (retry: {
  attempts: number;
  initialDelay: string;
  maxDelay: string;
}): RetryPolicy => ({
  attempts: retry.attempts,
  initialDelayMs: parseDuration(retry.initialDelay),
  maxDelayMs: parseDuration(retry.maxDelay),
});

/** Upper bound of the wait before attempt `attempt + 1` (exponential, capped); the wait is drawn below it. */
export const backoffCeiling = (policy: RetryPolicy, attempt: number): number =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));

/**
 * The wait after a failed attempt: the server's `Retry-After` when it gave one, as given (waiting
 * less would be impolite; attempts stay bounded), else full jitter: uniform in [0, ceiling].
 */
export const retryDelay = (
  policy: RetryPolicy,
  attempt: number,
  error: PluginError,
): Effect.Effect<number> => {
  if (error._tag === 'Throttled' && error.retryAfterMs !== undefined) {
    return Effect.succeed(Math.max(0, error.retryAfterMs));
  }
  return Effect.map(Random.next, (r) => Math.floor(r * backoffCeiling(policy, attempt)));
};

export interface RetryEvents {
  onRetry?(attempt: number, error: PluginError, delayMs: number): void;
}

/**
 * Calls a plugin operation, retrying retryable failures with backoff. A plugin that throws or
 * rejects instead of returning an error is a defect: it becomes a Permanent error labelled with
 * the plugin and operation, never retried.
 */
export const callPlugin = <A>(
  label: string,
  operation: () => PromiseLike<Result<A, PluginError>>,
  policy: RetryPolicy,
  events: RetryEvents = {},
): Effect.Effect<A, PluginError> => {
  const once = Effect.tryPromise({
    try: async () => operation(),
    catch: (defect): PluginError =>
      PluginErrors.permanent(
        `${label}: defect (the plugin threw instead of returning an error): ${describeDefect(defect)}`,
        defect,
      ),
  }).pipe(
    Effect.flatMap((result) => (result.isOk() ? Effect.succeed(result.value) : Effect.fail(result.error))),
  );

  const attempt = (n: number): Effect.Effect<A, PluginError> =>
    Effect.catch(once, (error) => {
      if (!isRetryable(error) || n >= policy.attempts) return Effect.fail(error);
      return retryDelay(policy, n, error).pipe(
        Effect.tap((delay) => Effect.sync(() => events.onRetry?.(n, error, delay))),
        Effect.flatMap((delay) => Effect.sleep(delay)),
        Effect.flatMap(() => attempt(n + 1)),
      );
    });
  return attempt(1);
};

const describeDefect = (defect: unknown): string =>
  defect instanceof Error ? defect.message : String(defect);
