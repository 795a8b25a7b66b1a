import { Clock, Effect, Semaphore } from 'effect';
import { parseDuration } from '../duration.js';
import type { BudgetDeclaration } from '../plugin/define-plugin.js';

/** One API family's budget as the run enforces it. */
export interface BudgetSpec {
  readonly family: string;
  readonly requests: number;
  readonly perMs: number;
  /** Extra wait on top of each window; default `windowMargin(perMs)`. */
  readonly marginMs?: number;
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

/** What a budget remembers of the requests it let through: enough for a later run to go on from. */
export interface BudgetState {
  /** When the requests still inside the window were let through (epoch ms, ascending). */
  readonly grants: readonly number[];
  /** Until when a server's throttle holds the family back (epoch ms; 0 for none). */
  readonly blockedUntil: number;
}

/** The real-time part of the margin: see `windowMargin`. */
export const MIN_WINDOW_MARGIN_MS = 250;
/** The part of the margin that grows with the window: see `windowMargin`. */
export const WINDOW_MARGIN_SHARE = 0.005;

/**
 * How much longer than the declared window the run waits before it lets a request take the place
 * of one sent a window ago (a pipeline's `budgets.<family>.margin` replaces it). The limiter counts
 * on its own clock over a sliding window, so neither where CXone's windows begin (fixed or sliding:
 * NICE documents only "150 requests per five minutes", reference/cxone-api.md §7 D-MP) nor an
 * offset between our clock and CXone's can make it exceed the limit: any window CXone counts over
 * lies inside one of ours. Two things can, and the margin covers both:
 * - requests reach CXone later than they were let through, and not all equally late: an event loop
 *   busy with other work (over 100 ms was seen here on a loaded two-core machine), a new connection
 *   (DNS, TCP and TLS round trips; a lost SYN is sent again only after TCP's initial retransmission
 *   timeout of 1 s, RFC 6298 §2.1 and §5.7). An old request that arrived late next to a new one that
 *   arrived early puts both in one window of CXone's. This part does not grow with the window;
 * - the two clocks do not tick at quite the same rate: NTP slews a clock by at most 0.5 ms per second
 *   (500 ppm, the kernel's limit, ntpd(8) on `-x`), so two clocks being corrected in opposite
 *   directions drift apart by up to 0.1 % of a window; and a quartz without NTP by about 0.01 %.
 * So: at least 250 ms, and 0.5 % of the window (five times the worst slew of both clocks), which is
 * 1.5 s on CXone's 5-minute Media Playback window (also more than one lost SYN): 99.5 % of the
 * budget stays usable. The fixed 250 ms costs a short window more: 2.5 % of a 10 s window, 11 % of a
 * 2 s one. A window shorter than a second or two is rarely a server's real limit; a test that
 * compresses time can set a margin compressed by the same factor.
 */
export const windowMargin = (perMs: number): number =>
  Math.max(MIN_WINDOW_MARGIN_MS, Math.ceil(perMs * WINDOW_MARGIN_SHARE));

/**
 * A request budget: at most `requests` requests in any window of `perMs` (plus its margin, see
 * `windowMargin`): a sliding window, so the server's limit is not exceeded whatever its window
 * boundaries are. Takes go one at a time, in arrival order, each waiting until the window has room
 * (and any block a server's throttle put on the family has passed); a request is counted at the
 * moment it is let through, never at an earlier reservation. Time comes from Effect's Clock, so
 * TestClock drives it. Memory: the last `requests` grant times.
 */
export class RequestBudget {
  readonly spec: BudgetSpec;
  /** The window plus its margin: how long a request holds its place. */
  readonly windowMs: number;
  /** Times of the requests let through within the last window, ascending. */
  readonly #grants: number[] = [];
  readonly #turn = Semaphore.makeUnsafe(1);
  #blockedUntil = 0;
  #stats = { taken: 0, waits: 0, waitedMs: 0, throttled: 0 };
  #onChange: (() => void) | undefined;

  constructor(spec: BudgetSpec) {
    this.spec = spec;
    this.windowMs = spec.perMs + (spec.marginMs ?? windowMargin(spec.perMs));
  }

  get stats(): BudgetStats {
    return { ...this.#stats };
  }

  /** Called after every grant and every throttle (e.g. to save the state); one listener. */
  set onChange(listener: (() => void) | undefined) {
    this.#onChange = listener;
  }

  #forget(now: number): void {
    while (this.#grants.length > 0 && this.#grants[0]! <= now - this.windowMs) this.#grants.shift();
  }

  /** When the next request may go, at `now`. */
  #allowedAt(now: number): number {
    this.#forget(now);
    const full = this.#grants.length >= this.spec.requests;
    return Math.max(this.#blockedUntil, full ? this.#grants[0]! + this.windowMs : now);
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
      this.#onChange?.();
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
    this.#onChange?.();
    return this.#blockedUntil - now;
  }

  /** The grants still inside the window at `now`, and any throttle's block. */
  state(now: number): BudgetState {
    this.#forget(now);
    return { grants: [...this.#grants], blockedUntil: this.#blockedUntil > now ? this.#blockedUntil : 0 };
  }

  /**
   * Takes on what an earlier run of the tenant let through (its `state`), so a run started right
   * after another does not send a second window's worth of requests into the same window of the
   * server. A time after `now` (the clock was set back since) counts as `now`: the wait it causes is
   * at most one window. Keeps the latest `requests` grants in all.
   */
  restore(earlier: BudgetState, now: number): void {
    const grants = [...this.#grants, ...earlier.grants.map((t) => Math.min(t, now))];
    grants.sort((a, b) => a - b);
    this.#grants.splice(0, this.#grants.length, ...grants.slice(-this.spec.requests));
    this.#forget(now);
    const blockedUntil = Math.min(earlier.blockedUntil, now + this.spec.perMs);
    this.#blockedUntil = Math.max(this.#blockedUntil, blockedUntil);
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

  /** Every family's state at `now` (see `RequestBudget.state`), for the next run of the tenant. */
  state(now: number): Record<string, BudgetState> {
    const out: Record<string, BudgetState> = {};
    for (const family of this.families()) out[family] = this.#buckets.get(family)!.state(now);
    return out;
  }

  /** Takes on an earlier run's state, family by family; families this run has no budget for are left. */
  restore(earlier: Readonly<Record<string, BudgetState>>, now: number): void {
    for (const [family, state] of Object.entries(earlier)) this.#buckets.get(family)?.restore(state, now);
  }

  /** Calls `listener` after any family's grant or throttle; one listener. */
  set onChange(listener: (() => void) | undefined) {
    for (const bucket of this.#buckets.values()) bucket.onChange = listener;
  }
}

/** A pipeline's `budgets.<family>` entry: requests per window, and the margin if it sets one. */
export interface BudgetOverride {
  readonly requests: number;
  readonly per: string;
  readonly margin?: string;
}

/**
 * The run's budgets: every family the plugins declare, with the pipeline's `budgets:` block
 * overriding requests, window and margin. Two plugins declaring one family share it (the stricter wins).
 * Returns the families the pipeline names that no plugin declares, so the caller can warn.
 */
export const resolveBudgets = (
  declared: readonly BudgetDeclaration[],
  overrides: Readonly<Record<string, BudgetOverride>>,
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
    specs.set(family, {
      family,
      requests: o.requests,
      perMs: parseDuration(o.per),
      ...(o.margin === undefined ? {} : { marginMs: parseDuration(o.margin) }),
      origin: 'pipeline',
    });
  }
  return { budgets: new Budgets([...specs.values()]), unknownOverrides };
};
