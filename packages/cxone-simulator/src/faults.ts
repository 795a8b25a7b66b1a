/**
 * Switchable faults: what a real tenant does to a client now and then, on demand, per route.
 *
 * - `status`: an error status in the route's own error shape (`routes/error-reply.ts`): a 429
 *   with or without `Retry-After` (CXone does not reliably send one, reference/cxone-fidelity.md
 *   §2.4 "MCP"), or a burst of 5xx (`count` in a row);
 * - `latency`: the answer is held back `ms` milliseconds (real time), then given as usual;
 * - `reset`: the connection is cut, before any response or after `afterBytes` bytes of the body;
 * - `expire-token`: the bearer the request carries expires at once (a 401 mid-run, as an hour-long
 *   token does: D-FAQ); every later request with it gets 401 too, a fresh token works;
 * - `shift` (contact listing only): `by` contacts arrive late, before the page asked for, so this
 *   page and the later pages of the listing move by `by`: the last `by` contacts of the previous
 *   page come again (reporting data lags 15 minutes or more, D-ST);
 * - `duplicate` (contact listing only): the page also carries the first `by` contacts of the next
 *   page, which then come again on it: the same contact on two pages.
 *
 * A fault matches requests of its `route` (a route name, or `*` for every route); it lets the
 * first `after` of them through, then applies to the next `count` (default 1; `always` for no end).
 */

