import { Clock, Effect } from 'effect';
import { parseDuration } from '../duration.js';
import type { BudgetDeclaration } from '../plugin/define-plugin.js';

/** One API family's budget as the run enforces it. */
export interface BudgetSpec {
  readonly family: string;
  readonly requests: number;
  readonly perMs: number;
  /** Who set it: the plugin's declaration, or the pipeline's `budgets:` block. */
  readonly origin: 'declared' | 'pipeline';
}

export interface BudgetStats {
  /** Requests counted against the budget. */
  readonly taken: number;
  /** Takes that had to wait, and the total time they waited. */
  readonly waits: number;
  readonly waitedMs: number;
  /** `Throttled` answers the server gave for this family despite the budget. */
  readonly throttled: number;
}

/**
 * A request budget: at most `requests` requests in any window of `perMs` (a sliding window, so the
 * server's limit is never exceeded whatever its window boundaries are). A take reserves the
 * earliest time the window allows and sleeps until then, so concurrent fibers queue in arrival
 * order instead of stampeding; an interrupted take gives its slot back. Time comes from Effect's
 * Clock, so TestClock drives it. Memory: the last `requests` grant times.
 */
export class RequestBudget {
  readonly spec: BudgetSpec;
  /** Times of the last `requests` grants, ascending (some may be in the future: reserved). */
  readonly #grants: number[] = [];
  #blockedUntil = 0;
  #stats = { taken: 0, waits: 0, waitedMs: 0, throttled: 0 };

  constructor(spec: BudgetSpec) {
    this.spec = spec;
  }

  get stats(): BudgetStats {
    return { ...this.#stats };
  }

  #reserve(now: number): number {
    let at = Math.max(now, this.#blockedUntil);
    const n = this.#grants.length;
    if (n >= this.spec.requests) at = Math.max(at, this.#grants[n - this.spec.requests]! + this.spec.perMs);
    this.#grants.push(at);
    if (this.#grants.length > this.spec.requests) this.#grants.shift();
    return at;
  }

  /** Waits for one request's worth of budget; the effect's value is the time it waited. */
  readonly take: Effect.Effect<number> = Effect.suspend(() =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const at = this.#reserve(now);
      this.#stats.taken++;
      const waitUntilAllowed: Effect.Effect<number> = Effect.flatMap(Clock.currentTimeMillis, (t) =>
        // A server's "wait" that came in while this take slept applies to it too.
        t < this.#blockedUntil
          ? Effect.flatMap(Effect.sleep(this.#blockedUntil - t), () => waitUntilAllowed)
          : Effect.succeed(t),
      );
      const sleep = at > now ? Effect.sleep(at - now) : Effect.void;
      return sleep.pipe(
        Effect.flatMap(() => waitUntilAllowed),
        Effect.map((t) => {
          const waited = t - now;
          if (waited > 0) {
            this.#stats.waits++;
            this.#stats.waitedMs += waited;
          }
          return waited;
        }),
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const i = this.#grants.lastIndexOf(at);
            if (i >= 0) this.#grants.splice(i, 1);
            this.#stats.taken--;
          }),
        ),
      );
    }),
  );

  /**
   * The server throttled a request of this family although the budget allowed it (the budget is
   * shared with other clients, or set too high): nobody sends before `retryAfterMs`, or before a
   * whole window has passed when the server did not say. Returns how long that is from `now`.
   */
  throttled(now: number, retryAfterMs: number | undefined): number {
    this.#stats.throttled++;
    this.#blockedUntil = Math.max(this.#blockedUntil, now + (retryAfterMs ?? this.spec.perMs));
    return this.#blockedUntil - now;
  }
}

/** Every budget of a run, by family; shared by every fiber and every plugin of the run. */
export class Budgets {
  readonly #buckets = new Map<string, RequestBudget>();

  constructor(specs: readonly BudgetSpec[]) {
    for (const spec of specs) this.#buckets.set(spec.family, new RequestBudget(spec));
  }

  get(family: string): RequestBudget | undefined {
    return this.#buckets.get(family);
  }

  families(): string[] {
    return [...this.#buckets.keys()].sort();
  }

  specs(): BudgetSpec[] {
    return this.families().map((f) => this.#buckets.get(f)!.spec);
  }

  stats(): Record<string, BudgetStats & { readonly requests: number; readonly per: string }> {
    const out: Record<string, BudgetStats & { requests: number; per: string }> = {};
    for (const family of this.families()) {
      const bucket = this.#buckets.get(family)!;
      out[family] = { requests: bucket.spec.requests, per: `${bucket.spec.perMs}ms`, ...bucket.stats };
    }
    return out;
  }
}

/**
 * The run's budgets: every family the plugins declare, with the pipeline's `budgets:` block
 * overriding requests and window. Two plugins declaring one family share it (the stricter wins).
 * Returns the families the pipeline names that no plugin declares, so the caller can warn.
 */
export const resolveBudgets = (
  declared: readonly BudgetDeclaration[],
  overrides: Readonly<Record<string, { readonly requests: number; readonly per: string }>>,
): { budgets: Budgets; unknownOverrides: string[] } => {
  const specs = new Map<string, BudgetSpec>();
  for (const d of declared) {
    const spec: BudgetSpec = {
      family: d.family,
      requests: d.requests,
      perMs: parseDuration(d.per),
      origin: 'declared',
    };
    const existing = specs.get(d.family);
    if (!existing || spec.requests / spec.perMs < existing.requests / existing.perMs)
      specs.set(d.family, spec);
  }
  const unknownOverrides: string[] = [];
  for (const [family, o] of Object.entries(overrides)) {
    if (!specs.has(family)) unknownOverrides.push(family);
    specs.set(family, { family, requests: o.requests, perMs: parseDuration(o.per), origin: 'pipeline' });
  }
  return { budgets: new Budgets([...specs.values()]), unknownOverrides };
};
