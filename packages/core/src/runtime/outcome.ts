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
      /**
       * Of `newObjects`, those found already in a sink with the same content and taken as stored
       * (left by a crash or a lost answer); none when absent.
       */
      readonly adoptedObjects?: number;
      readonly plaintextBytes: number;
      readonly storedBytes: number;
      readonly retries: number;
      /** The source's remark on the item (`Item.note`). */
      readonly note?: string;
    }
  | {
      readonly status: 'failed';
      readonly itemId: string;
      readonly errorTag: PluginErrorTag;
      readonly reason: string;
      readonly retries: number;
      /** Objects stored before the failure (kept: the next run only adds the missing ones). */
      readonly newObjects: number;
      /** Of `newObjects`, those adopted (see `archived`); none when absent. */
      readonly adoptedObjects?: number;
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
      /** `already archived`, `dropped earlier`, `already sent`, or `dropped by <transform>[: why]`. */
      readonly reason: string;
    }
  | { readonly status: 'duplicate'; readonly itemId: string };

/** Failures kept in the report in full; the rest are counted (the ledger and audit log have them all). */
export const REPORTED_FAILURES = 100;
/** Distinct skip reasons counted in the report; the others are counted together. */
export const REPORTED_SKIP_REASONS = 20;
export const OTHER_SKIPS = 'other reasons (see the audit log)';

const countSkip = (skips: Tally['skips'], reason: string): Tally['skips'] => {
  let key = reason;
  let at = skips.findIndex((s) => s.reason === key);
  if (at < 0 && skips.length >= REPORTED_SKIP_REASONS) {
    key = OTHER_SKIPS;
    at = skips.findIndex((s) => s.reason === key);
  }
  if (at < 0) return [...skips, { reason: key, count: 1 }];
  return skips.map((s, i) => (i === at ? { reason: s.reason, count: s.count + 1 } : s));
};

/** Notes kept in the report in full; the rest are counted (the ledger has them all). */
export const REPORTED_NOTES = 100;

/** What one acknowledgement came to (see `acknowledger.ts`). */
export type AckOutcome =
  | { readonly status: 'done'; readonly itemId: string }
  | { readonly status: 'refused'; readonly itemId: string; readonly reason: string }
  | { readonly status: 'pending'; readonly itemId: string; readonly reason: string };

export interface Tally {
  readonly seen: number;
  readonly archived: number;
  readonly failed: number;
  readonly awaiting: number;
  readonly skipped: number;
  readonly duplicates: number;
  /** Objects stored or adopted. */
  readonly objects: number;
  /** Of `objects`, those found already stored with the same content and adopted. */
  readonly adopted: number;
  readonly plaintextBytes: number;
  readonly storedBytes: number;
  readonly retries: number;
  readonly failures: readonly {
    readonly itemId: string;
    readonly errorTag: PluginErrorTag;
    readonly reason: string;
  }[];
  readonly notes: readonly { readonly itemId: string; readonly note: string }[];
  readonly notesTotal: number;
  /** Skipped items by reason (at most REPORTED_SKIP_REASONS reasons; the rest under OTHER_SKIPS). */
  readonly skips: readonly { readonly reason: string; readonly count: number }[];
  readonly acks: {
    readonly done: number;
    readonly refused: number;
    /** The first reasons of refusals in full. */
    readonly refusals: readonly { readonly itemId: string; readonly reason: string }[];
  };
}

export const emptyTally: Tally = {
  seen: 0,
  archived: 0,
  failed: 0,
  awaiting: 0,
  skipped: 0,
  duplicates: 0,
  objects: 0,
  adopted: 0,
  plaintextBytes: 0,
  storedBytes: 0,
  retries: 0,
  failures: [],
  notes: [],
  notesTotal: 0,
  skips: [],
  acks: { done: 0, refused: 0, refusals: [] },
};

/** Folds one acknowledgement into the tally. */
export const addAck = (t: Tally, a: AckOutcome): Tally => {
  switch (a.status) {
    case 'done':
      return { ...t, acks: { ...t.acks, done: t.acks.done + 1 } };
    case 'refused':
      return {
        ...t,
        acks: {
          ...t.acks,
          refused: t.acks.refused + 1,
          refusals:
            t.acks.refusals.length < REPORTED_FAILURES
              ? [...t.acks.refusals, { itemId: a.itemId, reason: a.reason }]
              : t.acks.refusals,
        },
      };
    case 'pending':
      return t;
  }
};

/** Folds one outcome into the tally (a new tally; the old one is unchanged). */
export const addOutcome = (t: Tally, o: ItemOutcome): Tally => {
  switch (o.status) {
    case 'duplicate':
      return { ...t, duplicates: t.duplicates + 1 };
    case 'skipped':
      return { ...t, seen: t.seen + 1, skipped: t.skipped + 1, skips: countSkip(t.skips, o.reason) };
    case 'awaiting':
      return { ...t, seen: t.seen + 1, awaiting: t.awaiting + 1, retries: t.retries + o.retries };
    case 'archived':
      return {
        ...t,
        seen: t.seen + 1,
        archived: t.archived + 1,
        objects: t.objects + o.newObjects,
        adopted: t.adopted + (o.adoptedObjects ?? 0),
        plaintextBytes: t.plaintextBytes + o.plaintextBytes,
        storedBytes: t.storedBytes + o.storedBytes,
        retries: t.retries + o.retries,
        ...(o.note === undefined
          ? {}
          : {
              notesTotal: t.notesTotal + 1,
              notes:
                t.notes.length < REPORTED_NOTES ? [...t.notes, { itemId: o.itemId, note: o.note }] : t.notes,
            }),
      };
    case 'failed':
      return {
        ...t,
        seen: t.seen + 1,
        failed: t.failed + 1,
        objects: t.objects + o.newObjects,
        adopted: t.adopted + (o.adoptedObjects ?? 0),
        storedBytes: t.storedBytes + o.storedBytes,
        retries: t.retries + o.retries,
        failures:
          t.failures.length < REPORTED_FAILURES
            ? [...t.failures, { itemId: o.itemId, errorTag: o.errorTag, reason: o.reason }]
            : t.failures,
      };
  }
};
