/**
 * Request budgets per API family, as CXone enforces them per tenant.
 *
 * The one limit NICE documents is Media Playback's: "Default API performance is set to 150
 * requests per five minutes" (Media Playback API docs, developer.niceincontact.com/API/MediaPlaybackAPI;
 * reference/cxone-api.md §7 "D-MP", reference/cxone-fidelity.md §2.6 and §5.3). NICE raises it per
 * tenant on request. Over budget the API answers 429 (body: see `routes/throttled.ts`), and CXone
 * does not reliably send `Retry-After` (reference/cxone-api.md §7), so the header is configurable.
 */

/**
 * The API families the simulator can budget, named as `@cxarchive/cxone-api` names them:
 * `media-playback` (Media Playback), `cxone-acd` (the ACD reporting API: contacts/completed,
 * contacts/{id}), `cxone-auth` (the auth server: discovery and /auth/token), `data-extraction`,
 * `media-download`, `business-data` and `dfo` (the digital API). Media Playback and Data Extraction
 * have a budget by default, the two NICE documents (reference/cxone-api.md §6, §7); the others
 * exist for tests that want a family throttled.
 */
export const BUDGET_FAMILIES = [
  'media-playback',
  'cxone-acd',
  'cxone-auth',
  'data-extraction',
  'media-download',
  'business-data',
  'dfo',
] as const;
export type BudgetFamily = (typeof BUDGET_FAMILIES)[number];

/** How a 429 says when to come back: `Retry-After: <seconds>`, `Retry-After: <HTTP-date>`, or not at all. */
export const RETRY_AFTER_MODES = ['seconds', 'http-date', 'none'] as const;
export type RetryAfterMode = (typeof RETRY_AFTER_MODES)[number];

export interface BudgetOption {
  /** Requests accepted in any window of `perMs`. */
  readonly requests: number;
  /** The sliding window, in milliseconds. */
  readonly perMs: number;
  /** Default 'seconds'. */
  readonly retryAfter?: RetryAfterMode;
}

/** `startSimulator({ budgets })`: a family's budget, or `false` for none. Families left out keep their default. */
export type SimulatorBudgets = { readonly [F in BudgetFamily]?: BudgetOption | false };

export interface ResolvedBudget {
  readonly family: BudgetFamily;
  readonly requests: number;
  readonly perMs: number;
  readonly retryAfter: RetryAfterMode;
}

/**
 * The budgets in force unless `budgets` says otherwise. Media Playback: 150 requests per 5 minutes
 * (D-MP, see above), and Data Extraction: 1 call per 30 seconds, `Retry-After` in seconds. The
 * other families have none by default.
 */
export const DEFAULT_BUDGETS: Readonly<Partial<Record<BudgetFamily, ResolvedBudget>>> = Object.freeze({
  'media-playback': Object.freeze({
    family: 'media-playback',
    requests: 150,
    perMs: 300_000,
    retryAfter: 'seconds',
  } as const),
  // "one call per 30 seconds" per tenant (NICE Data Extraction API docs, D-DX; reference/cxone-api.md §6).
  'data-extraction': Object.freeze({
    family: 'data-extraction',
    requests: 1,
    perMs: 30_000,
    retryAfter: 'seconds',
  } as const),
});

export const BUDGET_LIMITS = Object.freeze({ maxRequests: 1_000_000_000, maxPerMs: 86_400_000 });

const isFamily = (name: string): name is BudgetFamily =>
  (BUDGET_FAMILIES as readonly string[]).includes(name);

/** Applies the defaults and validates; throws a RangeError naming the bad value. */
export function resolveBudgets(
  option: SimulatorBudgets | undefined,
): ReadonlyMap<BudgetFamily, ResolvedBudget> {
  const given: Record<string, BudgetOption | false | undefined> = { ...option };
  for (const name of Object.keys(given)) {
    if (!isFamily(name)) {
      throw new RangeError(`budgets: unknown API family '${name}' (known: ${BUDGET_FAMILIES.join(', ')})`);
    }
  }
  const out = new Map<BudgetFamily, ResolvedBudget>();
  for (const family of BUDGET_FAMILIES) {
    const value = given[family];
    if (value === false) continue;
    if (value === undefined) {
      const fallback = DEFAULT_BUDGETS[family];
      if (fallback !== undefined) out.set(family, fallback);
      continue;
    }
    const { requests, perMs } = value;
    const retryAfter = value.retryAfter ?? 'seconds';
    if (!Number.isSafeInteger(requests) || requests < 1 || requests > BUDGET_LIMITS.maxRequests) {
      throw new RangeError(
        `budgets.${family}.requests must be an integer between 1 and ${BUDGET_LIMITS.maxRequests}, got ${String(requests)}`,
      );
    }
    if (!Number.isSafeInteger(perMs) || perMs < 1 || perMs > BUDGET_LIMITS.maxPerMs) {
      throw new RangeError(
        `budgets.${family}.perMs must be an integer between 1 and ${BUDGET_LIMITS.maxPerMs}, got ${String(perMs)}`,
      );
    }
    if (!(RETRY_AFTER_MODES as readonly string[]).includes(retryAfter)) {
      throw new RangeError(
        `budgets.${family}.retryAfter must be one of ${RETRY_AFTER_MODES.join(', ')}, got ${String(retryAfter)}`,
      );
    }
    out.set(family, { family, requests, perMs, retryAfter });
  }
  return out;
}

export type Admission = { readonly accepted: true } | { readonly accepted: false; readonly waitMs: number };

/**
 * A sliding window over accepted requests: a request at `now` is accepted when fewer than
 * `requests` were accepted in `(now - perMs, now]`, so no window of `perMs` ever holds more than
 * `requests` accepted requests. Refused requests are not counted. Memory: `requests` times.
 */
export class SlidingWindow {
  readonly budget: ResolvedBudget;
  /** Times of the accepted requests still inside the window, oldest first. */
  readonly #accepted: number[] = [];

  constructor(budget: ResolvedBudget) {
    this.budget = budget;
  }

  admit(now: number): Admission {
    const { requests, perMs } = this.budget;
    while (this.#accepted.length > 0 && this.#accepted[0]! <= now - perMs) this.#accepted.shift();
    if (this.#accepted.length < requests) {
      this.#accepted.push(now);
      return { accepted: true };
    }
    // The oldest request leaves the window at oldest + perMs: the first moment one more fits.
    return { accepted: false, waitMs: Math.max(1, this.#accepted[0]! + perMs - now) };
  }
}

/**
 * The `Retry-After` value of a refusal, or undefined for none. Both forms round up to a whole
 * second (the header has no finer unit), so a client that waits as told is accepted.
 */
export function retryAfterValue(mode: RetryAfterMode, waitMs: number, nowMs: number): string | undefined {
  switch (mode) {
    case 'seconds':
      return String(Math.max(1, Math.ceil(waitMs / 1000)));
    case 'http-date':
      return new Date(Math.ceil((nowMs + waitMs) / 1000) * 1000).toUTCString();
    case 'none':
      return undefined;
  }
}

/** The most of `times` (any order) inside one half-open window `[t, t + perMs)`. */
export function maxInAnyWindow(times: readonly number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    if (end < start) end = start;
    while (end < sorted.length && sorted[end]! < sorted[start]! + perMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}
