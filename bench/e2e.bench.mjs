// End-to-end throughput: simulated CXone contacts archived into sink-fs through the real runtime.
// Prints records/s and MB/s (of source bytes) per scenario and, beside the metadata run, a bare
// listing of the same contacts from a simulator started the same way (the same pages a client
// reads, fetched and parsed, nothing archived): archiving should cost little more than reading.
// `pnpm bench` builds first; `--json` prints one JSON object per figure.
// Figures only: nothing here asserts a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  loadPipeline,
  prepareArchive,
  preparePipeline,
  runPipeline,
  SecretScrubber,
  verifyArchive,
} from '@cxarchive/core/host';
import { startSimulator } from '@cxarchive/cxone-simulator';
import { writeSimulatorPipeline } from './lib/pipeline-file.mjs';

const CLI_DIR = path.resolve(fileURLToPath(new URL('../packages/cli', import.meta.url)));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const PAGE_SIZE = 100;
const BATCH_SIZE = 1000;

export const SCENARIOS = [
  {
    name: 'metadata only',
    contacts: Number(process.env.BENCH_E2E_CONTACTS ?? 400),
    media: '[]',
    recordingSeconds: [30, 120],
    concurrency: 8,
    listing: true,
  },
  {
    // The batch record layout (issue 9, item 2): pages as large as source-cxone takes (its
    // pageSize maximum), enough contacts that the listing is not over before it starts.
    name: 'metadata only, batch',
    contacts: Number(process.env.BENCH_E2E_BATCH_CONTACTS ?? 50_000),
    media: '[]',
    recordingSeconds: [30, 120],
    concurrency: 8,
    listing: true,
    pageSize: 10_000,
    extra: `layout: { records: batch, batchSize: ${BATCH_SIZE} }`,
  },
  { name: 'with recordings', contacts: 60, media: '[voice]', recordingSeconds: [60, 300], concurrency: 8 },
];

/**
 * One archive run of a scenario into a new directory, then `verify --deep` over it: seconds and
 * counts of each. `extra` is added to the pipeline file (e.g. a layout), after the scenario's own
 * `extra`; the listing's page size is the scenario's `pageSize` (default PAGE_SIZE).
 */
