import { Clock, Effect, Semaphore } from 'effect';
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
 * How much longer than the declared window the run waits. The server counts requests when they
 * arrive, and a request can arrive well after it was let through (a new connection, a busy event
 * loop: over 100 ms was seen on a loaded two-core machine), so a budget set exactly at the server's
 * limit would now and then go over it by a request. 2 % of the window, at least 250 ms: CXone's
 * 150 per 5 minutes then waits 6 s more per window (98 % of the budget stays usable).
 */
export const windowMargin = (perMs: number): number => Math.max(250, Math.ceil(perMs * 0.02));

/**
 * A request budget: at most `requests` requests in any window of `perMs` (plus `windowMargin`):
 * a sliding window, so the server's limit is not exceeded whatever its window boundaries are.
 * Takes go one at a time, in arrival order, each waiting until the window has room (and any block
 * a server's throttle put on the family has passed); a request is counted at the moment it is let
 * through, never at an earlier reservation. Time comes from Effect's Clock, so TestClock drives
 * it. Memory: the last `requests` grant times.
 */
export class RequestBudget {
  readonly spec: BudgetSpec;
  /** Times of the requests let through within the last window, ascending. */
  readonly #grants: number[] = [];
  readonly #turn = Semaphore.makeUnsafe(1);
  #blockedUntil = 0;
  #stats = { taken: 0, waits: 0, waitedMs: 0, throttled: 0 };

  constructor(spec: BudgetSpec) {
    this.spec = spec;
  }

  get stats(): BudgetStats {
    return { ...this.#stats };
  }

  /** When the next request may go, at `now`. */
  #allowedAt(now: number): number {
    const windowMs = this.spec.perMs + windowMargin(this.spec.perMs);
    while (this.#grants.length > 0 && this.#grants[0]! <= now - windowMs) this.#grants.shift();
    const full = this.#grants.length >= this.spec.requests;
    return Math.max(this.#blockedUntil, full ? this.#grants[0]! + windowMs : now);
  }

  /** Waits for one request's worth of budget; the effect's value is the time it waited. */
  readonly take: Effect.Effect<number> = Effect.flatMap(Clock.currentTimeMillis, (started) => {
    // Waiting for the turn counts as waiting too: `started` is taken before it.
    const attempt: Effect.Effect<number> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const at = this.#allowedAt(now);
      if (at > now) return Effect.flatMap(Effect.sleep(at - now), () => attempt);
      this.#grants.push(now);
      const waited = now - started;
      this.#stats.taken++;
      if (waited > 0) {
        this.#stats.waits++;
        this.#stats.waitedMs += waited;
      }
      return Effect.succeed(waited);
    });
    return Semaphore.withPermits(this.#turn, 1)(attempt);
  });

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
