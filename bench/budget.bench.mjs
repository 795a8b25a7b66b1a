// Media Playback budget utilisation over a time-compressed multi-window run: the simulator
// enforces a scaled-down budget (10 requests per 2 s by default; CXone's is 150 per 5 minutes) and
// the pipeline declares the same one in `budgets:`. From the simulator's request log: the requests
// in each full window (windows start at the first Media Playback request; the last, partial one is
// what was left over), the sustained share (the requests sent against the most a client could
// send from the first request to the last: the budget at once, then the budget per window), and
// the number of 429 answers. Goal: at least 95 % of the allowed requests, no 429. (The runtime
// keeps a margin of at least 250 ms on top of each window for requests that reach the server late:
// at 2 s windows that alone costs about 11 %, at 5 s 5 %, at CXone's 5 minutes nothing; set
// BENCH_BUDGET_PER_MS to see it.) `--json` prints one JSON object per figure.
// Figures only: nothing here asserts a time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { loadPipeline, preparePipeline, runPipeline, SecretScrubber } from '@cxarchive/core/host';
import { maxInAnyWindow, startSimulator } from '@cxarchive/cxone-simulator';

const CLI_DIR = path.resolve(fileURLToPath(new URL('../packages/cli', import.meta.url)));
const FAMILY = 'media-playback';
const REQUESTS = Number(process.env.BENCH_BUDGET_REQUESTS ?? 10);
const PER_MS = Number(process.env.BENCH_BUDGET_PER_MS ?? 2000);
const WINDOWS = Number(process.env.BENCH_BUDGET_WINDOWS ?? 5);
const GOAL = 0.95;
const JSON_OUTPUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const SEED = 3;

/** The fewest contacts whose recordings need more than `WINDOWS` full windows of the budget. */
const contactsFor = async () => {
  for (let contacts = 20; ; contacts += 10) {
    const probe = await startSimulator({ seed: SEED, contacts, recordingSeconds: [1, 6] });
    const recordings = probe.dataset.recordings.size;
    await probe.stop();
    if (recordings >= (WINDOWS + 1) * REQUESTS) return contacts;
  }
};

const contacts = await contactsFor();
const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-budget-'));
const simulator = await startSimulator({
  seed: SEED,
  contacts,
  recordingSeconds: [1, 6],
  budgets: { [FAMILY]: { requests: REQUESTS, perMs: PER_MS, retryAfter: 'none' } },
});
try {
  await writeKeyFile(path.join(dir, 'bench.key'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: bench
source:
  use: cxone
  with: { issuer: "${simulator.url}", accessKeyId: "${simulator.credentials.accessKeyId}", accessKeySecret: "${simulator.credentials.accessKeySecret}",
          clientId: "${simulator.credentials.clientId}", clientSecret: "${simulator.credentials.clientSecret}",
          since: 2026-01-01T00:00:00Z, media: [voice] }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./bench.key } } }
sinks: [{ use: fs, with: { root: ./archive } }]
concurrency: 8
budgets:
  ${FAMILY}: { requests: ${REQUESTS}, per: ${PER_MS}ms }
`,
  );
  const scrubber = new SecretScrubber();
  const prepared = await preparePipeline(await loadPipeline({ file }), { fallbackFrom: [CLI_DIR], scrubber });
  const started = performance.now();
  const report = await runPipeline({ prepared, scrubber });
  const seconds = (performance.now() - started) / 1000;
  if (report.counts.failed > 0 || report.status !== 'succeeded')
    throw new Error(`bench run failed: ${JSON.stringify(report.failures[0] ?? report.error)}`);

  const log = simulator.requestLog().filter((entry) => entry.family === FAMILY);
  const times = log.map((entry) => entry.at).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const full = Math.floor(((times.at(-1) ?? 0) - first) / PER_MS);
  const perWindow = Array.from(
    { length: full },
    (_, k) => times.filter((at) => at >= first + k * PER_MS && at < first + (k + 1) * PER_MS).length,
  );
  const refused = log.filter((entry) => entry.status === 429).length;
  const used = perWindow.reduce((sum, n) => sum + n, 0) / Math.max(1, full * REQUESTS);
  const sustained = times.length / (REQUESTS * (1 + ((times.at(-1) ?? 0) - first) / PER_MS));
  const busiest = maxInAnyWindow(times, PER_MS);

  if (JSON_OUTPUT) {
    const emit = (figure) => console.log(JSON.stringify({ bench: 'budget', ...figure }));
    for (const [k, n] of perWindow.entries())
      emit({
        name: `${FAMILY} window ${k + 1} used`,
        value: n / REQUESTS,
        unit: 'share',
        goal: GOAL,
        raw: REQUESTS,
      });
    emit({
      name: `${FAMILY} full windows used`,
      value: used,
      unit: 'share',
      goal: GOAL,
      raw: REQUESTS,
      windows: full,
    });
    emit({
      name: `${FAMILY} sustained share of the budget`,
      value: sustained,
      unit: 'share',
      goal: GOAL,
      raw: REQUESTS,
    });
    emit({ name: `${FAMILY} 429 answers`, value: refused, unit: 'count', goal: 0 });
  } else {
    console.log(
      `Media Playback budget ${REQUESTS} per ${PER_MS} ms on the simulator and in the pipeline; ${contacts} contacts, ${report.counts.archived} archived, ${log.length} Media Playback requests in ${seconds.toFixed(1)} s, Node ${process.version}`,
    );
    console.log(
      `per full window: ${perWindow.map((n) => `${((100 * n) / REQUESTS).toFixed(0)} %`).join(', ')} of the allowed requests (goal ≥ ${GOAL * 100} % each)`,
    );
    console.log(
      `sustained: ${(100 * sustained).toFixed(1)} % of what the budget allows from the first request to the last (goal ≥ ${GOAL * 100} %)`,
    );
    console.log(
      `over ${full} full windows: ${(100 * used).toFixed(1)} %; busiest window ${busiest}/${REQUESTS}; 429 answers: ${refused} (goal 0)`,
    );
  }
} finally {
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
