import { Effect, Semaphore } from 'effect';
import type { Result } from 'neverthrow';
import { fromStreamError, type PluginError, PluginErrors } from '../plugin/errors.js';

/** A created plugin as the run holds it. */
export interface PluginHandle<T> {
  /** Where it sits in the pipeline file (`sinks[0]`): its name in labels, reports and the ledger. */
  readonly label: string;
  readonly packageName: string;
  readonly instance: T;
  /** `limits.maxInFlight` as a semaphore; absent when the plugin declares no limit. */
  readonly permits?: Semaphore.Semaphore;
}

/**
 * Plugin operations that have started and not settled. When a run is interrupted, the signals of
 * these operations abort; the harness waits for them to settle before it closes the plugins and the
 * ledger, so nothing is written after the run returns.
 */
export class InFlight {
  readonly #running = new Map<Promise<unknown>, string>();

  track<T>(label: string, promise: Promise<T>): Promise<T> {
    const settled = promise.finally(() => this.#running.delete(settled));
    this.#running.set(settled, label);
    settled.catch(() => undefined);
    return settled;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Waits until every tracked operation settled, or `timeoutMs` passed; returns the labels still running. */
  async settle(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running.keys()]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    return [...this.#running.values()];
  }
}

const describe = (defect: unknown): string => (defect instanceof Error ? defect.message : String(defect));

/** Prefixes a plugin's error with where it came from, once: `sinks[0].put: …`. */
export const labelled = (error: PluginError, where: string): PluginError =>
  error.message.startsWith(`${where}: `) ? error : { ...error, message: `${where}: ${error.message}` };

/** A plugin that threw or rejected instead of returning an error: a defect, never retried. */
export const defect = (where: string, cause: unknown): PluginError =>
  PluginErrors.permanent(
    `${where}: defect (the plugin threw instead of returning an error): ${describe(cause)}`,
    cause,
  );

/** A stream a plugin produced failed while it flowed: classified by the plugin if it tagged it, labelled. */
export const streamFailure = (where: string, cause: unknown): PluginError =>
  labelled(fromStreamError(cause), where);

/**
 * The one way the runtime calls a plugin operation: applies the plugin's `maxInFlight`, hands the
 * operation an AbortSignal that aborts when the calling fiber is interrupted, tracks the operation
 * until it settles, labels every failure `label.operation`, and turns a throw or rejection into a
 * labelled defect. Retries are the caller's (`withRetry`).
 */
/** A plugin operation's result as the runtime takes it: its value, or its labelled error. */
export type Called<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: PluginError };

/** What an operation gave, checked: a Result's value or labelled error; anything else a defect. */
const checked = <A>(where: string, result: Result<A, PluginError>): Called<A> =>
  result === null || typeof result !== 'object' || typeof result.isOk !== 'function'
    ? { ok: false, error: defect(where, new TypeError(`returned ${String(result)} instead of a Result`)) }
    : result.isOk()
      ? { ok: true, value: result.value }
      : { ok: false, error: labelled(result.error, where) };

/**
 * `invoke` for callers outside a fiber (a page's quick pass): the same permits, tracking, labels
 * and defects, as a promise that never rejects. `signal` is the caller's (the run's).
 */
export const call = async <A>(
  inflight: InFlight,
  handle: { readonly label: string; readonly permits?: Semaphore.Semaphore },
  operation: string,
  run: (signal: AbortSignal) => PromiseLike<Result<A, PluginError>>,
  signal: AbortSignal,
): Promise<Called<A>> => {
  const where = `${handle.label}.${operation}`;
  const permits = handle.permits;
  if (permits && !Effect.runSync(permits.takeIfAvailable(1))) await Effect.runPromise(permits.take(1));
  try {
    let started: Promise<Result<A, PluginError>>;
    try {
      started = Promise.resolve(run(signal));
    } catch (thrown) {
      started = Promise.reject(thrown);
    }
    return checked(where, await inflight.track(where, started));
  } catch (cause) {
    return { ok: false, error: defect(where, cause) };
  } finally {
    if (permits) Effect.runSync(permits.release(1));
  }
};

export const invoke = <A>(
  inflight: InFlight,
  handle: { readonly label: string; readonly permits?: Semaphore.Semaphore },
  operation: string,
  call: (signal: AbortSignal) => PromiseLike<Result<A, PluginError>>,
): Effect.Effect<A, PluginError> => {
  const where = `${handle.label}.${operation}`;
  const once = Effect.tryPromise({
    try: (signal) => {
      let started: Promise<Result<A, PluginError>>;
      try {
        started = Promise.resolve(call(signal));
      } catch (thrown) {
        started = Promise.reject(thrown);
      }
      return inflight.track(where, started);
    },
    catch: (cause) => defect(where, cause),
  }).pipe(
    Effect.flatMap((result) => {
      const c = checked(where, result);
      return c.ok ? Effect.succeed(c.value) : Effect.fail(c.error);
    }),
  );
  return handle.permits ? Semaphore.withPermits(handle.permits, 1)(once) : once;
};
