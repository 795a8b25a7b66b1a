// Requests a sink receives per 1,000 contacts (issue 9, item 7), in each record layout, for
// metadata only and with a recording per contact: simulator-shaped contacts replayed from memory
// (bench/pipeline.bench.mjs) through the real runtime and gzip-aes into
// (a) sink-fs, every call of the sink counted by a wrapper around the real plugin, and
// (b) sink-s3 on Ceph RGW (loopback), every HTTP request counted from the request log of the
// testkit's HTTP fault proxy in front of it (no faults set), named by S3 operation.
// Each recording is 16 KiB of random bytes (audio/mp4, stored as it is); a real contact center has
// fewer recordings than contacts, so the with-recordings figures are an upper bound. Missing Ceph
// (and no way to install it) is printed and (b) skipped. `--json` (or BENCH_JSON=1) prints one
// JSON object per figure. Figures only: nothing here asserts a count.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { okAsync } from '@cxarchive/core';
import { ok, runPipeline } from '@cxarchive/core/host';
import { buildDataset } from '@cxarchive/cxone-simulator';
import { cephRgwUnavailable, startCephRgw, startHttpFaultProxy } from '@cxarchive/testkit';
import { itemOf, prepare, replaySource, sourcePlugin } from './pipeline.bench.mjs';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const JSON_OUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
/** Contacts a run: fewer for the per-item layout (one object each), more for batches to fill. */
const PER_ITEM_CONTACTS = Number(process.env.BENCH_REQUESTS_PER_ITEM_CONTACTS ?? 2000);
const BATCH_CONTACTS = Number(process.env.BENCH_REQUESTS_BATCH_CONTACTS ?? 20_000);
const RECORDING_BYTES = 16 * 1024;
const BUCKET = 'requests-bench';

// With recordings, a quarter as many (each is an object of its own in either layout).
const SCENARIOS = [
  { layout: 'per-item', recordings: false, contacts: PER_ITEM_CONTACTS },
  { layout: 'batch', recordings: false, contacts: BATCH_CONTACTS },
  { layout: 'per-item', recordings: true, contacts: Math.ceil(PER_ITEM_CONTACTS / 4) },
  { layout: 'batch', recordings: true, contacts: Math.ceil(BATCH_CONTACTS / 4) },
];
const CONTACTS = Math.max(...SCENARIOS.map((s) => s.contacts));

const recording = randomBytes(RECORDING_BYTES);
const dataset = buildDataset({ seed: 1, contacts: CONTACTS });
const items = Array.from({ length: CONTACTS }, (_, i) => itemOf(dataset.contactAt(i)));
const withRecording = (item) => ({
  ...item,
  artifacts: [
    {
      name: 'recording.mp4',
      contentType: 'audio/mp4',
      size: recording.length,
      open: () => okAsync(Readable.from([recording])),
    },
  ],
});

/** The prepared sink with every call of its instance counted by method name into `counts`. */
const counting = (plugin, counts) => ({
  ...plugin,
  definition: {
    ...plugin.definition,
    create: async (config, context) => {
      const created = await plugin.definition.create(config, context);
      if (created.isErr()) return created;
      const sink = created.value;
      return ok(
        new Proxy(sink, {
          get(target, property) {
            const value = Reflect.get(target, property);
            if (typeof value !== 'function') return value;
            return (...args) => {
              counts[property] = (counts[property] ?? 0) + 1;
              return value.apply(target, args);
            };
          },
        }),
      );
    },
  },
});

/** One run of every contact in `scenario`, into the sinks `sinks` names (sink-fs by default). */
const run = async (scenario, sinks, counts) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-requests-'));
  try {
    const { prepared, scrubber } = await prepare(dir, scenario.layout, sinks);
    const at = scenario.recordings ? (i) => withRecording(items[i]) : (i) => items[i];
    const report = await runPipeline({
      prepared: {
        ...prepared,
        source: sourcePlugin(replaySource(scenario.contacts, at)),
        sinks: counts === undefined ? prepared.sinks : prepared.sinks.map((sink) => counting(sink, counts)),
      },
      scrubber,
    });
    if (report.status !== 'succeeded' || report.counts.archived !== scenario.contacts)
      throw new Error(
        `bench run ${report.status}, ${report.counts.archived} of ${scenario.contacts} archived: ${JSON.stringify(report.failures[0] ?? report.error)}`,
      );
    return report.objects;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The S3 operation of one logged request (`METHOD /bucket/key?query`). */
const operationOf = (line) => {
  const [method, target] = line.split(' ');
  const query = new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '');
  if (method === 'PUT') return query.has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'POST') return query.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return query.has('list-type') ? 'ListObjectsV2' : 'GetObject';
  return method;
};

