// Media Playback budget utilisation over a time-compressed multi-window run. CXone's budget is
// 150 requests per 5 minutes (NICE's Media Playback docs, reference/cxone-api.md §7); the bench
// keeps the 150 and divides the window by BENCH_BUDGET_COMPRESSION (default 30: 150 per 10 s),
// sets that budget on the simulator and in the pipeline's `budgets:`, and leaves the runtime's
// margin as it is (its default: it is not tuned here). Enough recordings for BENCH_BUDGET_WINDOWS
// (default 3) windows after the first, and a partial one.
//
// From the simulator's log of Media Playback requests, in order of arrival (a[i]):
// - sustained share: the server takes request i as soon as a[i - 150] + window, so a client that
//   used every request the budget allows would have a[i] - a[i - 150] = window. The share is
//   window / mean(a[i] - a[i - 150]) over every i ≥ 150: what the run got of the budget, with no
//   edge effects (the first burst, the last partial window). Per window k: the 150 requests
//   [150k, 150(k+1)) against the time until the next window's first one;
// - where the rest went: the runtime's margin (its waits on top of each window, see windowMargin
//   in packages/core/src/runtime/budgets.ts) and what is left over (scheduling: the time between a
//   place in the window opening and the next request reaching the server);
// - the busiest window the server saw (never above 150) and the 429 answers (goal 0).
// Goal: at least 95 % of the budget, no 429. The margin has a real-time floor (250 ms), so a
// stronger compression costs more: the bench prints what the margin allows at this window and
// at CXone's real 5 minutes. `--json` prints one JSON object per figure. Figures only: nothing
// here asserts a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  loadPipeline,
  preparePipeline,
  RequestBudget,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { maxInAnyWindow, startSimulator } from '@cxarchive/cxone-simulator';
import { writeSimulatorPipeline } from './lib/pipeline-file.mjs';

const CLI_DIR = path.resolve(fileURLToPath(new URL('../packages/cli', import.meta.url)));
const FAMILY = 'media-playback';
// CXone's default Media Playback budget (D-MP).
const REAL = { requests: 150, perMs: 300_000 };
const COMPRESSION = Number(process.env.BENCH_BUDGET_COMPRESSION ?? 20);
const REQUESTS = Number(process.env.BENCH_BUDGET_REQUESTS ?? REAL.requests);
const PER_MS = Math.round(REAL.perMs / COMPRESSION);
const WINDOWS = Number(process.env.BENCH_BUDGET_WINDOWS ?? 3);
const GOAL = 0.95;
const JSON_OUTPUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const SEED = 3;
const RECORDING_SECONDS = [1, 6];

/** The window plus the runtime's margin, as the run's budget will have it. */
const heldFor = (perMs) =>
  new RequestBudget({ family: FAMILY, requests: 1, perMs, origin: 'declared' }).windowMs;

/** How many recordings a simulator of `contacts` contacts has. */
const recordingsOf = async (contacts) => {
  const probe = await startSimulator({ seed: SEED, contacts, recordingSeconds: RECORDING_SECONDS });
  const recordings = probe.dataset.recordings.size;
  await probe.stop();
  return recordings;
};

/** About the fewest contacts whose recordings need `WINDOWS` full windows after the first, and a partial one. */
const contactsFor = async () => {
  const needed = (WINDOWS + 1) * REQUESTS + Math.ceil(REQUESTS / 4);
  let low = 0;
  let high = needed;
  while ((await recordingsOf(high)) < needed) [low, high] = [high, 2 * high];
  while (high - low > 10) {
    const middle = Math.floor((low + high) / 2);
    if ((await recordingsOf(middle)) >= needed) high = middle;
    else low = middle;
  }
  return high;
};

/** The figures of one run, from the arrival times of its Media Playback requests (ascending). */
const figures = (times) => {
  // reuse[j]: how long after request j the request that took its place in the window arrived.
  const reuse = [];
  for (let i = REQUESTS; i < times.length; i++) reuse.push(times[i] - times[i - REQUESTS]);
  const mean = (list) => list.reduce((sum, d) => sum + d, 0) / Math.max(1, list.length);
  const perWindow = [];
  for (let k = 0; k * REQUESTS < reuse.length; k++)
    perWindow.push(PER_MS / mean(reuse.slice(k * REQUESTS, (k + 1) * REQUESTS)));
  // How long each full window's requests took to go out: the first window's burst spreads out to
  // the pace the pipeline keeps up (a one-time cost: a place taken late stays late a window later).
  const spreadsMs = [];
  for (let k = 0; (k + 1) * REQUESTS <= times.length; k++)
    spreadsMs.push(times[(k + 1) * REQUESTS - 1] - times[k * REQUESTS]);
  const margin = heldFor(PER_MS) - PER_MS;
  return {
    sustained: PER_MS / mean(reuse),
    perWindow,
    meanReuseMs: mean(reuse),
    marginMs: margin,
    leftoverMs: mean(reuse) - PER_MS - margin,
    worstReuseMs: Math.max(...reuse),
    spreadsMs,
    marginAllows: PER_MS / heldFor(PER_MS),
    realAllows: REAL.perMs / heldFor(REAL.perMs),
  };
};

