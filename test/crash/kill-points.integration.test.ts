// Crash safety, proven with real kills (issue 5 §7): a child process runs the real harness over
// the real fs sink (two roots) and a real SQLite ledger; core's test fault hook kills it with
// SIGKILL at a named step; a second run completes; then the archive must be exactly a clean run's.
// The packages are used as built (`dist/`): `npm test` builds before vitest runs.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reference } from './check-archive.js';
import { limiter } from './children.js';
import {
  cleanReference,
  FAULT_STEPS,
  PER_ITEM,
  randomScenarios,
  runScenario,
  type ScenarioResult,
} from './scenarios.js';

const SCENARIO_SEED = 0x5eed_c0de;
/**
 * 100 scenarios (about 125 kills, a quarter of the scenarios kill twice) take about a minute on two
 * free cores: each is two or three child processes of ~0.3 s start-up (mostly importing `effect`)
 * plus the run. `CXARCHIVE_CRASH_SCENARIOS=1000` runs a longer soak with the same seed.
 */
const RANDOM_SCENARIOS = Number(process.env.CXARCHIVE_CRASH_SCENARIOS ?? 100);
/** Two children at a time (the machines this runs on have two cores). */
const children = limiter(2);

let reference: Reference;

/** c05 is on the second page; nth picks the recording (the big object) where a step repeats. */
const nthFor = (step: (typeof FAULT_STEPS)[number]) => (PER_ITEM[step] === 6 ? 5 : PER_ITEM[step]);

beforeAll(async () => {
  const clean = await cleanReference();
  expect(clean.problems).toEqual([]);
  reference = clean.reference;
});

const summary = (results: readonly ScenarioResult[]) => ({
  scenarios: results.length,
  kills: results.reduce((n, r) => n + r.steps.filter((s) => s.exit.signal === 'SIGKILL').length, 0),
  tempFilesLeftByKills: results.reduce((n, r) => n + r.stats.tempsAfterKills, 0),
  unrecordedObjectsLeftByKills: results.reduce((n, r) => n + r.stats.unrecordedAfterKills, 0),
  archivedButNeverAcknowledged: results.reduce((n, r) => n + r.stats.unacknowledged.length, 0),
  meanScenarioMs: Math.round(results.reduce((n, r) => n + r.ms, 0) / Math.max(1, results.length)),
});

describe('a clean run', () => {
  it('archives the seeded items once: 24 objects on each sink, each the seeded bytes, 48 ledger rows', () => {
    expect(reference.keys).toHaveLength(24);
    expect(reference.keys.every((k) => /^acme\/2026\/\d\d\/\d\d\/c0\d\/[a-z.]+\.bin$/.test(k))).toBe(true);
  });
});

describe.concurrent('killed at each named step, then run again', () => {
  for (const step of FAULT_STEPS) {
    it(`${step} of one item (c05)`, async () => {
      const result = await children(() => runScenario(reference, [`${step}:c05:kill:${nthFor(step)}`]));
      expect(result.problems).toEqual([]);
      expect(result.reportProblems).toEqual([]);
      if (step === 'after-put' || step === 'after-verify')
        // the recording is on a sink and not in the ledger: the re-run had to adopt it
        expect(result.stats.unrecordedAfterKills).toBeGreaterThan(0);
    });
    it(`${step}, half-way through the run (any item)`, async () => {
      const nth = (PER_ITEM[step] * 8) / 2;
      const result = await children(() => runScenario(reference, [`${step}:*:kill:${nth}`]));
      expect(result.problems).toEqual([]);
      expect(result.reportProblems).toEqual([]);
    });
  }

  it('after-commit: the killed item stays archived and is not archived again', async () => {
    const result = await children(() => runScenario(reference, ['after-commit:c05:kill:1']));
    expect(result.problems).toEqual([]);
    const [killed, rerun] = result.steps;
    expect(killed!.archivedAfter.has('c05')).toBe(true);
    expect(rerun!.exit.report?.counts?.archived).toBe(8 - killed!.archivedAfter.size);
  });
});

describe.concurrent('with the gzip-aes codec (a real key file), killed at each named step, then run again', () => {
  // Objects are encrypted with a fresh data key each time: what a killed run left on a sink is
  // adopted only if it decodes, under the tenant's key and the object's own context, to the
  // artifact's bytes. Checks decode every object.
  let encrypted: Promise<Reference> | undefined;
  const gzipReference = () => {
    encrypted ??= children(() => cleanReference('gzip-aes')).then((clean) => {
      expect(clean.problems).toEqual([]);
      return clean.reference;
    });
    return encrypted;
  };
  for (const step of FAULT_STEPS)
    it(`${step} of one item (c05)`, async () => {
      const ref = await gzipReference();
      expect(ref.keys.map((k) => k.replace(/\.cxar$/, '.bin'))).toEqual(reference.keys);
      const result = await children(() => runScenario(ref, [`${step}:c05:kill:${nthFor(step)}`]));
      expect(result.problems).toEqual([]);
      expect(result.reportProblems).toEqual([]);
      if (step === 'after-put' || step === 'after-verify')
        // an encrypted recording on a sink and not in the ledger: adopted by decoding it
        expect(result.stats.unrecordedAfterKills).toBeGreaterThan(0);
    });
});

describe('killed at seeded random points', () => {
  it(`${RANDOM_SCENARIOS} scenarios (seed ${SCENARIO_SEED}): every re-run ends with exactly the clean archive`, async () => {
    const scenarios = randomScenarios(SCENARIO_SEED, RANDOM_SCENARIOS);
    const started = Date.now();
    const results = await Promise.all(
      scenarios.map((faults) => children(() => runScenario(reference, faults))),
    );
    const failed = results.filter((r) => r.problems.length > 0 || r.reportProblems.length > 0);
    console.info('crash scenarios', { ...summary(results), totalMs: Date.now() - started });
    expect(
      failed.map((r) => ({ faults: r.faults, problems: [...r.problems, ...r.reportProblems] })),
      `${failed.length} of ${results.length} scenarios failed`,
    ).toEqual([]);
  }, 300_000);
});
