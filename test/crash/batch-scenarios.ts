// Kill points of the batch record layout and their seeded random selection: the same loop as the
// per-item one (scenarios.ts), over the item's own artifacts, the batch objects, and the ledger
// writes that seal, store and settle a batch (child-faults.mjs).
import { BATCH_LAYOUT, DATA } from './children.js';
import { FAULT_STEPS, prng, type Step } from './scenarios.js';

/** Core's steps a batch-layout run reaches: `after-commit` is per-item only (a batch settles its members). */
export const BATCH_CORE_STEPS: readonly Step[] = FAULT_STEPS.filter((s) => s !== 'after-commit');
/** Ledger writes about a batch, made durable (child-faults.mjs). */
export const LEDGER_STEPS = ['batch-sealed', 'batch-stored', 'batch-settled'] as const;
export type LedgerStep = (typeof LEDGER_STEPS)[number];

/** How often each core step is reached per item in a clean batch-layout run (2 objects, 2 sinks). */
export const PER_ITEM_BATCHED: Readonly<Record<Step, number>> = {
  'after-fetch': 1,
  'after-encode': 2,
  'mid-upload': 2,
  'after-put': 4,
  'after-verify': 4,
  'after-commit': 0,
};
/** How often each step is reached per batch (1 object, 2 sinks; one write each for the ledger steps). */
export const PER_BATCH: Readonly<Record<Step | LedgerStep, number>> = {
  'after-fetch': 0,
  'after-encode': 1,
  'mid-upload': 1,
  'after-put': 2,
  'after-verify': 2,
  'after-commit': 0,
  'batch-sealed': 1,
  'batch-stored': 1,
  'batch-settled': 1,
};
/** Batches of a clean run of the seeded data in BATCH_LAYOUT: 5 items on one day (3 + 2), 3 on the other. */
export const BATCHES = 3;

/**
 * `n` seeded scenarios in the batch layout. Each kills a run at a point a clean run reaches: a core
 * step of an item's own artifact (40 %), of a batch object (`#batch`, 25 %), or of any unit (`*`,
 * 10 %), or a ledger step of a batch (25 %: the batch holding a named item, or the nth batch). A
 * quarter also kill the next run, at a point it may or may not reach, before the final run.
 */
export const randomBatchScenarios = (seed: number, n: number): string[][] => {
  const rand = prng(seed);
  const below = (k: number) => Math.floor(rand() * k);
  const item = () => `c${String(1 + below(DATA.count)).padStart(2, '0')}`;
  const one = (): string => {
    const r = rand();
    if (r < 0.25) {
      const at = LEDGER_STEPS[below(LEDGER_STEPS.length)]!;
      return rand() < 0.5 ? `${at}:${item()}:kill:1` : `${at}:#batch:kill:${1 + below(BATCHES)}`;
    }
    const at = BATCH_CORE_STEPS[below(BATCH_CORE_STEPS.length)]!;
    if (r < 0.65) return `${at}:${item()}:kill:${1 + below(PER_ITEM_BATCHED[at])}`;
    if (r < 0.9 && PER_BATCH[at] > 0) return `${at}:#batch:kill:${1 + below(PER_BATCH[at] * BATCHES)}`;
    return `${at}:*:kill:${1 + below(PER_ITEM_BATCHED[at] * DATA.count + PER_BATCH[at] * BATCHES)}`;
  };
  return Array.from({ length: n }, () => (rand() < 0.25 ? [one(), one()] : [one()]));
};

export { BATCH_LAYOUT };