const contacts = await contactsFor();
const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-budget-'));
const simulator = await startSimulator({
  seed: SEED,
  contacts,
  recordingSeconds: RECORDING_SECONDS,
  requestLogSize: 20 * contacts + 1000,
  budgets: { [FAMILY]: { requests: REQUESTS, perMs: PER_MS, retryAfter: 'none' } },
});
try {
  const file = await writeSimulatorPipeline(dir, simulator, {
    media: '[voice]',
    extra: `budgets:\n  ${FAMILY}: { requests: ${REQUESTS}, per: ${PER_MS}ms }`,
  });
  const scrubber = new SecretScrubber();
  const prepared = await preparePipeline(await loadPipeline({ file }), { fallbackFrom: [CLI_DIR], scrubber });
  const started = performance.now();
  const report = await runPipeline({ prepared, scrubber });
  const seconds = (performance.now() - started) / 1000;
  if (report.counts.failed > 0 || report.status !== 'succeeded')
    throw new Error(`bench run failed: ${JSON.stringify(report.failures[0] ?? report.error)}`);

  const log = simulator.requestLog().filter((entry) => entry.family === FAMILY);
  const times = log.map((entry) => entry.at).sort((a, b) => a - b);
  const refused = log.filter((entry) => entry.status === 429).length;
  const busiest = maxInAnyWindow(times, PER_MS);
  const f = figures(times);

  if (JSON_OUTPUT) {
    const emit = (figure) => console.log(JSON.stringify({ bench: 'budget', ...figure }));
    const budget = { requests: REQUESTS, perMs: PER_MS, compression: COMPRESSION };
    for (const [k, share] of f.perWindow.entries())
      emit({ name: `${FAMILY} window ${k + 2} used`, value: share, unit: 'share', goal: GOAL, ...budget });
    emit({
      name: `${FAMILY} sustained share of the budget`,
      value: f.sustained,
      unit: 'share',
      goal: GOAL,
      windows: f.perWindow.length,
      ...budget,
    });
    emit({ name: `${FAMILY} runtime margin per window`, value: f.marginMs, unit: 'ms', ...budget });
    emit({ name: `${FAMILY} scheduling left over per window`, value: f.leftoverMs, unit: 'ms', ...budget });
    emit({
      name: `${FAMILY} first and last full window sent in`,
      value: f.spreadsMs.at(-1),
      first: f.spreadsMs[0],
      unit: 'ms',
      ...budget,
    });
    emit({
      name: `${FAMILY} share lost to the margin`,
      value: f.marginMs / f.meanReuseMs,
      unit: 'share',
      ...budget,
    });
    emit({
      name: `${FAMILY} share lost to scheduling`,
      value: f.leftoverMs / f.meanReuseMs,
      unit: 'share',
      ...budget,
    });
    emit({ name: `${FAMILY} share the margin allows`, value: f.marginAllows, unit: 'share', ...budget });
    emit({
      name: `${FAMILY} share the margin allows at CXone's 5 minutes`,
      value: f.realAllows,
      unit: 'share',
    });
    emit({ name: `${FAMILY} busiest window`, value: busiest, unit: 'requests', goal: REQUESTS });
    emit({ name: `${FAMILY} 429 answers`, value: refused, unit: 'count', goal: 0 });
  } else {
    const pct = (share) => `${(100 * share).toFixed(1)} %`;
    console.log(
      `Media Playback budget ${REQUESTS} per ${PER_MS} ms (CXone's ${REAL.requests} per 5 min, time compressed ${COMPRESSION}×) on the simulator and in the pipeline; ${contacts} contacts, ${report.counts.archived} archived, ${log.length} Media Playback requests in ${seconds.toFixed(1)} s, Node ${process.version}`,
    );
    console.log(
      `sustained: ${pct(f.sustained)} of the budget over ${f.perWindow.length} windows after the first (goal ≥ ${GOAL * 100} %); per window: ${f.perWindow.map(pct).join(', ')}`,
    );
    console.log(
      `a place in the window is used again ${f.meanReuseMs.toFixed(0)} ms after the last (worst ${f.worstReuseMs} ms): the window ${PER_MS} ms + the runtime's margin ${f.marginMs} ms + ${f.leftoverMs.toFixed(1)} ms of scheduling; the full windows went out in ${f.spreadsMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
    console.log(
      `lost ${pct(1 - f.sustained)}: ${pct(f.marginMs / f.meanReuseMs)} to the margin, ${pct(f.leftoverMs / f.meanReuseMs)} to scheduling`,
    );
    console.log(
      `the margin allows ${pct(f.marginAllows)} at this window, ${pct(f.realAllows)} at CXone's 5 minutes; busiest window ${busiest}/${REQUESTS}; 429 answers: ${refused} (goal 0)`,
    );
  }
} finally {
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
