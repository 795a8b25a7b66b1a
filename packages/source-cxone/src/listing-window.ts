import {
  type ListingWindow as AskedWindow,
  type Checkpoint,
  err,
  ok,
  type PluginError,
  PluginErrors,
  type QueriedWindow,
  type Result,
} from '@cxarchive/core';

/**
 * The arithmetic of one listing run. CXone data arrives late (reporting lags 15+ minutes), so:
 * - the run starts at `max(since, checkpoint − overlap)` (or `since` on the first run), re-reading
 *   a window that late contacts may have landed in;
 * - contacts updated after `now − settleLag` (the cutoff) are left for a later run;
 * - the checkpoint after each page is the highest `lastUpdateTime` yielded so far, never lower than
 *   where the previous run stopped (or the start), so it never moves backwards.
 */
export interface ListingWindow {
  readonly startMs: number;
  readonly cutoffMs: number;
  /** The checkpoint value before anything is yielded. */
  readonly floorMs: number;
}

export interface WindowSettings {
  readonly sinceMs: number;
  readonly overlapMs: number;
  readonly settleLagMs: number;
}

/** The checkpoint's position, undefined on a first run; a malformed checkpoint is invalid input. */
export const checkpointMs = (checkpoint: Checkpoint | undefined): Result<number | undefined, PluginError> => {
  if (checkpoint === undefined) return ok(undefined);
  const value = checkpoint.updatedSince;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms)
    ? err(
        PluginErrors.invalidInput('the checkpoint has no valid updatedSince date', 'checkpoint.updatedSince'),
      )
    : ok(ms);
};

export const listingWindow = (
  settings: WindowSettings,
  fromCheckpointMs: number | undefined,
  nowMs: number,
): ListingWindow => {
  const startMs =
    fromCheckpointMs === undefined
      ? settings.sinceMs
      : Math.max(settings.sinceMs, fromCheckpointMs - settings.overlapMs);
  return {
    startMs,
    cutoffMs: nowMs - settings.settleLagMs,
    floorMs: fromCheckpointMs === undefined ? startMs : Math.max(startMs, fromCheckpointMs),
  };
};

/**
 * The window asked for (`run --since/--until`) instead of the checkpoint's: from `since`, up to
 * `until` (exclusive) or the settle cutoff, whichever is earlier. Pages' checkpoints start at
 * `since`; the runtime does not store them.
 */
export const askedListingWindow = (
  settings: WindowSettings,
  asked: AskedWindow,
  nowMs: number,
): ListingWindow => {
  const startMs = asked.since.getTime();
  const settled = nowMs - settings.settleLagMs;
  return {
    startMs,
    cutoffMs: asked.until === undefined ? settled : Math.min(settled, asked.until.getTime() - 1),
    floorMs: startMs,
  };
};

/** The window a listing queries, as `run` and `plan` print it (lastUpdateTime, as CXone filters). */
export const queriedWindow = (
  settings: WindowSettings,
  checkpoint: Checkpoint | undefined,
  asked: AskedWindow | undefined,
  nowMs: number,
): Result<QueriedWindow, PluginError> => {
  if (asked !== undefined) return ok(describeWindow(askedListingWindow(settings, asked, nowMs)));
  const from = checkpointMs(checkpoint);
  if (from.isErr()) return err(from.error);
  return ok(describeWindow(listingWindow(settings, from.value, nowMs)));
};

const describeWindow = (window: ListingWindow): QueriedWindow => ({
  from: new Date(Math.floor(window.startMs / 1000) * 1000).toISOString(),
  to: new Date(window.cutoffMs).toISOString(),
  field: 'lastUpdateTime',
});

/**
 * `updatedSince` as CXone wants it: ISO 8601 with a literal `Z` and whole seconds (reference §2).
 * Rounded down, so the inclusive filter never misses the start.
 */
export const formatUpdatedSince = (ms: number): string =>
  `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

export const makeCheckpoint = (ms: number): Checkpoint => ({ updatedSince: new Date(ms).toISOString() });

/**
 * Contact ids already yielded in this listing, to drop the duplicates that shifting pages and the
 * overlap produce. Pages arrive sorted by `lastUpdateTime`, so a duplicate is always close to the
 * newest time seen: ids older than `retentionMs` behind it are forgotten, which keeps memory
 * bounded by the contacts of one retention window rather than the whole listing.
 */
export class RecentIds {
  readonly #seen = new Map<string, number>();
  readonly #retentionMs: number;
  #newestMs = Number.NEGATIVE_INFINITY;
  #sincePrune = 0;

  constructor(retentionMs: number) {
    this.#retentionMs = retentionMs;
  }

  /** Records `id`; false when it was already there (a duplicate). */
  add(id: string, updatedMs: number): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, updatedMs);
    if (updatedMs > this.#newestMs) this.#newestMs = updatedMs;
    if (++this.#sincePrune >= 1000) this.prune();
    return true;
  }

  prune(): void {
    this.#sincePrune = 0;
    const horizon = this.#newestMs - this.#retentionMs;
    for (const [id, ms] of this.#seen) if (ms < horizon) this.#seen.delete(id);
  }

  get size(): number {
    return this.#seen.size;
  }
}
