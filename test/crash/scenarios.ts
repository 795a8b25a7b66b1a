// A crash scenario: a fresh tenant directory, one or more runs each killed by a fault, then a run
// without fault, then every invariant of `checkScenario`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAULT_STEPS, type FaultStep } from '@cxarchive/core/host';
import {
  checkScenario,
  type Reference,
  type RunStep,
  referenceFrom,
  rootContents,
  rootsOf,
  type ScenarioStats,
} from './check-archive.js';
import {
  type BatchLayout,
  type ChildExit,
  type ChildOptions,
  DATA,
  describeExit,
  type RunningChild,
  startChild,
} from './children.js';
import { readLedger } from './ledger-rows.js';
import type { CodecName } from './object-contents.js';

// The runtime's own list of named steps: a step added there is crash-tested here at once.
export { FAULT_STEPS };
export type Step = FaultStep;

/** How often each step is reached per item in a clean run (3 objects, 2 sinks). */
export const PER_ITEM: Readonly<Record<Step, number>> = {
  'after-fetch': 1,
  'after-encode': 3,
  'mid-upload': 3,
  'after-put': 6,
  'after-verify': 6,
  'after-commit': 1,
};

const created: string[] = [];

/** A fresh tenant directory (under the OS temp directory). */
export const newTenantDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-crash-'));
  created.push(dir);
  return dir;
};

/** Removes the tenant directories this file created and did not keep for inspection. */
export const removeTenantDirs = (keep: readonly string[] = []): void => {
  for (const dir of created.splice(0)) if (!keep.includes(dir)) rmSync(dir, { recursive: true, force: true });
};

/**
 * Runs one child in `dir` and records what it changed. `during` runs while the child does (to
 * signal it); the step ends when the child has exited.
 */
export const step = async (
  dir: string,
  options: Omit<ChildOptions, 'dir'> = {},
  during?: (child: RunningChild) => Promise<void>,
): Promise<RunStep> => {
  const archivedOf = () =>
    new Set(
      readLedger(dir)
        .items.filter((i) => i.status === 'archived')
        .map((i) => i.item_id),
    );
  const archivedBefore = archivedOf();
  const child = startChild({ dir, ...options });
  if (during) await during(child);
  const exit: ChildExit = await child.exited;
  const ledger = readLedger(dir);
  return {
    ...(options.fault ? { fault: options.fault } : {}),
    exit,
    // ended without runPipeline returning (SIGKILL, or a crash): its run is left for a takeover
    killed: exit.report === undefined,
    archivedBefore,
    archivedAfter: new Set(ledger.items.filter((i) => i.status === 'archived').map((i) => i.item_id)),
    rootsAfter: rootsOf(dir).map(rootContents),
    recordedAfter: new Set(ledger.objects.map((o) => `${o.sink}:${o.key}`)),
    batchesAfter: ledger.batches,
  };
};

/**
 * A clean run in a fresh directory: the reference archive (checked against the seeded data). In the
 * batch layout, its batch objects are checked, and counted, but their keys (named by the run) are
 * not kept.
 */
export const cleanReference = async (
  codec: CodecName = 'identity',
  layout?: BatchLayout,
): Promise<{ reference: Reference; problems: string[] }> => {
  const dir = newTenantDir();
  const clean = await step(dir, { codec, ...(layout ? { layout } : {}) });
  const { reference, problems } = await referenceFrom(dir, codec, layout);
  const checked = await checkScenario(dir, reference, [clean]);
  problems.push(...checked.problems, ...checked.reportProblems);
  if (clean.exit.code !== 0) problems.unshift(`the clean run failed: ${describeExit(clean.exit)}`);
  if (problems.length === 0) rmSync(dir, { recursive: true, force: true });
  return { reference, problems };
};

export interface ScenarioResult {
  readonly faults: readonly string[];
  readonly dir: string;
  readonly steps: readonly RunStep[];
  /** Everything wrong with the archive after the last run (empty: exactly a clean run's). */
  readonly problems: readonly string[];
  /** Reports that do not count what their run archived (see `checkScenario`). */
  readonly reportProblems: readonly string[];
  readonly stats: ScenarioStats;
  readonly ms: number;
}

/**
 * Runs `faults` one after the other in a fresh tenant directory (each run may be killed by its
 * fault; the first one must be), then a run without fault, and checks the result. The directory is
 * removed when nothing is wrong, kept for inspection otherwise.
 */
export const runScenario = async (
  reference: Reference,
  faults: readonly string[],
  options: Pick<ChildOptions, 'concurrency'> = {},
): Promise<ScenarioResult> => {
  const started = Date.now();
  const dir = newTenantDir();
  const steps: RunStep[] = [];
  const run = { codec: reference.codec, ...(reference.layout ? { layout: reference.layout } : {}) };
  for (const fault of faults) steps.push(await step(dir, { fault, ...run, ...options }));
  steps.push(await step(dir, run));
  const { problems, reportProblems, stats } = await checkScenario(dir, reference, steps);
  const first = steps[0]!;
  if (faults[0]?.includes(':kill') && first.exit.signal !== 'SIGKILL')
    problems.unshift(`${faults[0]} did not kill the run: ${describeExit(first.exit)}`);
  const last = steps.at(-1)!;
  if (problems.length > 0) problems.push(`last run: ${describeExit(last.exit)}; directory kept: ${dir}`);
  if (problems.length === 0 && reportProblems.length === 0) rmSync(dir, { recursive: true, force: true });
  return { faults, dir, steps, problems, reportProblems, stats, ms: Date.now() - started };
};

/** mulberry32: a small seeded PRNG, so the random scenarios are the same on every run. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/**
 * `n` seeded scenarios. Each kills a run at a random (step, item, nth) that a clean run reaches, so
 * the kill always happens: 70 % name an item (nth within that item's objects and sinks), 30 % any
 * item (`*`, nth up to the run's total). A quarter also kill the next run, at a point it may or may
 * not reach (then it completes), before the final run.
 */
export const randomScenarios = (seed: number, n: number): string[][] => {
  const rand = prng(seed);
  const below = (k: number) => Math.floor(rand() * k);
  const one = (): string => {
    const at = FAULT_STEPS[below(FAULT_STEPS.length)]!;
    if (rand() < 0.3) return `${at}:*:kill:${1 + below(PER_ITEM[at] * DATA.count)}`;
    const item = `c${String(1 + below(DATA.count)).padStart(2, '0')}`;
    return `${at}:${item}:kill:${1 + below(PER_ITEM[at])}`;
  };
  return Array.from({ length: n }, () => (rand() < 0.25 ? [one(), one()] : [one()]));
};
