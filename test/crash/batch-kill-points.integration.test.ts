// Crash safety of the batch record layout (issue 9), proven as the per-item layout's is
// (kill-points.integration.test.ts): the child runs the real harness with
// `layout: { records: batch, batchSize: 3 }` over the fs sink (two roots) and a SQLite ledger, the
// 8 seeded items on 2 days (three batches: two full ones sealed mid-run, one sealed at the end); a
// fault kills it with SIGKILL at a step of an item's own artifacts, of a batch object, or right
// after a ledger write about a batch became durable; a second run completes; then every item's
// line must be in exactly one stored batch, the batch objects exactly those the ledger records as
// stored, the artifacts exactly a clean run's (check-batches.ts, check-archive.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_CORE_STEPS,
  BATCH_LAYOUT,
  BATCHES,
  LEDGER_STEPS,
  PER_BATCH,
  PER_ITEM_BATCHED,
  randomBatchScenarios,
} from './batch-scenarios.js';
import type { Reference } from './check-archive.js';
import { limiter, SINK_LABELS } from './children.js';
import { isBatchKey } from './object-contents.js';
import { cleanReference, runScenario, type ScenarioResult } from './scenarios.js';

const SCENARIO_SEED = 0xba7c_4e05;
/**
 * 50 scenarios (about 60 kills) take about 45 s on two free cores. `CXARCHIVE_CRASH_BATCH_SCENARIOS=500`
 * runs a longer soak with the same seed.
 */
const RANDOM_SCENARIOS = Number(process.env.CXARCHIVE_CRASH_BATCH_SCENARIOS ?? 50);
const children = limiter(2);

let reference: Reference;

beforeAll(async () => {
  const clean = await cleanReference('identity', BATCH_LAYOUT);
  expect(clean.problems).toEqual([]);
  reference = clean.reference;
});

/** Batch objects a killed run left on a sink without a ledger row (the next run must adopt them). */
const unrecordedBatchObjects = (result: ScenarioResult): number =>
  result.steps
    .filter((s) => s.killed)
    .reduce(
      (n, s) =>
        n +
        s.rootsAfter.reduce(
          (m, contents, r) =>
            m +
            Object.keys(contents.objects).filter(
              (k) => isBatchKey(k) && !s.recordedAfter.has(`${SINK_LABELS[r]}:${k}`),
            ).length,
          0,
        ),
      0,
    );

/** Nothing wrong with the scenario. */
const expectClean = (result: ScenarioResult) => {
  expect([...result.problems, ...result.reportProblems]).toEqual([]);
};

describe('a clean run in the batch layout', () => {
  it('stores 16 artifact objects and 3 batch objects on each sink', () => {
    expect(reference.keys).toHaveLength(16);
    expect(
      reference.keys.every((k) => /^acme\/2026\/03\/0[12]\/c0\d\/(notes\.txt|recording\.wav)\.bin$/.test(k)),
    ).toBe(true);
    expect(reference.storedBatches).toBe(BATCHES);
  });
});

describe.concurrent("killed at each step of an item's own artifacts (c05), then run again", () => {
  // nth picks the recording (the big object, after the notes) where a step repeats
  for (const step of BATCH_CORE_STEPS)
    it(step, async () => {
      const nth = PER_ITEM_BATCHED[step] === 4 ? 3 : PER_ITEM_BATCHED[step];
      expectClean(await children(() => runScenario(reference, [`${step}:c05:kill:${nth}`])));
    });
});

describe.concurrent('killed at each step of a batch object, then run again', () => {
  for (const step of BATCH_CORE_STEPS.filter((s) => PER_BATCH[s] > 0))
    for (const [which, nth] of [
      ['the first batch', 1],
      ['the last batch', PER_BATCH[step] * (BATCHES - 1) + 1],
    ] as const)
      it(`${step} of ${which}`, async () => {
        const result = await children(() => runScenario(reference, [`${step}:#batch:kill:${nth}`]));
        expectClean(result);
        if (step === 'after-put' || step === 'after-verify')
          // the batch object is on a sink and not in the ledger: the re-run had to adopt it
          expect(unrecordedBatchObjects(result)).toBeGreaterThan(0);
      });
});

