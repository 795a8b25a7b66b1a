import type { JsonObject } from '@cxarchive/core';

/**
 * The records of the contacts the current run listed most recently, so `fetch` need not ask
 * CXone again for a record it has just read (item references carry ids only). Bounded: past
 * `capacity` the oldest listed record is forgotten, and `fetch` reads it from `contacts/{id}`.
 * It lives in memory only, for one source instance: nothing of it reaches the ledger.
 */
export class RecordCache {
  readonly #records = new Map<string, JsonObject>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  set(contactId: string, record: JsonObject): void {
    this.#records.delete(contactId); // re-listed: now the newest
    this.#records.set(contactId, record);
    while (this.#records.size > this.#capacity) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  get(contactId: string): JsonObject | undefined {
    return this.#records.get(contactId);
  }

  get size(): number {
    return this.#records.size;
  }
}

/**
 * Enough for the pages the runtime may have listed ahead of the items it is fetching (a few
 * pages), never more than 10,000 records (a few MB).
 */
export const cacheCapacity = (pageSize: number): number => Math.min(10_000, Math.max(500, pageSize * 8));
