// Archiving recordings into S3 (a real Ceph RGW on loopback), side by side with what an operator
// would otherwise script: `rclone copy` through rclone's crypt backend to the same server.
// The same files for both: 40 × 4 MiB, one 256 MiB file and one 2 GiB file of random bytes (barely
// compressible; BENCH_S3_HUGE_MIB=0 leaves the 2 GiB file out).
// cxarchive runs the real runtime (path plugin source → gzip-aes → sink-s3, read-back verified) in a
// child process of its own, so its CPU time and peak RSS are its own; rclone runs under
// /usr/bin/time. Figures only: nothing here asserts a time. Missing rclone or Ceph (and no way to
// install them) is printed and that part skipped; the bench still exits 0. Also printed: the S3
// requests each tool made per file (RGW's own request counter, read from its admin socket), and
// each figure against its goal (issue 9: ≥ 1.5 × rclone's MiB/s with peak RSS < 100 MiB).
// `--json` (or BENCH_JSON=1) prints one JSON object per figure instead.
import { execFile, execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI_DIR = path.join(ROOT, 'packages/cli');
const MiB = 1024 * 1024;
const SMALL_FILES = Number(process.env.BENCH_S3_FILES ?? 40);
const SMALL_MIB = 4;
const LARGE_MIB = Number(process.env.BENCH_S3_LARGE_MIB ?? 256);
const HUGE_MIB = Number(process.env.BENCH_S3_HUGE_MIB ?? 2048);
const JSON_OUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const GOAL_RATIO = 1.5;
const GOAL_RSS_MIB = 100;
const CONCURRENCY = Number(process.env.BENCH_S3_CONCURRENCY ?? 8); // the pipeline default
// More sink options for cxarchive, as YAML flow-map entries (e.g. `partBuffers: 2, queueSize: 4`).
const SINK_WITH = process.env.BENCH_S3_SINK_WITH ?? '';
// Runs of each tool per set (alternating which goes first); each figure is that of the run of median
// speed. More than one evens out a shared machine's load.
const REPEAT = Math.max(1, Math.floor(Number(process.env.BENCH_S3_REPEAT ?? 1)) || 1);
// Node flags for the cxarchive process (e.g. `--max-semi-space-size=1`), to measure a proposal.
const NODE_FLAGS = (process.env.BENCH_S3_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
const TRANSFERS = Number(process.env.BENCH_S3_TRANSFERS ?? 4); // rclone's default
const APT_LOCK = path.join(tmpdir(), 'cxarchive-apt-install.lock'); // the testkit fixtures' lock
const CX_BUCKET = 'cxarchive-bench';
const RCLONE_BUCKET = 'rclone-bench';
const WARMUP_BUCKET = 'warmup';
const { S3Client, CreateBucketCommand, PutObjectCommand, paginateListObjectsV2 } = createRequire(
  path.join(ROOT, 'packages/sink-s3/package.json'),
)('@aws-sdk/client-s3');

// ---- child: one cxarchive run, printing its own figures as JSON on the last line ----------------

/** A path plugin: one item per file of `dir`, one artifact (audio/wav) opened with createReadStream. */
const dirSourcePlugin = (coreUrl) => `import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { definePlugin, ok, okAsync } from ${JSON.stringify(coreUrl)};

export default definePlugin({
  kind: 'source',
  name: 'bench-dir',
  apiVersion: 2,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: { dir: { type: 'string', minLength: 1 } },
  },
  create: (config) =>
    ok({
      recordName: 'recording',
      async *pages(checkpoint) {
        if (checkpoint?.done === true) return;
        const names = readdirSync(config.dir).sort();
        yield ok({ items: names.map((file) => ({ id: file, data: { file } })), checkpoint: { done: true } });
      },
      fetch: (ref) => {
        const file = path.join(config.dir, ref.data.file);
        return okAsync({
          id: ref.id,
          occurredAt: new Date('2026-11-01T00:00:00Z'),
          record: { file: ref.data.file },
          artifacts: [
            {
              name: 'audio.wav',
              contentType: 'audio/wav',
              size: statSync(file).size,
              open: () => okAsync(createReadStream(file, { highWaterMark: 256 * 1024 })),
            },
          ],
        });
      },
    }),
});
`;

const cxarchiveChild = async ([dataDir, endpoint, bucket, prefix, accessKeyId, secretAccessKey]) => {
  const { loadPipeline, preparePipeline, runPipeline, SecretScrubber } = await import('@cxarchive/core/host');
  const { writeKeyFile } = await import('@cxarchive/codec-gzip-aes');
  const coreUrl = import.meta.resolve('@cxarchive/core');
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-s3-'));
  try {
    writeFileSync(path.join(dir, 'dir-source.mjs'), dirSourcePlugin(coreUrl));
    await writeKeyFile(path.join(dir, 'bench.key'));
    const file = path.join(dir, 'archive.pipeline.yaml');
    writeFileSync(
      file,
      `version: 1
tenant: bench
source: { use: ./dir-source.mjs, with: { dir: ${JSON.stringify(dataDir)} } }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./bench.key }, compression: auto } }
sinks:
  - use: s3
    with: { bucket: ${bucket}, prefix: ${prefix}, endpoint: "${endpoint}", forcePathStyle: true, region: us-east-1,
            accessKeyId: "${accessKeyId}", secretAccessKey: "${secretAccessKey}"${SINK_WITH ? `, ${SINK_WITH}` : ''} }
concurrency: ${CONCURRENCY}
`,
    );
    const scrubber = new SecretScrubber();
    const prepared = await preparePipeline(await loadPipeline({ file }), {
      fallbackFrom: [CLI_DIR],
      scrubber,
    });
    // What the process holds before the first byte (runtime, plugins and the AWS SDK loaded, the
    // pipeline prepared): the part of the peak no upload adds.
    const rssBeforeKb = process.memoryUsage().rss / 1024;
    const before = process.resourceUsage();
    const started = performance.now();
    const report = await runPipeline({ prepared, scrubber });
    const seconds = (performance.now() - started) / 1000;
    if (report.status !== 'succeeded' || report.counts.failed > 0)
      throw new Error(
        `cxarchive run ${report.status}: ${JSON.stringify(report.failures[0] ?? report.error)}`,
      );
    const usage = process.resourceUsage();
    console.log(
      JSON.stringify({
        seconds,
        archived: report.counts.archived,
        objects: report.objects,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        maxRssKb: usage.maxRSS,
        rssBeforeKb,
        cpuBeforeSeconds: (before.userCPUTime + before.systemCPUTime) / 1e6,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[2] === '--cxarchive') {
  await cxarchiveChild(process.argv.slice(3));
  process.exit(0);
}

// ---- parent --------------------------------------------------------------------------------------

const onPath = (command) =>
  (process.env.PATH ?? '')
    .split(':')
    .concat(['/usr/bin', '/usr/sbin', '/bin'])
    .some((dir) => dir !== '' && existsSync(path.join(dir, command)));

/** Installs Debian packages when a command is missing (as root, with apt, one apt at a time). */
const aptInstall = async (command, pkg) => {
  if (onPath(command)) return undefined;
  if (process.getuid?.() !== 0) return `${command} is not installed and installing it needs root`;
  if (!onPath('apt-get')) return `${command} is not installed and there is no apt-get to install it`;
  try {
    await run(
      'flock',
      [
        APT_LOCK,
        'bash',
        '-c',
        `command -v ${command} >/dev/null && exit 0
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${pkg} >/dev/null`,
      ],
      { timeout: 600_000, maxBuffer: 16 * MiB },
    );
  } catch (error) {
    return `apt-get install ${pkg} failed: ${(error.stderr || error.message).trim().split('\n').at(-1)}`;
  }
  return onPath(command) ? undefined : `${pkg} installed but ${command} is not on PATH`;
};

/** Random bytes (what AES-GCM output or a compressed recording looks like), written in 4 MiB blocks. */
const writeRandomFile = async (file, mib) => {
  const out = createWriteStream(file);
  const block = Buffer.allocUnsafe(4 * MiB);
  for (let written = 0; written < mib; written += 4) {
    randomFillSync(block);
    if (!out.write(block)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
};

/** CPU seconds the Ceph daemons (mon, osd, radosgw) have used so far: the server's share of a run. */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const serverCpuSeconds = (rgw) => {
  let ticks = 0;
  const runDir = path.join(rgw.dir, 'run');
  for (const name of readdirSync(runDir).filter((n) => n.endsWith('.pid'))) {
    const pid = readFileSync(path.join(runDir, name), 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks / CLK_TCK;
};

const storedUnder = async (client, bucket, prefix) => {
  let count = 0;
  let bytes = 0;
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      count += 1;
      bytes += o.Size ?? 0;
    }
  }
  return { count, bytes };
};

const runCxarchive = async (rgw, dataDir, prefix) => {
  const started = performance.now();
  const { stdout } = await run(
    process.execPath,
    [
      ...NODE_FLAGS,
      fileURLToPath(import.meta.url),
      '--cxarchive',
      dataDir,
      rgw.endpoint,
      CX_BUCKET,
      prefix,
      rgw.accessKeyId,
      rgw.secretAccessKey,
    ],
    { maxBuffer: 16 * MiB, timeout: 1_800_000 },
  );
  const wall = (performance.now() - started) / 1000;
  const r = JSON.parse(stdout.trim().split('\n').at(-1));
  return {
    seconds: wall,
    inRun: r.seconds,
    cpu: r.cpuSeconds,
    rssMb: r.maxRssKb / 1024,
    rssBeforeMb: r.rssBeforeKb / 1024,
    cpuBefore: r.cpuBeforeSeconds,
  };
};

/** The rclone config: an s3 remote (Ceph, path style) and a crypt remote over a bucket of it. */
const rcloneConfig = (dir, rgw, rclone) => {
  const password = execFileSync(rclone, ['obscure', 'cxarchive-bench-passphrase'], {
    encoding: 'utf8',
  }).trim();
  const salt = execFileSync(rclone, ['obscure', 'cxarchive-bench-salt'], { encoding: 'utf8' }).trim();
  const file = path.join(dir, 'rclone.conf');
  writeFileSync(
    file,
    `[rgw]
type = s3
provider = Ceph
env_auth = false
access_key_id = ${rgw.accessKeyId}
secret_access_key = ${rgw.secretAccessKey}
endpoint = ${rgw.endpoint}
region = us-east-1
force_path_style = true

[crypt]
type = crypt
remote = rgw:${RCLONE_BUCKET}
filename_encryption = standard
directory_name_encryption = true
password = ${password}
password2 = ${salt}
`,
    { mode: 0o600 },
  );
  return file;
};

const runRclone = async (rclone, config, dataDir, dest, scratch) => {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // rclone 1.60 rejects every S3 remote while it is set
  const timeFile = path.join(scratch, 'rclone.time');
  const started = performance.now();
  await run(
    '/usr/bin/time',
    [
      '-f',
      '%U %S %M',
      '-o',
      timeFile,
      rclone,
      '--config',
      config,
      'copy',
      dataDir,
      `crypt:${dest}`,
      '--transfers',
      String(TRANSFERS),
    ],
    { env, maxBuffer: 16 * MiB, timeout: 1_800_000 },
  );
  const seconds = (performance.now() - started) / 1000;
  const [user, sys, maxRssKb] = readFileSync(timeFile, 'utf8')
    .trim()
    .split('\n')
    .at(-1)
    .split(/\s+/)
    .map(Number);
  return { seconds, cpu: user + sys, rssMb: maxRssKb / 1024 };
};

/** Prints a line of the human report (nothing with --json). */
const say = (line) => {
  if (!JSON_OUT) console.log(line);
};
/** Something that could not be measured, in either output. */
const skipped = (reason) =>
  console.log(JSON_OUT ? JSON.stringify({ bench: 's3', skipped: reason }) : `skipped: ${reason}`);

say(
  `\nS3 benchmark: recordings into Ceph RGW (loopback), cxarchive (gzip-aes → sink-s3, concurrency ${CONCURRENCY}) beside rclone crypt (--transfers ${TRANSFERS}), Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`,
);

const { cephRgwUnavailable, startCephRgw } = await import('@cxarchive/testkit');
const cephMissing = cephRgwUnavailable();
if (cephMissing !== undefined) {
  skipped(cephMissing);
  process.exit(0);
}
const timeMissing = await aptInstall('time', 'time');
const rcloneMissing = timeMissing ?? (await aptInstall('rclone', 'rclone'));
if (rcloneMissing !== undefined) skipped(`rclone part: ${rcloneMissing}`);

/** Requests RGW has answered so far (its `rgw.req` perf counter, from the admin socket). */
const rgwRequests = (rgw) => {
  const dump = execFileSync(
    'ceph',
    ['--admin-daemon', path.join(rgw.dir, 'run', 'client.rgw.a.asok'), 'perf', 'dump', 'rgw'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(dump).rgw.req;
};

/** Starts RGW with a store large enough for every copy the bench writes (the fixture holds 2 GiB). */
const startRgw = async (sets) => {
  const written =
    sets.reduce((sum, set) => sum + set.files * set.mib * (2 * REPEAT + (set.warm ? 1 : 0)), 0) * MiB;
  const bytes = Math.max(2 * 1024 * MiB, written + 1024 * MiB);
  const before = process.env.CEPH_ARGS;
  process.env.CEPH_ARGS = `${before ?? ''} --memstore_device_bytes=${bytes}`.trim();
  try {
    return await startCephRgw();
  } finally {
    if (before === undefined) delete process.env.CEPH_ARGS;
    else process.env.CEPH_ARGS = before;
  }
};

const bench = async (scratch) => {
  const sets = [
    {
      name: `${SMALL_FILES} × ${SMALL_MIB} MiB`,
      files: SMALL_FILES,
      mib: SMALL_MIB,
      prefix: 'small/',
      warm: true,
    },
    { name: `1 × ${LARGE_MIB} MiB`, files: 1, mib: LARGE_MIB, prefix: 'large/', warm: true },
    // Written after the others, RGW is warm by then: no warm-up copy of 2 GiB.
    ...(HUGE_MIB > 0
      ? [{ name: `1 × ${HUGE_MIB} MiB`, files: 1, mib: HUGE_MIB, prefix: 'huge/', warm: false }]
      : []),
  ].map((set) => ({ ...set, dir: path.join(scratch, set.prefix.slice(0, -1)) }));
  for (const set of sets) {
    mkdirSync(set.dir);
    for (let i = 0; i < set.files; i++)
      await writeRandomFile(path.join(set.dir, `rec-${String(i).padStart(3, '0')}.wav`), set.mib);
  }

  let rgw;
  try {
    rgw = await startRgw(sets);
  } catch (error) {
    skipped(error.message.split('\n')[0]);
    return;
  }
  try {
    const client = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    for (const Bucket of [CX_BUCKET, RCLONE_BUCKET]) await client.send(new CreateBucketCommand({ Bucket }));
    const rclone =
      rcloneMissing === undefined
        ? execFileSync('bash', ['-c', 'command -v rclone'], { encoding: 'utf8' }).trim()
        : undefined;
    const rcloneVersion = rclone
      ? execFileSync(rclone, ['version'], { encoding: 'utf8' }).split('\n')[0]
      : undefined;
    const config = rclone ? rcloneConfig(scratch, rgw, rclone) : undefined;

    // A fresh RGW is slow for its first few hundred MiB (memstore grows; measured: 160 MiB of raw
    // PutObject take ~2.6 s the first time and ~0.7 s after). Whoever ran first paid for it: write
    // the smaller sets once, untimed, before either tool runs.
    const warmStarted = performance.now();
    await client.send(new CreateBucketCommand({ Bucket: WARMUP_BUCKET }));
    for (const set of sets.filter((s) => s.warm)) {
      const names = readdirSync(set.dir);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < names.length) {
            const name = names[next++];
            await client.send(
              new PutObjectCommand({
                Bucket: WARMUP_BUCKET,
                Key: `${set.prefix}${name}`,
                Body: createReadStream(path.join(set.dir, name)),
                ContentLength: set.mib * MiB,
              }),
            );
          }
        }),
      );
    }
    const warmSeconds = (performance.now() - warmStarted) / 1000;

    const rows = [];
    for (const set of sets) {
      const mib = set.files * set.mib;
      for (let rep = 0; rep < REPEAT; rep++) {
        // Every run writes new keys (create-only); which tool goes first alternates.
        const prefix = REPEAT === 1 ? set.prefix : `${set.prefix}${rep}/`;
        const runCx = async () => {
          const cxServer = serverCpuSeconds(rgw);
          const cxRequests = rgwRequests(rgw);
          const cxLoad = loadavg()[0];
          const cx = await runCxarchive(rgw, set.dir, prefix);
          cx.load = cxLoad;
          cx.server = serverCpuSeconds(rgw) - cxServer;
          cx.requests = rgwRequests(rgw) - cxRequests;
          const cxStored = await storedUnder(client, CX_BUCKET, prefix);
          rows.push({ tool: 'cxarchive', set, rep, mib, ...cx, stored: cxStored });
        };
        const runRc = async () => {
          if (!rclone) return;
          // crypt encrypts the directory name too: count what this copy added to the bucket.
          const before = await storedUnder(client, RCLONE_BUCKET, '');
          const rcServer = serverCpuSeconds(rgw);
          const rcRequests = rgwRequests(rgw);
          const rcLoad = loadavg()[0];
          const rc = await runRclone(rclone, config, set.dir, prefix.slice(0, -1), scratch);
          rc.load = rcLoad;
          rc.server = serverCpuSeconds(rgw) - rcServer;
          rc.requests = rgwRequests(rgw) - rcRequests;
          const after = await storedUnder(client, RCLONE_BUCKET, '');
          const rcStored = { count: after.count - before.count, bytes: after.bytes - before.bytes };
          rows.push({ tool: 'rclone crypt', set, rep, mib, ...rc, stored: rcStored });
        };
        if (rep % 2 === 0) {
          await runCx();
          await runRc();
        } else {
          await runRc();
          await runCx();
        }
      }
    }

    const rate = (r) => r.mib / r.seconds;
    /** The run of median speed of `tool` on `set` (the slower middle one of an even count). */
    const median = (tool, set) => {
      const runs = rows.filter((r) => r.tool === tool && r.set === set).sort((a, b) => rate(a) - rate(b));
      return runs[Math.floor((runs.length - 1) / 2)];
    };
    const figures = [];
    for (const set of sets) {
      const cx = median('cxarchive', set);
      const rc = median('rclone crypt', set);
      const ratio = rc ? rate(cx) / rate(rc) : undefined;
      // The machine's 1-minute load average as each tool's run began: figures are comparable only
      // at similar loads (the machine is shared).
      const peer = (value) =>
        rc
          ? { peer: 'rclone crypt', peerValue: value(rc), load: cx.load, peerLoad: rc.load }
          : { load: cx.load };
      figures.push(
        {
          name: `${set.name}: cxarchive MiB/s`,
          value: rate(cx),
          unit: 'MiB/s',
          ...peer(rate),
          ...(REPEAT > 1
            ? {
                runs: rows.filter((r) => r.tool === 'cxarchive' && r.set === set).map(rate),
                peerRuns: rows.filter((r) => r.tool === 'rclone crypt' && r.set === set).map(rate),
              }
            : {}),
          ...(ratio === undefined
            ? {}
            : { ratio, goal: `≥ ${GOAL_RATIO} × rclone crypt`, met: ratio >= GOAL_RATIO }),
        },
        {
          name: `${set.name}: cxarchive peak RSS`,
          value: cx.rssMb,
          unit: 'MiB',
          ...peer((r) => r.rssMb),
          goal: `< ${GOAL_RSS_MIB} MiB`,
          met: cx.rssMb < GOAL_RSS_MIB,
          beforeFirstByte: cx.rssBeforeMb,
        },
        {
          name: `${set.name}: cxarchive CPU seconds`,
          value: cx.cpu,
          unit: 's',
          ...peer((r) => r.cpu),
          beforeFirstByte: cx.cpuBefore,
        },
        {
          name: `${set.name}: cxarchive S3 requests per file`,
          value: cx.requests / set.files,
          unit: 'requests',
          ...peer((r) => r.requests / set.files),
        },
      );
    }

    if (JSON_OUT) {
      for (const f of figures) console.log(JSON.stringify({ bench: 's3', ...f }));
      client.destroy();
      return;
    }
    say(
      'tool           set                files      MiB   seconds    MiB/s   CPU s (before 1st byte)   peak RSS MiB (before 1st byte)   RGW CPU s   requests (per file)   stored objects   load',
    );
    for (const r of rows) {
      say(
        `${r.tool.padEnd(14)} ${`${r.set.name}${REPEAT > 1 ? ` #${r.rep + 1}` : ''}`.padEnd(18)} ${String(r.set.files).padStart(5)} ${String(r.mib).padStart(8)} ${r.seconds.toFixed(2).padStart(9)} ${(r.mib / r.seconds).toFixed(1).padStart(8)} ${`${r.cpu.toFixed(2)}${r.cpuBefore === undefined ? '' : ` (${r.cpuBefore.toFixed(2)})`}`.padStart(25)} ${`${r.rssMb.toFixed(0)}${r.rssBeforeMb === undefined ? '' : ` (${r.rssBeforeMb.toFixed(0)})`}`.padStart(32)} ${r.server.toFixed(2).padStart(11)}   ${`${r.requests} (${(r.requests / r.set.files).toFixed(1)})`.padStart(19)}   ${`${r.stored.count} (${(r.stored.bytes / MiB).toFixed(1)} MiB)`.padEnd(16)} ${r.load.toFixed(2).padStart(6)}`,
      );
    }
    say(
      `seconds: whole process, start to exit (cxarchive's runPipeline alone: ${rows
        .filter((r) => r.tool === 'cxarchive')
        .map((r) => `${r.inRun.toFixed(2)} s for ${r.set.name}`)
        .join(
          ', ',
        )}). cxarchive encrypts (AES-256-GCM chunks; compression auto leaves audio/wav ungzipped, gzips the small JSON record), uploads create-only with a Content-MD5 on every part (the runtime's own part MD5s: the bytes are hashed once) and verifies each object by the ETag RGW computed (from the PutObject answer; a HEAD after a multipart upload; no read-back); it also stores one record JSON per item. CPU s and peak RSS in brackets: what the cxarchive process had used and held just before runPipeline (runtime, plugins, AWS SDK loaded), which no upload adds. Load: the 1-minute load average as each run began (the machine is shared). rclone stores the crypt objects only${rcloneVersion ? ` (${rcloneVersion})` : ''}. Requests: all S3 requests RGW answered during the run (its own counter), per file archived. The smaller sets ran after an untimed warm-up write of the same data (${warmSeconds.toFixed(1)} s): a fresh RGW is slow for its first few hundred MiB.`,
    );
    for (const set of sets) {
      const speed = figures.find((f) => f.name === `${set.name}: cxarchive MiB/s`);
      const rss = figures.find((f) => f.name === `${set.name}: cxarchive peak RSS`);
      say(
        speed.ratio === undefined
          ? `goal (issue 9) — ${set.name}: ≥ ${GOAL_RATIO} × rclone crypt's MiB/s not measurable without rclone; peak RSS ${rss.value.toFixed(0)} MiB (goal < ${GOAL_RSS_MIB} MiB: ${rss.met ? 'met' : 'NOT met'})`
          : `goal (issue 9) — ${set.name}${REPEAT > 1 ? ` (the runs of median speed of ${REPEAT})` : ''}: ${speed.ratio.toFixed(2)} × rclone crypt's MiB/s (goal ≥ ${GOAL_RATIO}: ${speed.met ? 'met' : 'NOT met'}), peak RSS ${rss.value.toFixed(0)} MiB (goal < ${GOAL_RSS_MIB} MiB: ${rss.met ? 'met' : 'NOT met'})`,
      );
    }
    client.destroy();
  } finally {
    await rgw.stop();
  }
};

const scratch = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-s3-data-'));
try {
  await bench(scratch);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
