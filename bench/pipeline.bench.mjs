// Pipeline capacity (issue 9, items 1 and 3, and the memory figure): simulator-shaped contacts
// (about 1.35 KB each, from the simulator's data set, rendered as source-cxone renders a listed
// contact) replayed from memory by a source that costs nothing, through the real runtime
// (`runPipeline`: ledger, batcher, boundary), the real gzip-aes codec and sink-fs (fsync), beside
// raw `zlib.gzipSync` level 6 + AES-256-GCM on one core over the same records as JSON Lines in
// batches of 1000, measured in the same process after the run. Each layout runs in a process of
// its own (so its CPU seconds and peak RSS are its own). Then the memory of a batched run of 10k
// and of 100k contacts generated as they are fetched (nothing held), each in its own process, with
// the heap left after a full GC (what the run retains), and (BENCH_CPU_PROF=0 turns it off) where
// each layout's main-thread time goes: self time by function and by area (ledger, effect, GC…) of a
// CPU profile (what `--cpu-prof` records) of the run alone. `--json` (or BENCH_JSON=1) prints one
// JSON object per figure. Figures only: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { okAsync } from '@cxarchive/core';
import {
  definePlugin,
  loadPipeline,
  ok,
  PLUGIN_API_VERSION,
  preparePipeline,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { buildDataset } from '@cxarchive/cxone-simulator';

const SELF = fileURLToPath(import.meta.url);
const CLI_DIR = path.resolve(fileURLToPath(new URL('../packages/cli', import.meta.url)));
const JSON_OUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const BATCH_CONTACTS = Number(process.env.BENCH_PIPELINE_CONTACTS ?? 100_000);
const PER_ITEM_CONTACTS = Number(process.env.BENCH_PIPELINE_PER_ITEM_CONTACTS ?? 5000);
const BATCH_SIZE = Number(process.env.BENCH_PIPELINE_BATCH_SIZE ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 8);
const PAGE_SIZE = 1000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const MEMORY_SIZES = (process.env.BENCH_PIPELINE_MEMORY ?? '10000,100000').split(',').map(Number);
const PROFILE = process.env.BENCH_CPU_PROF !== '0';
/** Issue 9: ≥ 0.8 of raw gzip L6 + AES-256-GCM on one core, and ≥ 40k contacts/s here. */
const GOAL_RATIO = 0.8;
const GOAL_RATE = 40_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * A listed contact as source-cxone's item holds it: the listing's JSON parsed (the v33.0 names
 * are the archive names, so `mapContactRecord` keeps every field as it is), the id the decimal
 * contactId, the date its start.
 */
export const itemOf = (contact) => {
  const record = JSON.parse(JSON.stringify(contact));
  return {
    id: String(record.contactId),
    occurredAt: new Date(record.contactStartDate),
    record,
    artifacts: [],
  };
};

/**
 * A source that costs nothing: pages of refs by position, `fetch` hands back the item at that
 * position (`itemAt`: held in memory, or made on the spot for the memory figure).
 */
export const replaySource = (count, itemAt) => ({
  recordName: 'contact',
  async *pages(checkpoint, signal) {
    let offset = typeof checkpoint?.offset === 'number' ? checkpoint.offset : 0;
    while (offset < count && !signal.aborted) {
      const end = Math.min(count, offset + PAGE_SIZE);
      const items = [];
      for (let i = offset; i < end; i++) items.push({ id: itemAt(i).id, data: { position: i } });
      offset = end;
      yield ok({ items, checkpoint: { offset } });
    }
  },
  fetch: (ref) => okAsync(itemAt(ref.data.position)),
});

export const sourcePlugin = (source) => ({
  kind: 'source',
  label: 'source',
  use: 'replay',
  packageName: 'bench-replay-source',
  version: '0',
  config: {},
  definition: definePlugin({
    kind: 'source',
    name: 'replay',
    apiVersion: PLUGIN_API_VERSION,
    configSchema: {},
    create: () => ok(source),
  }),
});

/**
 * The real codec and sinks (`sinks`: the pipeline file's `sinks:` line; default sink-fs under
 * `dir`) as a pipeline file prepares them (options validated, defaults applied), for a replay
 * source to take the file's source's place (which is never created, so never called).
 */
export const prepare = async (dir, layout, sinks = 'sinks: [{ use: fs, with: { root: ./archive } }]') => {
  await writeKeyFile(path.join(dir, 'bench.key'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: bench
source:
  use: cxone
  with: { issuer: "http://127.0.0.1:9", accessKeyId: a, accessKeySecret: b, clientId: c, clientSecret: d,
          since: 2026-01-01T00:00:00Z, media: [] }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./bench.key } } }
${sinks}
concurrency: ${CONCURRENCY}
layout: { records: ${layout}, batchSize: ${BATCH_SIZE} }
`,
  );
  const scrubber = new SecretScrubber();
  return {
    scrubber,
    prepared: await preparePipeline(await loadPipeline({ file }), { fallbackFrom: [CLI_DIR], scrubber }),
  };
};

/** One run of `count` contacts in `layout` into a new directory: seconds, CPU seconds, counts. */
const pipelineRun = async (layout, count, itemAt, hooks = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-pipeline-'));
  try {
    const { prepared, scrubber } = await prepare(dir, layout);
    await hooks.before?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await runPipeline({
      prepared: { ...prepared, source: sourcePlugin(replaySource(count, itemAt)) },
      scrubber,
    });
    const seconds = (performance.now() - started) / 1000;
    await hooks.after?.();
    const cpuUsed = cpuSeconds(cpu);
    if (report.status !== 'succeeded' || report.counts.archived !== count)
      throw new Error(
        `bench run ${report.status}, ${report.counts.archived} of ${count} archived: ${JSON.stringify(report.failures[0] ?? report.error)}`,
      );
    return {
      seconds,
      cpu: cpuUsed,
      objects: report.objects,
      plaintext: report.bytes.plaintext,
      stored: report.bytes.stored,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** AES-256-GCM of one whole buffer. */
const seal = (bytes) => {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  cipher.update(bytes);
  cipher.final();
  cipher.getAuthTag();
};

/** The batcher's line of an item: `{"id":…,"record":…}`. */
const lineOf = (item) => `${JSON.stringify({ id: item.id, record: item.record })}\n`;

/**
 * Raw gzipSync L6 + AES-256-GCM on one core over the items as JSON Lines objects of BATCH_SIZE
 * lines (already serialised), and the same with JSON.stringify of each record inside the clock.
 */
const rawRuns = (items) => {
  const batches = [];
  for (let first = 0; first < items.length; first += BATCH_SIZE)
    batches.push(
      Buffer.from(
        items
          .slice(first, first + BATCH_SIZE)
          .map(lineOf)
          .join(''),
      ),
    );
  const bytes = batches.reduce((sum, b) => sum + b.length, 0);
  const gzipAes = [];
  const withStringify = [];
  for (let r = 0; r < REPEATS; r++) {
    let started = performance.now();
    for (const batch of batches) seal(gzipSync(batch, { level: 6 }));
    gzipAes.push((performance.now() - started) / 1000);
    started = performance.now();
    for (let first = 0; first < items.length; first += BATCH_SIZE) {
      const text = items
        .slice(first, first + BATCH_SIZE)
        .map(lineOf)
        .join('');
      seal(gzipSync(Buffer.from(text), { level: 6 }));
    }
    withStringify.push((performance.now() - started) / 1000);
  }
  return { bytes, gzipAes: median(gzipAes), withStringify: median(withStringify) };
};

/** Child: `--capacity <layout> <count>`: records held, REPEATS runs, then the raw reference. */
const capacity = async (layout, count) => {
  const dataset = buildDataset({ seed: 1, contacts: count });
  const items = Array.from({ length: count }, (_, i) => itemOf(dataset.contactAt(i)));
  const heldRssMb = process.memoryUsage.rss() / 2 ** 20;
  const runs = [];
  for (let r = 0; r < REPEATS; r++) runs.push(await pipelineRun(layout, count, (i) => items[i]));
  const runPeakRssMb = peakRssMb();
  const best = runs.find((run) => run.seconds === median(runs.map((x) => x.seconds)));
  const raw = rawRuns(items);
  return { layout, count, ...best, heldRssMb, runPeakRssMb, raw };
};

/** Child: `--memory <count>`: one batched run of contacts made as they are fetched (nothing held). */
const memory = async (count) => {
  const dataset = buildDataset({ seed: 1, contacts: count });
  const before = process.memoryUsage.rss() / 2 ** 20;
  // The most JS heap in use, sampled (what garbage not yet collected adds to RSS).
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  const run = await pipelineRun('batch', count, (i) => itemOf(dataset.contactAt(i)));
  clearInterval(sampler);
  // What the run left reachable: the heap after a full collection (the child runs with --expose-gc).
  globalThis.gc?.();
  return {
    count,
    seconds: run.seconds,
    startRssMb: before,
    peakRssMb: peakRssMb(),
    heapPeakMb: heapPeak / 2 ** 20,
    heapAfterGcMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
};

/**
 * Child: `--profile <layout> <count>`: one run with the V8 CPU profiler on (what `--cpu-prof`
 * records, started just before the run and stopped just after it, so setup is left out): the
 * top self-time functions of the main thread.
 */
const profiled = async (layout, count) => {
  const dataset = buildDataset({ seed: 1, contacts: count });
  const items = Array.from({ length: count }, (_, i) => itemOf(dataset.contactAt(i)));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  let profile;
  const run = await pipelineRun(layout, count, (i) => items[i], {
    before: () => session.post('Profiler.start'),
    after: async () => {
      ({ profile } = await session.post('Profiler.stop'));
    },
  });
  session.disconnect();
  // BENCH_CPU_PROF_OUT=<dir>: keep the profile too, to open in a profiler (Chrome DevTools, speedscope).
  if (process.env.BENCH_CPU_PROF_OUT)
    writeFileSync(
      path.join(process.env.BENCH_CPU_PROF_OUT, `pipeline-${layout}-${count}.cpuprofile`),
      JSON.stringify(profile),
    );
  return { layout, count, seconds: run.seconds, top: topSelfTime(profile) };
};

/** Where a profiled function lives, coarsely: the part of cxarchive or the library it belongs to. */
const areaOf = (functionName, url) => {
  if (!url) return functionName.startsWith('(') ? functionName : 'native (V8 builtins, C++ bindings)';
  if (url.startsWith('node:')) return 'Node internals (streams, fs, zlib, crypto JS)';
  const pkg = /\/packages\/([^/]+)\/dist\/(?:([^/]+)\/)?/.exec(url);
  if (pkg) return pkg[1] === 'core' ? `core: ${pkg[2] ?? 'top level'}` : pkg[1];
  const module = /node_modules\/\.pnpm\/([^/]+?)@/.exec(url);
  if (module) return module[1];
  if (url.includes('/bench/')) return 'bench (replay source)';
  return url;
};

/** The top self-time functions of a CPU profile (samples × their time deltas), and by area. */
export const topSelfTime = (profile, top = 15) => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const areas = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url
      ? `${url.replace(/^file:\/\//, '').replace(`${path.resolve(SELF, '../..')}/`, '')}:${lineNumber + 1}`
      : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + delta);
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + delta);
  });
  const ranked = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
  return { functions: ranked(self, top), areas: ranked(areas, top) };
};