export const FAULT_KINDS = ['status', 'latency', 'reset', 'expire-token', 'shift', 'duplicate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The routes whose pages `shift` and `duplicate` apply to. */
export const LISTING_ROUTES: readonly string[] = ['contacts-completed'];

export interface FaultSpec {
  /** A route name (see the README) or `*` for every route. */
  readonly route: string;
  readonly kind: FaultKind;
  /** `status`: the HTTP status, 400–599. */
  readonly status?: number;
  /** `status`: `Retry-After` in seconds; absent: no header. */
  readonly retryAfterSeconds?: number;
  /** `latency`: milliseconds, 1–600000. */
  readonly ms?: number;
  /** `reset`: body bytes sent before the cut; absent: cut before the response head. */
  readonly afterBytes?: number;
  /** `shift`, `duplicate`: how many contacts, default 1. */
  readonly by?: number;
  /** Matching requests let through before the fault applies; default 0. */
  readonly after?: number;
  /** Matching requests it applies to, one after the other; default 1. */
  readonly count?: number | 'always';
}

/** A fault as the simulator holds it: validated, with its id and counters. */
export interface FaultState {
  readonly id: number;
  readonly spec: Required<Pick<FaultSpec, 'route' | 'kind' | 'after' | 'count'>> & FaultSpec;
  /** Matching requests seen so far. */
  readonly seen: number;
  /** Requests it was applied to so far. */
  readonly applied: number;
}

const FIELDS: Readonly<Record<FaultKind, readonly string[]>> = {
  status: ['status', 'retryAfterSeconds'],
  latency: ['ms'],
  reset: ['afterBytes'],
  'expire-token': [],
  shift: ['by'],
  duplicate: ['by'],
};
const COMMON = ['route', 'kind', 'after', 'count'];

const intIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/**
 * Validates one fault (from the API, the admin endpoint or a flag) against the known route names;
 * throws a RangeError that names the field and what it accepts.
 */
export function resolveFault(input: unknown, routes: readonly string[]): FaultState['spec'] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RangeError(
      'a fault must be an object like {"route":"media-playback","kind":"status","status":503}',
    );
  }
  const raw = input as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(`fault.kind must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const k = kind as FaultKind;
  for (const field of Object.keys(raw)) {
    if (!COMMON.includes(field) && !FIELDS[k].includes(field)) {
      throw new RangeError(
        `fault.${field} does not apply to kind ${k} (it takes ${[...COMMON, ...FIELDS[k]].join(', ')})`,
      );
    }
  }
  const route = raw.route;
  if (typeof route !== 'string' || (route !== '*' && !routes.includes(route))) {
    throw new RangeError(
      `fault.route must be * or one of ${routes.join(', ')}, got ${JSON.stringify(route)}`,
    );
  }
  if ((k === 'shift' || k === 'duplicate') && !LISTING_ROUTES.includes(route)) {
    throw new RangeError(
      `fault.kind ${k} applies only to the contact listing (${LISTING_ROUTES.join(', ')})`,
    );
  }
  const after = raw.after ?? 0;
  if (!intIn(after, 0, 1_000_000_000)) throw new RangeError('fault.after must be an integer from 0');
  const count = raw.count ?? 1;
  if (count !== 'always' && !intIn(count, 1, 1_000_000_000)) {
    throw new RangeError('fault.count must be an integer from 1, or "always"');
  }
  const spec: Record<string, unknown> = { route, kind: k, after, count };
  if (k === 'status') {
    if (!intIn(raw.status, 400, 599))
      throw new RangeError('fault.status must be an HTTP status from 400 to 599');
    spec.status = raw.status;
    if (raw.retryAfterSeconds !== undefined) {
      if (!intIn(raw.retryAfterSeconds, 0, 86_400)) {
        throw new RangeError('fault.retryAfterSeconds must be an integer from 0 to 86400');
      }
      spec.retryAfterSeconds = raw.retryAfterSeconds;
    }
  }
  if (k === 'latency') {
    if (!intIn(raw.ms, 1, 600_000)) throw new RangeError('fault.ms must be an integer from 1 to 600000');
    spec.ms = raw.ms;
  }
  if (k === 'reset' && raw.afterBytes !== undefined) {
    if (!intIn(raw.afterBytes, 0, Number.MAX_SAFE_INTEGER)) {
      throw new RangeError('fault.afterBytes must be a non-negative integer');
    }
    spec.afterBytes = raw.afterBytes;
  }
  if (k === 'shift' || k === 'duplicate') {
    const by = raw.by ?? 1;
    if (!intIn(by, 1, 10_000)) throw new RangeError('fault.by must be an integer from 1 to 10000');
    spec.by = by;
  }
  return spec as unknown as FaultState['spec'];
}

/** What a request is: its route, and whether it carries a bearer (for `expire-token`). */
export interface FaultTarget {
  readonly route: string;
  readonly bearer: string | undefined;
}

/** The faults that apply to one request: at most one latency, at most one other. */
export interface Picked {
  readonly latencyMs?: number;
  readonly fault?: FaultState['spec'];
}

const EXPIRED_TOKENS_KEPT = 1000;

/** The faults in force, their counters, and the tokens they expired. */
export class FaultSet {
  readonly #routes: readonly string[];
  #faults: { id: number; spec: FaultState['spec']; seen: number; applied: number }[] = [];
  #nextId = 1;
  readonly #expired = new Set<string>();

  constructor(routes: readonly string[], initial: readonly unknown[] = []) {
    this.#routes = routes;
    this.replace(initial);
  }

  /** Replaces every fault (counters start again); all or nothing: a bad one changes nothing. */
  replace(specs: readonly unknown[]): FaultState[] {
    const resolved = specs.map((spec, i) => {
      try {
        return resolveFault(spec, this.#routes);
      } catch (error) {
        throw new RangeError(`faults[${i}]: ${(error as Error).message}`);
      }
    });
    this.#faults = resolved.map((spec) => ({ id: this.#nextId++, spec, seen: 0, applied: 0 }));
    return this.list();
  }

  /** Adds one fault after the others; returns it. */
  add(spec: unknown): FaultState {
    const entry = { id: this.#nextId++, spec: resolveFault(spec, this.#routes), seen: 0, applied: 0 };
    this.#faults.push(entry);
    return { ...entry };
  }

  /** Removes every fault (tokens already expired stay expired). */
  clear(): void {
    this.#faults = [];
  }

  list(): FaultState[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Whether a fault has expired this bearer token. */
  isExpired(bearer: string | undefined): boolean {
    return bearer !== undefined && this.#expired.has(bearer);
  }

  /**
   * The token endpoint issued this access token: it is fresh, even when it has the bytes of one a
   * fault expired (tokens issued within the same second for the same session can be identical).
   */
  issued(token: string): void {
    this.#expired.delete(token);
  }

  expire(bearer: string): void {
    this.#expired.add(bearer);
    if (this.#expired.size > EXPIRED_TOKENS_KEPT) {
      const oldest = this.#expired.values().next().value;
      if (oldest !== undefined) this.#expired.delete(oldest);
    }
  }

  /**
   * Counts the request against every fault that matches it and returns the ones to apply: the
   * first latency fault due, and the first other fault due (in the order they were added). A fault
   * that matches but is not applied (another came first) still counts the request as seen.
   */
  pick(target: FaultTarget): Picked {
    let latencyMs: number | undefined;
    let fault: FaultState['spec'] | undefined;
    for (const entry of this.#faults) {
      const { spec } = entry;
      if (spec.route !== '*' && spec.route !== target.route) continue;
      if (spec.kind === 'expire-token' && target.bearer === undefined) continue;
      if ((spec.kind === 'shift' || spec.kind === 'duplicate') && !LISTING_ROUTES.includes(target.route)) {
        continue;
      }
      entry.seen++;
      const due = entry.seen > spec.after && (spec.count === 'always' || entry.applied < spec.count);
      if (!due) continue;
      if (spec.kind === 'latency') {
        if (latencyMs !== undefined) continue;
        latencyMs = spec.ms;
      } else {
        if (fault !== undefined) continue;
        fault = spec;
      }
      entry.applied++;
    }
    return {
      ...(latencyMs === undefined ? {} : { latencyMs }),
      ...(fault === undefined ? {} : { fault }),
    };
  }
}
