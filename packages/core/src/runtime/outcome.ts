import type { PluginErrorTag } from '../plugin/errors.js';
import type { StoredObject } from '../plugin/types.js';

/** What processing one listed item came to. The flow returns these; nothing else is shared. */
export type ItemOutcome =
  | {
      readonly status: 'archived';
      readonly itemId: string;
      readonly objects: readonly StoredObject[];
      /** Objects stored (or adopted) in this run; the rest were already held. */
      readonly newObjects: number;
      readonly plaintextBytes: number;
      readonly storedBytes: number;
      readonly retries: number;
    }
  | {
      readonly status: 'failed';
      readonly itemId: string;
      readonly errorTag: PluginErrorTag;
      readonly reason: string;
      readonly retries: number;
      /** Objects stored before the failure (kept: the next run only adds the missing ones). */
      readonly newObjects: number;
      readonly storedBytes: number;
    }
  | {
      readonly status: 'awaiting';
      readonly itemId: string;
      readonly reason: string;
      readonly retryAt: string;
      readonly retries: number;
    }
  | {
      readonly status: 'skipped';
      readonly itemId: string;
      readonly reason: 'already archived' | 'dropped by a transform' | 'dropped earlier';
    }
  | { readonly status: 'duplicate'; readonly itemId: string };

/** Failures kept in the report in full; the rest are counted (the ledger and audit log have them all). */
export const REPORTED_FAILURES = 100;

export interface Tally {
  readonly seen: number;
  readonly archived: number;
  readonly failed: number;
  readonly awaiting: number;
  readonly skipped: number;
  readonly duplicates: number;
  readonly objects: number;
  readonly plaintextBytes: number;
  readonly storedBytes: number;
  readonly retries: number;
  readonly failures: readonly {
    readonly itemId: string;
    readonly errorTag: PluginErrorTag;
    readonly reason: string;
  }[];
}

export const emptyTally: Tally = {
  seen: 0,
  archived: 0,
  failed: 0,
  awaiting: 0,
  skipped: 0,
  duplicates: 0,
  objects: 0,
  plaintextBytes: 0,
  storedBytes: 0,
  retries: 0,
  failures: [],
};

/** Folds one outcome into the tally (a new tally; the old one is unchanged). */
export const addOutcome = (t: Tally, o: ItemOutcome): Tally => {
  switch (o.status) {
    case 'duplicate':
      return { ...t, duplicates: t.duplicates + 1 };
    case 'skipped':
      return { ...t, seen: t.seen + 1, skipped: t.skipped + 1 };
    case 'awaiting':
      return { ...t, seen: t.seen + 1, awaiting: t.awaiting + 1, retries: t.retries + o.retries };
    case 'archived':
      return {
        ...t,
        seen: t.seen + 1,
        archived: t.archived + 1,
        objects: t.objects + o.newObjects,
        plaintextBytes: t.plaintextBytes + o.plaintextBytes,
        storedBytes: t.storedBytes + o.storedBytes,
        retries: t.retries + o.retries,
      };
    case 'failed':
      return {
        ...t,
        seen: t.seen + 1,
        failed: t.failed + 1,
        objects: t.objects + o.newObjects,
        storedBytes: t.storedBytes + o.storedBytes,
        retries: t.retries + o.retries,
        failures:
          t.failures.length < REPORTED_FAILURES
            ? [...t.failures, { itemId: o.itemId, errorTag: o.errorTag, reason: o.reason }]
            : t.failures,
      };
  }
};