const figures = [];
const label = (s) => `${s.layout}, ${s.recordings ? 'with recordings' : 'metadata only'}`;
const record = (sink, scenario, objects, counts, puts) => {
  const per1000 = (n) => (n * 1000) / scenario.contacts;
  figures.push({
    bench: 'requests',
    name: `${sink}: ${label(scenario)}: PUT requests per 1,000 contacts`,
    value: per1000(puts),
    unit: 'requests per 1,000 contacts',
    sink,
    layout: scenario.layout,
    recordings: scenario.recordings,
    contacts: scenario.contacts,
    objects,
    counts,
    per1000: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, per1000(v)])),
  });
};

// (a) sink-fs: calls of the sink itself.
for (const scenario of SCENARIOS) {
  const counts = {};
  const objects = await run(scenario, undefined, counts);
  record('sink-fs', scenario, objects, counts, counts.put ?? 0);
}

// (b) sink-s3 on Ceph RGW: HTTP requests through the fault proxy.
const cephMissing = cephRgwUnavailable();
let s3Skipped;
if (cephMissing !== undefined) s3Skipped = cephMissing;
else {
  const { S3Client, CreateBucketCommand } = createRequire(path.join(ROOT, 'packages/sink-s3/package.json'))(
    '@aws-sdk/client-s3',
  );
  const rgw = await startCephRgw();
  const endpoint = new URL(rgw.endpoint);
  // keepHost: the sink signs the Host header (SigV4), and RGW serves any host name.
  const proxy = await startHttpFaultProxy(
    { host: endpoint.hostname, port: Number(endpoint.port) },
    {},
    { keepHost: true },
  );
  try {
    const client = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    for (const [n, scenario] of SCENARIOS.entries()) {
      const sinks = `sinks:
  - use: s3
    with: { bucket: ${BUCKET}, prefix: run-${n}/, endpoint: "${proxy.url}", forcePathStyle: true, region: us-east-1,
            accessKeyId: "${rgw.accessKeyId}", secretAccessKey: "${rgw.secretAccessKey}" }`;
      const before = proxy.log().length;
      const objects = await run(scenario, sinks);
      const counts = {};
      for (const line of proxy.log().slice(before)) {
        const operation = operationOf(line);
        counts[operation] = (counts[operation] ?? 0) + 1;
      }
      record(
        'sink-s3 (Ceph RGW)',
        scenario,
        objects,
        counts,
        (counts.PutObject ?? 0) + (counts.UploadPart ?? 0),
      );
    }
  } finally {
    await proxy.stop();
    await rgw.stop();
  }
}

if (JSON_OUT) for (const f of figures) console.log(JSON.stringify(f));
else {
  console.log(
    `\nrequests a sink receives per 1,000 contacts (contacts a run as shown; with recordings: one of ${RECORDING_BYTES / 1024} KiB per contact; calls made once a run are divided too)`,
  );
  console.log(
    `${'sink'.padEnd(20)} ${'scenario'.padEnd(34)} ${'contacts'.padStart(8)} ${'objects'.padStart(8)} ${'PUT'.padStart(8)}  every call per 1,000 contacts`,
  );
  for (const f of figures)
    console.log(
      `${f.sink.padEnd(20)} ${label(f).padEnd(34)} ${String(f.contacts).padStart(8)} ${String(f.objects).padStart(8)} ${f.value.toFixed(1).padStart(8)}  ${Object.entries(
        f.per1000,
      )
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
  if (s3Skipped !== undefined) console.log(`sink-s3 skipped: ${s3Skipped}`);
}