describe.concurrent('killed right after a ledger write about a batch became durable, then run again', () => {
  for (const step of LEDGER_STEPS)
    for (const target of ['c05', '#batch:kill:1', `#batch:kill:${BATCHES}`])
      it(`${step} of ${target.startsWith('#') ? `batch ${target.slice(-1)}` : `the batch of ${target}`}`, async () => {
        const fault = target.startsWith('#') ? `${step}:${target}` : `${step}:${target}:kill:1`;
        expectClean(await children(() => runScenario(reference, [fault])));
      });

  it('batch-stored: the killed run left the batch stored and its members pending; the next run settles them without storing it again', async () => {
    const result = await children(() => runScenario(reference, ['batch-stored:c05:kill:1']));
    expectClean(result);
    const [killed, rerun] = result.steps;
    const batch = killed!.batchesAfter.find((b) => b.members.includes('c05'));
    expect(batch?.status).toBe('stored');
    for (const member of batch!.members) expect(killed!.archivedAfter.has(member)).toBe(false);
    // the same batch, the same object: nothing of it written again (checked), no new batch for them
    const after = rerun!.batchesAfter.filter((b) => b.members.includes('c05'));
    expect(after.map((b) => [b.batch_id, b.status])).toEqual([[batch!.batch_id, 'stored']]);
  });

  it('batch-sealed: the next run forms the sealed batch again under the same key', async () => {
    const result = await children(() => runScenario(reference, ['batch-sealed:#batch:kill:1']));
    expectClean(result);
    const [killed, rerun] = result.steps;
    // (another batch may have been sealed in the same commit)
    const sealed = killed!.batchesAfter.filter((b) => b.status === 'sealed');
    expect(sealed.length).toBeGreaterThan(0);
    for (const batch of sealed)
      expect(rerun!.batchesAfter.find((b) => b.batch_id === batch.batch_id)).toEqual({
        ...batch,
        status: 'stored',
      });
  });

  it('batch-settled: the killed batch stays archived and is not archived again', async () => {
    const result = await children(() => runScenario(reference, ['batch-settled:c05:kill:1']));
    expectClean(result);
    const [killed, rerun] = result.steps;
    expect(killed!.archivedAfter.has('c05')).toBe(true);
    expect(rerun!.exit.report?.counts?.archived).toBe(8 - killed!.archivedAfter.size);
  });
});

describe.concurrent('with the gzip-aes codec (a real key file), killed at a batch object or its ledger writes, then run again', () => {
  // A batch object a killed run left is adopted only if it decodes, under the tenant's key and the
  // batch's own context (its key, `#batch:<id>`, records.jsonl), to the same lines; the checks
  // decode every batch object.
  let encrypted: Promise<Reference> | undefined;
  const gzipReference = () => {
    encrypted ??= children(() => cleanReference('gzip-aes', BATCH_LAYOUT)).then((clean) => {
      expect(clean.problems).toEqual([]);
      return clean.reference;
    });
    return encrypted;
  };
  for (const fault of [
    'mid-upload:#batch:kill:1',
    'after-put:#batch:kill:1',
    'after-verify:#batch:kill:3',
    'batch-stored:c05:kill:1',
  ])
    it(fault, async () => {
      const ref = await gzipReference();
      expect(ref.keys.map((k) => k.replace(/\.cxar$/, '.bin'))).toEqual(reference.keys);
      const result = await children(() => runScenario(ref, [fault]));
      expectClean(result);
      if (fault.startsWith('after-')) expect(unrecordedBatchObjects(result)).toBeGreaterThan(0);
    });
});

describe('killed at seeded random points in the batch layout', () => {
  it(`${RANDOM_SCENARIOS} scenarios (seed ${SCENARIO_SEED}): every re-run ends with each line in exactly one stored batch`, async () => {
    const scenarios = randomBatchScenarios(SCENARIO_SEED, RANDOM_SCENARIOS);
    const started = Date.now();
    const results = await Promise.all(
      scenarios.map((faults) => children(() => runScenario(reference, faults))),
    );
    const failed = results.filter((r) => [...r.problems, ...r.reportProblems].length > 0);
    console.info('batch crash scenarios', {
      scenarios: results.length,
      kills: results.reduce((n, r) => n + r.steps.filter((s) => s.exit.signal === 'SIGKILL').length, 0),
      batchObjectsAdopted: results.reduce((n, r) => n + unrecordedBatchObjects(r), 0),
      batchesLeftOpen: results.reduce((n, r) => n + (r.stats.batches?.openLeft ?? 0), 0),
      meanScenarioMs: Math.round(results.reduce((n, r) => n + r.ms, 0) / Math.max(1, results.length)),
      totalMs: Date.now() - started,
    });
    expect(
      failed.map((r) => ({ faults: r.faults, problems: [...r.problems, ...r.reportProblems] })),
      `${failed.length} of ${results.length} scenarios failed`,
    ).toEqual([]);
  }, 300_000);
});