export const archiveRun = async (scenario, { extra = '', verify = true } = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-'));
  const simulator = await startSimulator({
    seed: 42,
    contacts: scenario.contacts,
    recordingSeconds: scenario.recordingSeconds,
  });
  try {
    const file = await writeSimulatorPipeline(dir, simulator, {
      media: scenario.media,
      pageSize: scenario.pageSize ?? PAGE_SIZE,
      concurrency: scenario.concurrency,
      extra: [scenario.extra ?? '', extra],
    });
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
    let verifySeconds = Number.NaN;
    if (verify) {
      // `cxarchive verify --deep` over what was just archived: every object read and authenticated.
      const archive = await prepareArchive(await loadPipeline({ file, scope: 'archive' }), {
        fallbackFrom: [CLI_DIR],
        scrubber,
      });
      const verifyStarted = performance.now();
      const verified = await verifyArchive({ prepared: archive, scrubber, deep: true });
      verifySeconds = (performance.now() - verifyStarted) / 1000;
      if (verified.problemCount > 0) throw new Error(`bench verify found ${verified.problemCount} problems`);
    }
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

/**
 * A bare listing of a scenario's contacts from a simulator started as `archiveRun` starts it:
 * the pages source-cxone asks for (`updatedSince`, `orderBy=lastUpdateTime asc`, its page size),
 * each fetched and parsed, nothing else. Seconds and contacts read, token excluded.
 */
export const listingRun = async (scenario, pageSize = scenario.pageSize ?? PAGE_SIZE) => {
  const simulator = await startSimulator({
    seed: 42,
    contacts: scenario.contacts,
    recordingSeconds: scenario.recordingSeconds,
  });
  try {
    const { credentials } = simulator;
    const tokenResponse = await fetch(`${simulator.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: credentials.accessKeyId,
        password: credentials.accessKeySecret,
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
    });
    if (tokenResponse.status !== 200) throw new Error(`bench listing: token HTTP ${tokenResponse.status}`);
    const { access_token: token } = await tokenResponse.json();
    let url =
      `${simulator.url}/incontactapi/services/v33.0/contacts/completed?updatedSince=2026-01-01T00:00:00Z` +
      `&orderBy=lastUpdateTime%20asc&skip=0&top=${pageSize}`;
    let contacts = 0;
    const started = performance.now();
    while (url) {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      if (response.status === 204) break;
      if (response.status !== 200) throw new Error(`bench listing: HTTP ${response.status}`);
      const page = await response.json();
      contacts += page.completedContacts.length;
      url = page._links.next;
    }
    return { seconds: (performance.now() - started) / 1000, contacts };
  } finally {
    await simulator.stop();
  }
};

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Prints the figures as a table, or one JSON object per figure with `--json`. */
const main = async () => {
  const json = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
  const emit = (figure) => console.log(JSON.stringify({ bench: 'e2e', ...figure }));
  if (!json) {
    console.log(
      `cxarchive end-to-end benchmark (simulator → source-cxone → gzip-aes → sink-fs), median of ${REPEATS} runs, Node ${process.version}`,
    );
    console.log(
      'scenario           records  objects   source MB   seconds   records/s    MB/s   peak RSS MB   verify --deep s   MiB/s   objects/s',
    );
  }
  const listings = [];
  for (const scenario of SCENARIOS) {
    const runs = [];
    const lists = [];
    for (let i = 0; i < REPEATS; i++) {
      runs.push(await archiveRun(scenario));
      if (scenario.listing) lists.push(await listingRun(scenario));
    }
    const s = median(runs.map((r) => r.seconds));
    const v = median(runs.map((r) => r.verifySeconds));
    const r = runs[0];
    const mb = r.plaintext / 1e6;
    if (json) {
      emit({
        name: `${scenario.name}: archive`,
        value: r.records / s,
        unit: 'records/s',
        records: r.records,
      });
      emit({ name: `${scenario.name}: source`, value: mb / s, unit: 'MB/s' });
      emit({ name: `${scenario.name}: verify --deep`, value: r.objects / v, unit: 'objects/s' });
    } else
      console.log(
        `${scenario.name.padEnd(18)} ${String(r.records).padStart(7)} ${String(r.objects).padStart(8)} ${mb.toFixed(1).padStart(11)} ${s.toFixed(2).padStart(9)} ${(r.records / s).toFixed(1).padStart(11)} ${(mb / s).toFixed(1).padStart(7)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(13)} ${v.toFixed(2).padStart(17)} ${(r.stored / 2 ** 20 / v).toFixed(1).padStart(7)} ${(r.objects / v).toFixed(0).padStart(11)}`,
      );
    if (scenario.listing) {
      const listed = lists[0].contacts;
      if (listed !== r.records)
        throw new Error(`the listing read ${listed} contacts, the run archived ${r.records}`);
      listings.push({
        scenario,
        archive: r.records / s,
        listing: listed / median(lists.map((l) => l.seconds)),
      });
    }
  }
  for (const { scenario, archive, listing } of listings) {
    // Goal ≥ 0.8: archiving costs at most a quarter more than reading the same contacts.
    const ratio = archive / listing;
    if (json)
      emit({
        name: `${scenario.name}: archive vs bare listing`,
        value: ratio,
        unit: 'ratio',
        goal: 0.8,
        archive,
        listing,
        raw: listing,
        contacts: scenario.contacts,
        pageSize: scenario.pageSize ?? PAGE_SIZE,
      });
    else
      console.log(
        `${scenario.name}: archive ${archive.toFixed(0)} contacts/s vs bare listing of the same contacts ${listing.toFixed(0)} contacts/s (pages of ${scenario.pageSize ?? PAGE_SIZE}): ratio ${ratio.toFixed(2)} (goal ≥ 0.8)`,
      );
  }
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  await main();
