import type { BudgetFamily } from './budgets.js';
import type { FaultKind } from './faults.js';

/** One request the simulator answered (or cut off), as tests and the admin endpoint read it. */
export interface RequestLogEntry {
  /** Position since start (0, 1, 2, …): gaps show what the bounded log dropped. */
  readonly seq: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /**
   * The query parameters as sent (a repeated name keeps its last value), except that the value of a
   * signing or token parameter (`signature`, `access_token`, …) reads `[redacted]`.
   */
  readonly query: Readonly<Record<string, string>>;
  /** The `Host` header: which origin the client addressed. */
  readonly host: string;
  /** Whether the request carried `Authorization: Bearer …` (the token itself is never logged). */
  readonly bearer: boolean;
  /** Name of the route that matched (`contacts-completed`, `media-file`, …); absent for 404/405. */
  readonly route?: string;
  /** The API family of the route, if it has one. */
  readonly family?: BudgetFamily;
  /** The status sent, or 0 when the connection was reset before a response head. */
  readonly status: number;
  /** Simulator time (epoch milliseconds, from `now`) when the request arrived. */
  readonly at: number;
  /**
   * What the family's budget did with the request: `accepted` (counted against it) or `refused`
   * (answered 429, not counted). Absent when the family has no budget.
   */
  readonly budget?: 'accepted' | 'refused';
  /** The fault applied to the request, if any. */
  readonly fault?: FaultKind;
}

/** The short form of `RunningSimulator.requests`: family only where a budget is in force. */
export interface RequestSummary {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
  readonly family?: BudgetFamily;
  readonly budget?: 'accepted' | 'refused';
}

export const DEFAULT_REQUEST_LOG_SIZE = 10_000;
export const MAX_REQUEST_LOG_SIZE = 10_000_000;

const SECRET_PARAMS = /^(signature|sig|x-amz-signature|access_token|refresh_token|id_token|token|code)$/i;

/** The query of a URL as a plain record, with signing and token values redacted. */
export function loggedQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) out[name] = SECRET_PARAMS.test(name) ? '[redacted]' : value;
  return out;
}

/**
 * A ring buffer of the last `capacity` entries: memory stays bounded however long the simulator
 * runs. `total` counts every entry ever added.
 */
export class RequestLog {
  readonly capacity: number;
  readonly #ring: RequestLogEntry[] = [];
  #next = 0;
  #total = 0;

  constructor(capacity: number = DEFAULT_REQUEST_LOG_SIZE) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_REQUEST_LOG_SIZE) {
      throw new RangeError(
        `requestLogSize must be an integer between 1 and ${MAX_REQUEST_LOG_SIZE}, got ${String(capacity)}`,
      );
    }
    this.capacity = capacity;
  }

  /** Adds an entry, numbering it; the oldest entry goes when the log is full. */
  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    const numbered = { seq: this.#total++, ...entry };
    if (this.#ring.length < this.capacity) this.#ring.push(numbered);
    else this.#ring[this.#next] = numbered;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Every entry still held, oldest first. */
  entries(): RequestLogEntry[] {
    if (this.#ring.length < this.capacity) return [...this.#ring];
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }

  /** How many entries were ever added (held or dropped). */
  get total(): number {
    return this.#total;
  }

  clear(): void {
    this.#ring.length = 0;
    this.#next = 0;
  }
}
