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
 * A token bucket: `requests` per `perMs`, starting full, refilled continuously. A take reserves a
 * token at once (the balance may go negative) and sleeps until its reservation is covered, so
 * concurrent fibers queue in arrival order instead of stampeding. An interrupted take gives its
 * token back. Time comes from Effect's Clock, so TestClock drives it.
 */
export class TokenBucket {
  readonly spec: BudgetSpec;
  #tokens: number;
  #updatedAt: number | undefined;
  #blockedUntil = 0;
  #stats = { taken: 0, waits: 0, waitedMs: 0, throttled: 0 };

  constructor(spec: BudgetSpec) {
    this.spec = spec;
    this.#tokens = spec.requests;
  }

  get stats(): BudgetStats {
    return { ...this.#stats };
  }

  #refill(now: number): void {
    if (this.#updatedAt === undefined) this.#updatedAt = now;
    const rate = this.spec.requests / this.spec.perMs;
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.spec.requests, this.#tokens + elapsed * rate);
    this.#updatedAt = now;
  }

  /** Waits for one request's worth of budget; the effect's value is the time it waited. */
  readonly take: Effect.Effect<number> = Effect.suspend(() =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      this.#refill(now);
      const rate = this.spec.requests / this.spec.perMs;
      const blocked = Math.max(0, this.#blockedUntil - now);
      // A server's "wait" applies to everyone; requests then resume at the budget's pace.
      const start = Math.max(now, this.#blockedUntil);
      if (blocked > 0) {
        this.#tokens = Math.min(this.#tokens, 0);
        this.#updatedAt = start;
      }
      this.#tokens -= 1;
      const wait = blocked + (this.#tokens < 0 ? Math.ceil(-this.#tokens / rate) : 0);
      this.#stats.taken++;
      if (wait <= 0) return Effect.succeed(0);
      this.#stats.waits++;
      this.#stats.waitedMs += wait;
      return Effect.sleep(wait).pipe(
        Effect.as(wait),
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            this.#tokens = Math.min(this.spec.requests, this.#tokens + 1);
            this.#stats.taken--;
          }),
        ),
      );
    }),
  );

  /**
   * The server throttled a request of this family although the budget allowed it (the budget is
   * shared with other clients, or set too high): nobody sends before `retryAfterMs`, or before a
   * whole window has passed when the server did not say, and the bucket starts empty.
   */
  throttled(now: number, retryAfterMs: number | undefined): number {
    this.#stats.throttled++;
    const until = now + (retryAfterMs ?? this.spec.perMs);
    this.#blockedUntil = Math.max(this.#blockedUntil, until);
    this.#tokens = Math.min(this.#tokens, 0);
    return this.#blockedUntil - now;
  }
}

/** Every budget of a run, by family; shared by every fiber and every plugin of the run. */
export class Budgets {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(specs: readonly BudgetSpec[]) {
    for (const spec of specs) this.#buckets.set(spec.family, new TokenBucket(spec));
  }

  get(family: string): TokenBucket | undefined {
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