const child = (args) => {
  const out = execFileSync(process.execPath, ['--expose-gc', SELF, ...args], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_JSON: '0' },
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
};

const main = () => {
  const figures = [];
  const emit = (figure) => figures.push({ bench: 'pipeline', ...figure });
  const lines = [];
  const say = (line) => lines.push(line);

  say(
    `\ncxarchive pipeline capacity: replayed simulator contacts → runtime → gzip-aes → sink-fs (fsync), concurrency ${CONCURRENCY}, pages of ${PAGE_SIZE}, median of ${REPEATS}; Node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`,
  );
  say(
    'layout               contacts  objects  contacts/s  seconds  CPU s  cores  RSS held MB  peak RSS MB   raw/s  raw+stringify/s  ratio',
  );
  for (const [layout, count] of [
    ['batch', BATCH_CONTACTS],
    ['per-item', PER_ITEM_CONTACTS],
  ]) {
    const c = child(['--capacity', layout, String(count)]);
    const rate = count / c.seconds;
    const raw = count / c.raw.gzipAes;
    const rawStringify = count / c.raw.withStringify;
    const ratio = rate / raw;
    const name = `${layout === 'batch' ? `batch (${BATCH_SIZE})` : 'per-item'}`;
    emit({
      name: `capacity, metadata, ${name}`,
      value: rate,
      unit: 'contacts/s',
      raw,
      ratio,
      ...(layout === 'batch' ? { goal: GOAL_RATIO, goalRate: GOAL_RATE } : {}),
      rawWithStringify: rawStringify,
      contacts: count,
      objects: c.objects,
      seconds: c.seconds,
      cpuSeconds: c.cpu,
      peakRssMb: c.runPeakRssMb,
      heldRssMb: c.heldRssMb,
      bytesPerContact: c.raw.bytes / count,
    });
    say(
      `${name.padEnd(20)} ${String(count).padStart(8)} ${String(c.objects).padStart(8)} ${rate.toFixed(0).padStart(11)} ${c.seconds.toFixed(2).padStart(8)} ${c.cpu.toFixed(2).padStart(6)} ${(c.cpu / c.seconds).toFixed(2).padStart(6)} ${c.heldRssMb.toFixed(0).padStart(12)} ${c.runPeakRssMb.toFixed(0).padStart(12)} ${raw.toFixed(0).padStart(7)} ${rawStringify.toFixed(0).padStart(16)} ${ratio.toFixed(2).padStart(6)}`,
    );
    if (layout === 'batch')
      say(
        `  goal: ≥ ${GOAL_RATIO} of raw gzipSync L6 + AES-256-GCM on one core (${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}) and ≥ ${GOAL_RATE.toLocaleString('en-US')} contacts/s (${rate >= GOAL_RATE ? 'met' : 'NOT met'}); ${(c.raw.bytes / count).toFixed(0)} B of JSON per contact`,
      );
  }
  say(
    '  (RSS held: the process with every replayed record in memory, before the runs; peak RSS: the most during the runs)',
  );

  say('\nmemory of a batched run, contacts made as they are fetched (nothing held), each in its own process');
  say(
    'contacts   seconds   RSS at start MB   peak RSS MB   peak heap used MB   heap after the run and a full GC MB',
  );
  const memories = MEMORY_SIZES.map((count) => child(['--memory', String(count)]));
  for (const m of memories) {
    emit({
      name: `memory, batch (${BATCH_SIZE}), ${m.count} contacts`,
      value: m.peakRssMb,
      unit: 'MB peak RSS',
      contacts: m.count,
      startRssMb: m.startRssMb,
      heapPeakMb: m.heapPeakMb,
      heapAfterGcMb: m.heapAfterGcMb,
      seconds: m.seconds,
    });
    say(
      `${String(m.count).padStart(8)} ${m.seconds.toFixed(2).padStart(9)} ${m.startRssMb.toFixed(0).padStart(17)} ${m.peakRssMb.toFixed(0).padStart(13)} ${m.heapPeakMb.toFixed(0).padStart(19)} ${m.heapAfterGcMb.toFixed(0).padStart(20)}`,
    );
  }
  if (memories.length >= 2) {
    const growth = memories.at(-1).peakRssMb - memories[0].peakRssMb;
    say(
      `  peak RSS ${memories[0].count} → ${memories.at(-1).count} contacts: ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB (goal: flat); heap left after a full GC ${memories[0].heapAfterGcMb.toFixed(0)} → ${memories.at(-1).heapAfterGcMb.toFixed(0)} MB`,
    );
  }

  if (PROFILE) {
    // The batched run in full; the per-item run by area only (its own contact count).
    for (const [layout, count] of [
      ['batch', BATCH_CONTACTS],
      ['per-item', PER_ITEM_CONTACTS],
    ]) {
      const p = child(['--profile', layout, String(count)]);
      say(
        `\nwhere the ${layout} run's main-thread time goes (CPU profile of the run only, ${p.count} contacts in ${p.seconds.toFixed(2)} s under the profiler; self time)`,
      );
      const shown = layout === 'batch' ? [...p.top.functions, undefined, ...p.top.areas] : p.top.areas;
      if (layout === 'batch') say('top functions');
      for (const t of shown) {
        if (t === undefined) {
          say('by area');
          continue;
        }
        const what = p.top.areas.includes(t) ? 'by area' : 'self time';
        emit({ name: `profile, ${layout}, ${what}: ${t.name}`, value: t.ms, unit: 'ms', share: t.share });
        say(`${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)} %  ${t.name}`);
      }
    }
  }

  if (JSON_OUT) for (const f of figures) console.log(JSON.stringify(f));
  else for (const line of lines) console.log(line);
};

const [mode, a, b] = process.argv.slice(2);
if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== SELF) {
  // imported (bench/requests.bench.mjs): nothing to run
} else if (mode === '--capacity') console.log(JSON.stringify(await capacity(a, Number(b))));
else if (mode === '--memory') console.log(JSON.stringify(await memory(Number(a))));
else if (mode === '--profile') console.log(JSON.stringify(await profiled(a, Number(b))));
else main();
