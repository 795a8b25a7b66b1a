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
  /** Until when each place taken in the window is held (epoch ms, ascending). */
  readonly heldUntil: readonly number[];
  /** Until when a server's throttle holds the family back (epoch ms; 0 for none). */
  readonly blockedUntil: number;
}

/**
 * A request let through by `RequestBudget.takeTracked`: its caller settles it when the answer has
 * come (`answered`: a response head) or the request ended without one (failed, aborted).
 */
export interface BudgetTicket {
  readonly settle: (answered: boolean) => Effect.Effect<void>;
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
 *   busy with other work (over 100 ms was seen here on a loaded two-core machine, 250 ms under
 *   heavy load), a new connection (DNS, TCP and TLS round trips; a lost SYN is sent again only
 *   after TCP's initial retransmission timeout of 1 s, RFC 6298 §2.1 and §5.7). An old request that
 *   arrived late next to a new one that arrived early puts both in one window of CXone's. This part
 *   does not grow with the window;
 * - the two clocks do not tick at quite the same rate: NTP slews a clock by at most 0.5 ms per second
 *   (500 ppm, the kernel's limit, ntpd(8) on `-x`), so two clocks being corrected in opposite
 *   directions drift apart by up to 0.1 % of a window; and a quartz without NTP by about 0.01 %.
 * So: at least 250 ms, and 0.5 % of the window (five times the worst slew of both clocks), which is
 * 1.5 s on CXone's 5-minute Media Playback window (also more than one lost SYN): 99.5 % of the
 * budget stays usable. The fixed 250 ms costs a short window more: 2.5 % of a 10 s window, 11 % of a
 * 2 s one. A request whose answer the caller reports (`takeTracked`) needs no guess of the first
 * kind: see `ANSWERED_MARGIN_SHARE`.
 */
export const windowMargin = (perMs: number): number =>
  Math.max(MIN_WINDOW_MARGIN_MS, Math.ceil(perMs * WINDOW_MARGIN_SHARE));

/**
 * The margin after an answered request (`takeTracked`): only the clocks' rates (0.1 %, two clocks
 * slewed at ntpd's 500 ppm in opposite directions, see `windowMargin`). The server counted the
 * request somewhere between its being let through and its answer reaching us, so a place freed a
 * window after the answer can never put two requests in one window of the server's, however late
 * the old one arrived: no real-time guess is needed.
 */
export const ANSWERED_MARGIN_SHARE = 0.001;

/**
 * How long past its window a tracked request that is never settled holds its place (a caller that
 * does not settle is a defect; the family must not stop for good because of it).
 */
export const UNSETTLED_HOLD_MS = 10 * 60_000;

/** A place in the window: held until `until` (epoch ms). */
interface Place {
  until: number;
}

/**
 * A request budget: at most `requests` requests in any window of `perMs` (plus its margin, see
 * `windowMargin`): a sliding window, so the server's limit is not exceeded whatever its window
 * boundaries are. Every request let through takes a place, held for the window and its margin from
 * the moment it was let through (`take`), or for the window and `ANSWERED_MARGIN_SHARE` from the
 * moment its answer came (`takeTracked`, settled by the caller). Takes go one at a time, in arrival
 * order, each waiting until a place is free (and any block a server's throttle put on the family has
 * passed); a request is counted at the moment it is let through, never at an earlier reservation.
 * Time comes from Effect's Clock, so TestClock drives it. Memory: `requests` places.
 */
export class RequestBudget {
  readonly spec: BudgetSpec;
  /** The window plus its margin: how long a request holds its place after it was let through. */
  readonly windowMs: number;
  /** The window plus the margin after an answer (`takeTracked`). */
  readonly answeredWindowMs: number;
  /** The places taken and not yet free, in the order they were taken. */
  #places: Place[] = [];
  readonly #turn = Semaphore.makeUnsafe(1);
  #blockedUntil = 0;
  #stats = { taken: 0, waits: 0, waitedMs: 0, throttled: 0 };
  #onChange: (() => void) | undefined;
  /** The take waiting for a place, woken early when a settle frees one sooner than it expected. */
  readonly #wakers = new Set<() => void>();

  constructor(spec: BudgetSpec) {
    this.spec = spec;
    this.windowMs = spec.perMs + (spec.marginMs ?? windowMargin(spec.perMs));
    this.answeredWindowMs = spec.perMs + Math.ceil(spec.perMs * ANSWERED_MARGIN_SHARE);
  }

  get stats(): BudgetStats {
    return { ...this.#stats };
  }

  /** Called after every grant, settle and throttle (e.g. to save the state); one listener. */
  set onChange(listener: (() => void) | undefined) {
    this.#onChange = listener;
  }

  #forget(now: number): void {
    if (this.#places.some((p) => p.until <= now)) this.#places = this.#places.filter((p) => p.until > now);
  }

  /** When the next request may go, at `now`. */
  #allowedAt(now: number): number {
    this.#forget(now);
    if (this.#places.length < this.spec.requests) return Math.max(this.#blockedUntil, now);
    let first = Number.POSITIVE_INFINITY;
    for (const p of this.#places) first = Math.min(first, p.until);
    return Math.max(this.#blockedUntil, first);
  }

  /** Sleeps `ms`, or less when a place is settled meanwhile (it may be free sooner). */
  #sleep(ms: number): Effect.Effect<void> {
    return Effect.race(
      Effect.sleep(ms),
      Effect.callback<void>((resume) => {
        const wake = () => resume(Effect.void);
        this.#wakers.add(wake);
        return Effect.sync(() => {
          this.#wakers.delete(wake);
        });
      }),
    );
  }

  #wake(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }

  /** Waits for a free place and takes it, held for `holdMs`; the place, and the time it waited. */
  #grant(
    holdMs: number,
  ): Effect.Effect<{ readonly place: Place; readonly at: number; readonly waited: number }> {
    return Effect.flatMap(Clock.currentTimeMillis, (started) => {
      // Waiting for the turn counts as waiting too: `started` is taken before it.
      const attempt: Effect.Effect<{ place: Place; at: number; waited: number }> = Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => {
          const at = this.#allowedAt(now);
          if (at > now) return Effect.flatMap(this.#sleep(at - now), () => attempt);
          const place = { until: now + holdMs };
          this.#places.push(place);
          const waited = now - started;
          this.#stats.taken++;
          if (waited > 0) {
            this.#stats.waits++;
            this.#stats.waitedMs += waited;
          }
          this.#onChange?.();
          return Effect.succeed({ place, at: now, waited });
        },
      );
      return Semaphore.withPermits(this.#turn, 1)(attempt);
    });
  }

  /** Waits for one request's worth of budget; the effect's value is the time it waited. */
  get take(): Effect.Effect<number> {
    return Effect.map(this.#grant(this.windowMs), (g) => g.waited);
  }

  /**
   * Like `take`, for a caller that reports when the request's answer came (`settle`): its place is
   * then held for `answeredWindowMs` from the answer instead of `windowMs` from the grant. Until
   * settled, the place is held (for at most `UNSETTLED_HOLD_MS` past the window). A request settled
   * without an answer (it failed or was aborted: what was sent may still arrive) holds its place for
   * the longer of both, plus the real-time margin. Settling again changes nothing.
   */
  get takeTracked(): Effect.Effect<BudgetTicket> {
    return Effect.map(this.#grant(this.windowMs + UNSETTLED_HOLD_MS), ({ place, at }) => {
      let settled = false;
      return {
        settle: (answered: boolean) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            if (settled) return;
            settled = true;
            place.until = answered
              ? now + this.answeredWindowMs
              : Math.max(at + this.windowMs, now + this.answeredWindowMs + MIN_WINDOW_MARGIN_MS);
            this.#onChange?.();
            this.#wake();
          }),
      };
    });
  }

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

  /** Until when the places taken are held, at `now`, and any throttle's block. */
  state(now: number): BudgetState {
    this.#forget(now);
    return {
      heldUntil: this.#places.map((p) => p.until).sort((a, b) => a - b),
      blockedUntil: this.#blockedUntil > now ? this.#blockedUntil : 0,
    };
  }

  /**
   * Takes on the places an earlier run of the tenant held (its `state`), so a run started right
   * after another does not send a second window's worth of requests into the same window of the
   * server. A time more than a window after `now` (the clock was set back since; or a request the
   * earlier run never settled, whose process is gone) is held for one window from `now`. Keeps the
   * `requests` places held longest.
   */
  restore(earlier: BudgetState, now: number): void {
    const until = [
      ...this.#places.map((p) => p.until),
      ...earlier.heldUntil.map((t) => Math.min(t, now + this.windowMs)),
    ]
      .filter((t) => t > now)
      .sort((a, b) => a - b)
      .slice(-this.spec.requests);
    this.#places = until.map((t) => ({ until: t }));
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
