// A fault *thrown* (not a kill) at each named step: an unexpected exception inside the runtime.
// Whatever the run does with it, the archive must survive it like a kill: the next run completes
// to exactly the clean archive. And the run itself should end properly: with its report, saying
// what it committed.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reference } from './check-archive.js';
import { describeExit, limiter } from './children.js';
import { cleanReference, FAULT_STEPS, PER_ITEM, runScenario, type ScenarioResult } from './scenarios.js';

const children = limiter(2);
let reference: Reference;
const results = new Map<string, Promise<ScenarioResult>>();

beforeAll(async () => {
  const clean = await cleanReference();
  expect(clean.problems).toEqual([]);
  reference = clean.reference;
});

/** One scenario per step, shared by the tests below (run once, on first use). */
const thrownAt = (step: (typeof FAULT_STEPS)[number]) => {
  const fault = `${step}:c05:throw:${PER_ITEM[step] === 6 ? 5 : PER_ITEM[step]}`;
  let result = results.get(fault);
  if (!result) {
    // One item at a time: the thrown fault then meets no other item mid-upload (that case, a run
    // stopped while a recording is fully read but not yet taken by the sinks, has its own
    // deterministic test in interruption.integration.test.ts).
    result = children(() => runScenario(reference, [fault], { concurrency: 1 }));
    results.set(fault, result);
  }
  return result;
};

describe.concurrent('a fault thrown at each step, then run again', () => {
  for (const step of FAULT_STEPS)
    it(`${step}: the next run completes to exactly the clean archive`, async () => {
      expect((await thrownAt(step)).problems).toEqual([]);
    });
});

describe.concurrent('the run a fault was thrown in', () => {
  const endsWithItsReport = async (step: (typeof FAULT_STEPS)[number]) => {
    const result = await thrownAt(step);
    const thrown = result.steps[0]!.exit;
    // a defect in the runtime fails the run, with its report; the process does not crash
    expect(thrown.report, describeExit(thrown)).toBeDefined();
    expect(thrown.report?.status).toBe('failed');
    expect(thrown.report?.error?.reason).toContain(`injected fault at ${step} for c05`);
    // and the report counts every item the run committed
    expect(result.reportProblems).toEqual([]);
  };
  for (const step of FAULT_STEPS) {
    if (step === 'mid-upload') continue;
    it(`${step}: ends with its report, which counts what it committed`, () => endsWithItsReport(step));
  }
  // A throw while the bytes flow breaks the stream, like a network error would: that attempt fails
  // (Transient) and is retried; the run does not crash and ends with an honest report.
  it('mid-upload: the broken upload is retried, and the run ends with its report', async () => {
    const result = await thrownAt('mid-upload');
    const thrown = result.steps[0]!.exit;
    expect(thrown.report, describeExit(thrown)).toBeDefined();
    expect(thrown.report?.status).toBe('succeeded');
    expect(thrown.report?.retries).toBeGreaterThan(0);
    expect(result.reportProblems).toEqual([]);
  });
});
