// End-to-end throughput: simulated CXone contacts archived into sink-fs through the real runtime.
// Prints records/s and MB/s (of source bytes) per scenario; `pnpm bench` builds first.
// Figures only: nothing here asserts a time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  loadPipeline,
  prepareArchive,
  preparePipeline,
  runPipeline,
  SecretScrubber,
  verifyArchive,
} from '@cxarchive/core/host';
import { startSimulator } from '@cxarchive/cxone-simulator';

const CLI_DIR = path.resolve(fileURLToPath(new URL('../packages/cli', import.meta.url)));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

const SCENARIOS = [
  { name: 'metadata only', contacts: 400, media: '[]', recordingSeconds: [30, 120], concurrency: 8 },
  { name: 'with recordings', contacts: 60, media: '[voice]', recordingSeconds: [60, 300], concurrency: 8 },
];

const once = async (scenario) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-'));
  const simulator = await startSimulator({
    seed: 42,
    contacts: scenario.contacts,
    recordingSeconds: scenario.recordingSeconds,
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
          since: 2026-01-01T00:00:00Z, media: ${scenario.media}, pageSize: 100 }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./bench.key } } }
sinks: [{ use: fs, with: { root: ./archive } }]
concurrency: ${scenario.concurrency}
`,
    );
    const scrubber = new SecretScrubber();
    const prepared = await preparePipeline(await loadPipeline({ file }), {
      fallbackFrom: [CLI_DIR],
      scrubber,
    });
    const started = performance.now();
    const report = await runPipeline({ prepared, scrubber });
    const seconds = (performance.now() - started) / 1000;
    if (report.counts.failed > 0 || report.status !== 'succeeded')
      throw new Error(`bench run failed: ${JSON.stringify(report.failures[0] ?? report.error)}`);
    // `cxarchive verify --deep` over what was just archived: every object read and authenticated.
    const archive = await prepareArchive(await loadPipeline({ file, scope: 'archive' }), {
      fallbackFrom: [CLI_DIR],
      scrubber,
    });
    const verifyStarted = performance.now();
    const verified = await verifyArchive({ prepared: archive, scrubber, deep: true });
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    if (verified.problemCount > 0) throw new Error(`bench verify found ${verified.problemCount} problems`);
    return {
      seconds,
      records: report.counts.archived,
      plaintext: report.bytes.plaintext,
      stored: report.bytes.stored,
      objects: report.objects,
      verifySeconds,
    };
  } finally {
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `cxarchive end-to-end benchmark (simulator → source-cxone → gzip-aes → sink-fs), median of ${REPEATS} runs, Node ${process.version}`,
);
console.log(
  'scenario           records  objects   source MB   seconds   records/s    MB/s   peak RSS MB   verify --deep s   MiB/s   objects/s',
);
for (const scenario of SCENARIOS) {
  const runs = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await once(scenario));
  const s = median(runs.map((r) => r.seconds));
  const v = median(runs.map((r) => r.verifySeconds));
  const r = runs[0];
  const mb = r.plaintext / 1e6;
  console.log(
    `${scenario.name.padEnd(18)} ${String(r.records).padStart(7)} ${String(r.objects).padStart(8)} ${mb.toFixed(1).padStart(11)} ${s.toFixed(2).padStart(9)} ${(r.records / s).toFixed(1).padStart(11)} ${(mb / s).toFixed(1).padStart(7)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(13)} ${v.toFixed(2).padStart(17)} ${(r.stored / 2 ** 20 / v).toFixed(1).padStart(7)} ${(r.objects / v).toFixed(0).padStart(11)}`,
  );
}
