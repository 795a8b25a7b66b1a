// The runtime's own ceiling, beside what the real parts cost: the same items through the real
// harness (ledger with group commit, boundary, event bus) with in-memory plugins, then into
// sink-fs (fsync and read-back per object). Figures only: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { errAsync, okAsync, PluginErrors, ResultAsync } from '@cxarchive/core';
import { definePlugin, ok, PLUGIN_API_VERSION, runPipeline, SecretScrubber } from '@cxarchive/core/host';
import fsSink from '@cxarchive/sink-fs';
import { createIdentityCodec, createMemorySink, createMemorySource } from '@cxarchive/testkit';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 3000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

const prepared = (kind, label, instance, definition) => ({
  kind,
  label,
  use: kind,
  packageName: definition ? '@cxarchive/sink-fs' : `bench-${kind}`,
  version: '0',
  config: {},
  definition:
    definition ??
    definePlugin({
      kind,
      name: kind,
      apiVersion: PLUGIN_API_VERSION,
      configSchema: {},
      create: () => ok(instance),
    }),
});

const pipeline = (dir, source, sink) => ({
  loaded: {
    file: path.join(dir, 'archive.pipeline.yaml'),
    dir,
    config: {
      version: 1,
      tenant: 'bench',
      budgets: {},
      concurrency: 8,
      retry: { attempts: 3, initialDelay: '1ms', maxDelay: '5ms', maxElapsed: '1m', maxWait: '1m' },
      state: { store: 'sqlite', lease: '1m' },
    },
  },
  source: prepared('source', 'source', source),
  transforms: [],
  codec: prepared('codec', 'codec', createIdentityCodec()),
  sinks: [sink],
  notifiers: [],
});

const records = Array.from({ length: ITEMS }, (_, i) => ({
  id: `c${String(i).padStart(6, '0')}`,
  record: { contactId: i, note: 'x'.repeat(1500) },
}));

const SCENARIOS = [
  { name: 'memory sink', sink: () => prepared('sink', 'sinks[0]', createMemorySink()) },
  {
    name: 'sink-fs (fsync)',
    sink: (dir) => ({
      ...prepared('sink', 'sinks[0]', null, fsSink),
      config: { root: path.join(dir, 'archive'), fsync: true, fileMode: '0640' },
    }),
  },
];

const child = process.argv[2] === '--retry-memory';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\ncxarchive runtime benchmark: ${ITEMS} metadata records, identity codec, concurrency 8, median of ${REPEATS}`,
);
if (!child) console.log('scenario                 items/s   seconds');
for (const scenario of child ? [] : SCENARIOS) {
  const seconds = [];
  for (let i = 0; i < REPEATS; i++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-rt-'));
    try {
      const started = performance.now();
      const report = await runPipeline({
        prepared: pipeline(dir, createMemorySource(records, { pageSize: 500 }), scenario.sink(dir)),
        scrubber: new SecretScrubber(),
      });
      seconds.push((performance.now() - started) / 1000);
      if (report.status !== 'succeeded')
        throw new Error(`bench run ${report.status}: ${JSON.stringify(report.failures[0] ?? report.error)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = median(seconds);
  console.log(
    `${scenario.name.padEnd(22)} ${(ITEMS / s).toFixed(0).padStart(9)} ${s.toFixed(2).padStart(9)}`,
  );
}

// Memory of a retry run, in a process of its own: every item failed once, then all are retried
// (read from the ledger page by page, never all at once), into a sink that keeps nothing.
const discardSink = () => ({
  checksums: ['sha256'],
  put: (key, body) => {
    const hash = createHash('sha256');
    let size = 0;
    return ResultAsync.fromPromise(
      (async () => {
        for await (const chunk of body) {
          hash.update(chunk);
          size += chunk.length;
        }
        return { key, size, checksum: { algorithm: 'sha256', value: hash.digest('hex') } };
      })(),
      (e) => PluginErrors.transient(String(e)),
    );
  },
  head: () => okAsync(null),
  get: (key) => errAsync(PluginErrors.notFound(key)),
});

const retryMemory = async (count) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-retry-'));
  try {
    const many = Array.from({ length: count }, (_, i) => ({ id: `f${i}` }));
    let failing = true;
    const source = createMemorySource(many, {
      pageSize: 1000,
      script: { fetch: () => (failing ? PluginErrors.invalidInput('not yet readable') : undefined) },
    });
    const sink = prepared('sink', 'sinks[0]', discardSink());
    await runPipeline({ prepared: pipeline(dir, source, sink), scrubber: new SecretScrubber() });
    failing = false;
    const started = performance.now();
    const report = await runPipeline({
      prepared: pipeline(dir, source, sink),
      scrubber: new SecretScrubber(),
    });
    return {
      archived: report.counts.archived,
      seconds: (performance.now() - started) / 1000,
      rssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[2] === '--retry-memory') {
  console.log(JSON.stringify(await retryMemory(Number(process.argv[3]))));
} else {
  console.log('\nmemory of a run that retries N failed items (its own process; the sink keeps nothing)');
  console.log('failed items   archived   seconds   peak RSS MB');
  for (const n of [2000, 30000]) {
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--retry-memory', String(n)],
      {
        encoding: 'utf8',
      },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1));
    console.log(
      `${String(n).padStart(12)} ${String(r.archived).padStart(10)} ${r.seconds.toFixed(2).padStart(9)} ${r.rssMb.toFixed(0).padStart(13)}`,
    );
  }
}
